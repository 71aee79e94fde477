// Builds the original and the patched object of one kernel TU in the target's lab tree: the
// lab's copy of the file is patched, compiled, and restored (left with a new mtime, so kbuild
// recompiles the original next time). Kernel-tier files run one at a time, so no other test
// sees the patched file.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { applyPatch, parsePatch } from 'diff';
import { compileTargetObject, type KernelTarget } from '../../src/target/index.js';

export interface KernelPair { orig: string; patched: string; file: string }

export async function buildKernelPair(target: KernelTarget, patchPath: string): Promise<KernelPair> {
  const [patch] = parsePatch(readFileSync(patchPath, 'utf8'));
  if (!patch?.newFileName) throw new Error(`${patchPath}: no file in patch`);
  const file = patch.newFileName.replace(/^b\//, '');
  const object = file.replace(/\.c$/, '.o');
  const out = mkdtempSync(join(tmpdir(), `cdm-kpair-${basename(patchPath, '.patch')}-`));
  const origObj = join(out, 'orig.o');
  const patchedObj = join(out, 'patched.o');
  copyFileSync(await compileTargetObject(target, object), origObj);
  const labFile = join(target.cacheDir, 'lab', file);
  const original = readFileSync(labFile, 'utf8');
  const patched = applyPatch(original, patch);
  if (patched === false) throw new Error(`${patchPath} does not apply to ${labFile}`);
  try {
    writeFileSync(labFile, patched);
    copyFileSync(await compileTargetObject(target, object), patchedObj);
  } finally {
    writeFileSync(labFile, original);
  }
  return { orig: origObj, patched: patchedObj, file };
}
