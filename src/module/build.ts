// Building the livepatch module: kbuild links the registration source and the patch object
// into `<name>.ko` against the target's headers (`make -C <headers> M=<dir> modules`, as a
// user builds any external module), then postLinkKlp turns the placeholder relocations into
// livepatch relocations. The patch object enters kbuild as `<name>-patch.o_shipped`: kbuild's
// `$(obj)/%: $(src)/%_shipped` rule (scripts/Makefile.lib, still in 6.1) copies it to
// `<name>-patch.o`, which `<name>-y` links like any other part of a composite module; a
// `.<name>-patch.o.cmd` must exist beside it for modpost.
import { copyFile, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runTool } from '../build/exec.js';
import { EnvironmentError, InputError } from '../common/errors.js';
import { readElf, writeElf } from '../elf/index.js';
import { checkPlan, type KlpPlan } from './plan.js';
import { postLinkKlp, type PostLinkResult } from './postlink.js';
import { generateRegistration } from './registration.js';

export interface BuildModuleOptions {
  /** linux-headers-<release> directory (contains Makefile, Module.symvers, scripts/). */
  headersDir: string;
  /** Module name: letters, digits, _ and -; the sysfs directory is this with - turned into _. */
  name: string;
  /** Path of the patch object (an ELF relocatable), or its bytes; several for a fix to several TUs. */
  patchObject: string | Uint8Array | Array<string | Uint8Array>;
  plan: KlpPlan;
  /** klp_patch.replace (atomic replace of earlier patches). */
  replace?: boolean;
  /** Where `<name>.ko` is written. */
  outDir: string;
  /** Keep the kbuild directory (its path is returned in `buildDir`) instead of removing it. */
  keepBuildDir?: boolean;
  /** Make's time limit; default 10 minutes. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface BuiltModule {
  /** outDir/<name>.ko */
  path: string;
  /** The sysfs name under /sys/kernel/livepatch/. */
  sysfsName: string;
  postLink: Omit<PostLinkResult, 'object'>;
  /** Set when keepBuildDir. */
  buildDir?: string;
}

const MODULE_NAME = /^[A-Za-z0-9_-]{1,55}$/;

/** Build and post-link the module; returns the path of `outDir/<name>.ko`. */
export async function buildModule(opts: BuildModuleOptions): Promise<string> {
  return (await buildModuleDetailed(opts)).path;
}

export async function buildModuleDetailed(opts: BuildModuleOptions): Promise<BuiltModule> {
  const { name } = opts;
  if (!MODULE_NAME.test(name)) {
    throw new InputError(`module name ${JSON.stringify(name)} is not valid`, 'use letters, digits, _ and - (at most 55 characters)');
  }
  const plan = checkPlan(opts.plan);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cdm-module-'));
  let keep = false;
  try {
    const objects = Array.isArray(opts.patchObject) ? opts.patchObject : [opts.patchObject];
    const parts = objects.map((_, i) => (objects.length === 1 ? `${name}-patch.o` : `${name}-patch${i}.o`));
    for (const [i, part] of parts.entries()) {
      const object = objects[i]!;
      if (typeof object === 'string') await copyFile(object, path.join(dir, `${part}_shipped`));
      else await writeFile(path.join(dir, `${part}_shipped`), object);
      // modpost (6.1) reads `.<object>.cmd` of every part of the module for `#SYMVER` lines
      // (modversions CRCs of exports) and fails when one is missing; the patch object exports
      // nothing, so its .cmd only says where it came from.
      await writeFile(path.join(dir, `.${part}.cmd`), `# ${part}: prebuilt patch object (from ${part}_shipped); it exports no symbols\n`);
    }
    await writeFile(path.join(dir, `${name}-main.c`), generateRegistration(plan, { replace: opts.replace }));
    await writeFile(path.join(dir, 'Kbuild'), `obj-m := ${name}.o\n${name}-y := ${name}-main.o ${parts.join(' ')}\n`);

    // The scratch directory's name must not reach the module (debug info, __FILE__): the same
    // inputs give the same .ko.
    const kcflags = [process.env.KCFLAGS, `-ffile-prefix-map=${dir}/=`].filter(Boolean).join(' ');
    opts.log?.(`module ${name}: make -C ${opts.headersDir} M=${dir} modules`);
    await runTool('make', ['-C', opts.headersDir, `M=${dir}`, `KCFLAGS=${kcflags}`, 'modules'], {
      timeout: opts.timeoutMs ?? 10 * 60_000,
    });

    const koPath = path.join(dir, `${name}.ko`);
    let bytes: Buffer;
    try {
      bytes = await readFile(koPath);
    } catch {
      throw new EnvironmentError(`make -C ${opts.headersDir} M=${dir} modules built no ${name}.ko`);
    }
    const linked = readElf(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), koPath);
    const result = postLinkKlp(linked, plan, koPath);
    const out = writeElf(result.object);

    const outPath = path.join(path.resolve(opts.outDir), `${name}.ko`);
    const tmp = `${outPath}.tmp-${process.pid}`;
    await writeFile(tmp, out);
    await rename(tmp, outPath);
    const { object: _object, ...postLink } = result;
    keep = opts.keepBuildDir ?? false;
    return { path: outPath, sysfsName: name.replace(/-/g, '_'), postLink, buildDir: keep ? dir : undefined };
  } finally {
    if (!keep) await rm(dir, { recursive: true, force: true });
  }
}
