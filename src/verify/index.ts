// The verify stage: prove the original objects are the running kernel's code before a module
// built from them is allowed (run-pre matching), and tell same-named local functions apart.
import { access } from 'node:fs/promises';
import path from 'node:path';
import { runToolBuffer } from '../build/exec.js';
import { EnvironmentError, InputError } from '../common/errors.js';
import { readKernelImage, type KernelImage } from '../elf/image.js';
import { writeFile } from 'node:fs/promises';

export { functionCode, firstMismatch, runPreMatch, type FunctionCode, type RunPreInput, type RunPreResult, type VerifiedFunction } from './run-pre.js';

/**
 * The running kernel's image: a vmlinux as given, or one extracted from a vmlinuz with the
 * tree's own scripts/extract-vmlinux into `workDir`.
 */
export async function openRunningImage(opts: { vmlinux?: string; vmlinuz?: string; tree: string; workDir: string }): Promise<KernelImage> {
  if (opts.vmlinux) return readKernelImage(opts.vmlinux);
  if (!opts.vmlinuz) throw new InputError('no kernel image to verify against', 'pass --vmlinux <file> or --vmlinuz <file> (e.g. /boot/vmlinuz-$(uname -r)), or --no-verify');
  try {
    await access(opts.vmlinuz);
  } catch {
    throw new InputError(`${opts.vmlinuz}: no such file`, 'pass the running kernel\'s vmlinuz (e.g. /boot/vmlinuz-$(uname -r))');
  }
  const script = path.join(opts.tree, 'scripts', 'extract-vmlinux');
  const data = Buffer.from(await runToolBuffer(script, [opts.vmlinuz], { timeout: 10 * 60_000 }));
  if (data.length < 1024 * 1024 || data.readUInt32BE(0) !== 0x7f454c46) {
    throw new EnvironmentError(`${script} ${opts.vmlinuz}: did not produce an ELF file (${data.length} bytes)`, 'extract-vmlinux needs the image\'s decompressor (xz-utils, zstd, lz4...) installed; or pass --vmlinux');
  }
  const file = path.join(opts.workDir, 'vmlinux');
  await writeFile(file, data);
  return readKernelImage(file);
}
