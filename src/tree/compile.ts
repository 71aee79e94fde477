// Compiling one TU in a mirror exactly as kbuild does: make with the tree's own flags plus
// KCFLAGS=-ffunction-sections -fdata-sections and CC named by CONFIG_CC_VERSION_TEXT.
import { readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { CdmError, EnvironmentError, ExitCode, InputError } from '../common/errors.js';
import { runTool } from '../build/exec.js';
import type { CompilerCommand } from './compiler-command.js';
import { now } from '../common/clock.js';

export const SECTION_KCFLAGS = 'KCFLAGS=-ffunction-sections -fdata-sections';
/**
 * kbuild puts KCFLAGS before a directory's own flags, and init/Makefile says
 * `ccflags-y := -fno-function-sections -fno-data-sections`; CFLAGS_KERNEL and CFLAGS_MODULE come
 * after them (scripts/Makefile.lib, modkern_cflags), so every TU gets its sections.
 */
export const SECTION_FLAGS = [SECTION_KCFLAGS, 'CFLAGS_KERNEL=-ffunction-sections -fdata-sections', 'CFLAGS_MODULE=-ffunction-sections -fdata-sections'];

export class NotBuiltError extends CdmError {
  constructor(readonly unit: string) {
    super(ExitCode.noChange, `${unit}: this configuration does not build it (not in obj-y/obj-m): nothing to patch in this kernel`);
  }
}

/** Refuse a tree without .config or that was never prepared, naming what is missing. */
export async function checkPreparedTree(tree: string, objtree?: string): Promise<void> {
  const need = async (root: string, rel: string, what: string, hint: string) => {
    try {
      await access(path.join(root, rel));
    } catch {
      throw new InputError(`${root}: ${what} (${rel} is missing)`, hint);
    }
  };
  await need(tree, 'Makefile', 'is not a kernel source tree', 'pass --src <kernel source tree>');
  if (objtree) {
    await need(objtree, '.config', 'is not a configured build directory', 'pass --build-dir the directory given to make O=..., after make O=<dir> olddefconfig prepare');
  } else {
    await need(tree, '.config', 'has no .config', "copy the running kernel's config there (e.g. /boot/config-$(uname -r)) and run make olddefconfig prepare; a tree built with make O=<dir> takes --build-dir <dir>");
  }
  const built = objtree ?? tree;
  await need(built, 'include/generated/autoconf.h', 'is not prepared', 'run make olddefconfig && make prepare in the tree once');
  await need(built, 'scripts/basic/fixdep', 'is not prepared', 'run make prepare in the tree once');
}

/** The compiler the tree was configured with: the first word of CONFIG_CC_VERSION_TEXT. */
export async function configuredCompiler(tree: string): Promise<{ cc: string; versionText: string }> {
  const config = readFileSync(path.join(tree, '.config'), 'utf8');
  // Kconfig writes it among the first lines of a ~300 KB file: looked for there first.
  const m = /^CONFIG_CC_VERSION_TEXT="(.*)"$/m.exec(config.slice(0, 4096)) ?? /^CONFIG_CC_VERSION_TEXT="(.*)"$/m.exec(config);
  if (!m) throw new InputError(`${tree}/.config has no CONFIG_CC_VERSION_TEXT`, 'a kernel .config from 5.8 or later is needed');
  return { cc: m[1]!.split(' ')[0]!, versionText: m[1]! };
}

/** `versionLine` (the first line of `cc --version`) must be the tree's CONFIG_CC_VERSION_TEXT. */
export function checkCompiler(cc: string, versionText: string, versionLine: string): void {
  if (versionLine !== versionText) {
    throw new EnvironmentError(`${cc} is "${versionLine}" but the tree was configured with "${versionText}": objects would not match the running kernel`, 'install that compiler, or pass --skip-compiler-check if you know the difference is harmless');
  }
}

export interface CompileResult {
  object: string;
  ms: number;
  /** How the object was made: kbuild (make), kbuild's recorded command run directly, or the object cache. */
  by: 'make' | 'recorded-command' | 'cache';
}

/** make <unit> in `mirror`; the object's path, or NotBuiltError / EnvironmentError. */
export async function compileUnit(mirror: string, unit: string, cc: CompilerCommand, side: 'original' | 'patched'): Promise<CompileResult> {
  const start = now();
  const r = await runTool('make', [`CC=${cc.words.join(' ')}`, ...SECTION_FLAGS, unit], { cwd: mirror, env: cc.env, allowFailure: true, timeout: 60 * 60_000 });
  if (r.exitCode !== 0) {
    const out = `${r.stderr}\n${r.stdout}`;
    if (/No rule to make target '[^']*'/.test(out) && new RegExp(`No rule to make target '${unit.replace(/[.+]/g, '\\$&')}'`).test(out)) throw new NotBuiltError(unit);
    throw compileFailure(unit, side, out);
  }
  return { object: path.join(mirror, unit), ms: now() - start, by: 'make' };
}

/** The compiler's own error lines (exit 4), with a hint for the side that failed. */
export function compileFailure(unit: string, side: 'original' | 'patched', output: string): EnvironmentError {
  const errors = output.split('\n').filter((l) => /error|Error/.test(l)).slice(0, 15).join('\n');
  return new EnvironmentError(`compiling the ${side} ${unit} failed:\n${errors || output.trim().split('\n').slice(-15).join('\n')}`, side === 'patched' ? 'fix the patch so it compiles' : 'the tree itself does not compile this unit; check the tree and its .config');
}
