// Cache stages that are either complete or absent, never half there.
//
// A stage (the unpacked image, the headers, the prepared source tree, ...) is built under a
// temporary name, renamed into place, finished in place if it must be (kbuild records paths,
// so the source tree is prepared where it will stay), and only then gets its stamp file.
// A stage counts as good only when its stamp exists, names the same ABI, package version and
// inputs, and every file the stamp lists as required is still there. Anything else (a killed
// unpack, a deleted file, a stamp from another version) is removed and built again.
import { randomBytes } from 'node:crypto';
import { access, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Bump when the layout of a stage changes, so old caches are rebuilt instead of misread. */
const FORMAT = 1;

export interface Stamp {
  format: number;
  stage: string;
  abi: string;
  packageVersion: string;
  /** Random per build: a stage built from another stage records the id it was built from. */
  id: string;
  /** Ids of the stages this one was built from. */
  from: Record<string, string>;
  /** Paths (relative to the stage directory) that must exist for the stage to be whole. */
  required: string[];
  created: string;
}

export interface StageSpec {
  stage: string;
  /** The stage's final directory; its stamp is `<dir>.stamp` beside it. */
  dir: string;
  abi: string;
  packageVersion: string;
  from?: Record<string, string>;
  required: string[];
  /** Create and fill the temporary directory (it does not exist when called). */
  build: (tmpDir: string) => Promise<void>;
  /** Work done after the rename, in the final place (kbuild's prepare). */
  finish?: (dir: string) => Promise<void>;
  log: (line: string) => void;
}

export const stampPath = (dir: string) => `${dir}.stamp`;

/** The stamp of a complete stage, or undefined (with the reason logged) when it must be rebuilt. */
export async function checkStage(spec: Omit<StageSpec, 'build' | 'finish'>): Promise<Stamp | undefined> {
  let stamp: Stamp;
  try {
    stamp = JSON.parse(await readFile(stampPath(spec.dir), 'utf8')) as Stamp;
  } catch {
    if (await exists(spec.dir)) spec.log(`${spec.stage}: ${spec.dir} has no stamp (interrupted?), redoing it`);
    return undefined;
  }
  const why = mismatch(stamp, spec);
  if (why) {
    spec.log(`${spec.stage}: ${why}, redoing it`);
    return undefined;
  }
  for (const rel of stamp.required) {
    if (!(await exists(path.join(spec.dir, rel)))) {
      spec.log(`${spec.stage}: ${path.join(spec.dir, rel)} is missing, redoing the stage`);
      return undefined;
    }
  }
  return stamp;
}

function mismatch(stamp: Stamp, spec: Omit<StageSpec, 'build' | 'finish'>): string | undefined {
  if (stamp.format !== FORMAT) return `stamp format ${stamp.format} is not ${FORMAT}`;
  if (stamp.abi !== spec.abi || stamp.packageVersion !== spec.packageVersion) {
    return `stamp is for ${stamp.abi} ${stamp.packageVersion}, not ${spec.abi} ${spec.packageVersion}`;
  }
  for (const [dep, id] of Object.entries(spec.from ?? {})) {
    if (stamp.from?.[dep] !== id) return `built from another ${dep}`;
  }
  if (spec.required.some((r) => !stamp.required.includes(r))) return 'stamp lists other required files';
  return undefined;
}

/** Reuse the stage when it is complete; otherwise remove whatever is there and build it. */
export async function ensureStage(spec: StageSpec): Promise<Stamp> {
  const good = await checkStage(spec);
  if (good) return good;
  const tmp = `${spec.dir}.tmp`;
  // Stamp first: from here on, a crash leaves a directory without a stamp, which is redone.
  await rm(stampPath(spec.dir), { force: true });
  await rm(spec.dir, { recursive: true, force: true });
  await rm(tmp, { recursive: true, force: true });
  try {
    await spec.build(tmp);
    await rename(tmp, spec.dir);
    if (spec.finish) await spec.finish(spec.dir);
  } catch (err) {
    // Nothing half-built stays behind to confuse a person looking at the cache (a later run
    // would remove it anyway: without a stamp it never counts).
    await rm(tmp, { recursive: true, force: true });
    await rm(spec.dir, { recursive: true, force: true });
    throw err;
  }
  for (const rel of spec.required) {
    if (!(await exists(path.join(spec.dir, rel)))) {
      throw new Error(`${spec.stage}: built, but ${path.join(spec.dir, rel)} does not exist`);
    }
  }
  const stamp: Stamp = {
    format: FORMAT,
    stage: spec.stage,
    abi: spec.abi,
    packageVersion: spec.packageVersion,
    id: randomBytes(8).toString('hex'),
    from: spec.from ?? {},
    required: spec.required,
    created: new Date().toISOString(),
  };
  await writeFileAtomic(stampPath(spec.dir), `${JSON.stringify(stamp, null, 2)}\n`);
  return stamp;
}

export async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** Write to a temporary name in the same directory and rename: readers see all or nothing. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
