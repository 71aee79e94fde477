// Compile one kernel object the way kbuild does, with one section per function and per datum.
//
// Objects are compiled in the cache's lab/ tree, a copy of the prepared source/ tree, and never
// in source/ itself: later stages treat source/ as a user's tree that must stay as prepared (no
// objects, no .cmd files), and a test that compiled there would change what the next test sees.
// The copy costs 15-25 s once per ABI (`cp -a` keeps the mtimes, so kbuild sees it prepared),
// plus about 10 s for kbuild to redo the parts of `prepare` that depend on KCFLAGS.
import path from 'node:path';
import { runTool } from '../build/exec.js';
import { InputError } from '../common/errors.js';
import type { Layout } from './layout.js';
import { withLock } from '../common/lock.js';
import { quiet, timed, type Log } from './log.js';
import { jobs, makeVars, PREPARED_FILES } from './prepare.js';
import { ensureStage, exists, type Stamp } from './stamp.js';

/** One argv element each: KCFLAGS holds a space and must never pass through a shell. */
export const SECTION_KCFLAGS = 'KCFLAGS=-ffunction-sections -fdata-sections';

/** Create (or reuse) lab/, a copy of the prepared tree with the stamp it was copied from. */
export async function ensureLab(l: Layout, source: Stamp, log: Log = quiet): Promise<string> {
  await withLock(l.lock, log, () =>
    ensureStage({
      stage: 'lab',
      dir: l.lab,
      abi: source.abi,
      packageVersion: source.packageVersion,
      from: { source: source.id },
      required: PREPARED_FILES,
      log,
      build: (tmp) => timed(log, 'copy source to lab', async () => {
        await runTool('cp', ['-a', l.source, tmp], { timeout: 30 * 60_000 });
      }),
      // kbuild sees the new KCFLAGS (asm-offsets, modpost are rebuilt) and objtool's recorded
      // absolute paths (objtool is rebuilt) once: do it here, inside the stage, so an
      // interrupted run is redone and compile times measure the compile.
      finish: (dir) => timed(log, 'prepare lab', async () => {
        await runTool('make', [...makeVars(), SECTION_KCFLAGS, `-j${jobs()}`, 'prepare'], { cwd: dir, timeout: 60 * 60_000 });
      }),
    }));
  return l.lab;
}

/** `fs/proc/cmdline.o` → checked relative path; the C (or assembly) source must exist. */
export async function checkObjectPath(tree: string, objectPath: string): Promise<string> {
  const rel = path.posix.normalize(objectPath.replaceAll('\\', '/'));
  if (path.posix.isAbsolute(rel) || rel.startsWith('../') || !/^[\w./+-]+\.o$/.test(rel)) {
    throw new InputError(`${objectPath}: not a kernel object path relative to the tree (like fs/proc/cmdline.o)`);
  }
  const stem = rel.slice(0, -2);
  if (!(await exists(path.join(tree, `${stem}.c`))) && !(await exists(path.join(tree, `${stem}.S`)))) {
    throw new InputError(`${objectPath}: no ${stem}.c or ${stem}.S in ${tree}`);
  }
  return rel;
}

/** make <obj> in the lab tree; returns the absolute path of the object there. */
export async function compileInLab(l: Layout, source: Stamp, objectPath: string, log: Log = quiet): Promise<string> {
  const tree = await ensureLab(l, source, log);
  const rel = await checkObjectPath(tree, objectPath);
  // One make at a time per tree: two would race on kbuild's shared prerequisites.
  return withLock(`${l.lab}.lock`, log, () => timed(log, `compile ${rel}`, async () => {
    // runTool turns a failing make (compile error, an object this configuration does not
    // build) into an EnvironmentError carrying the tail of make's output.
    await runTool('make', [...makeVars(), SECTION_KCFLAGS, `-j${jobs()}`, rel], { cwd: tree, timeout: 30 * 60_000 });
    const out = path.join(tree, rel);
    if (!(await exists(out))) {
      throw new InputError(`${rel}: make succeeded but wrote no ${out}; is it built by this configuration (obj-y/obj-m)?`);
    }
    return out;
  }));
}
