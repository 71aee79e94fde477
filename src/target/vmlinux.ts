// The uncompressed kernel, pulled out of the image's vmlinuz with the tree's own
// scripts/extract-vmlinux. Debian's has no symbol table but keeps section headers with
// virtual addresses, which is what run-pre matching needs (kallsyms address -> file offset).
import path from 'node:path';
import { runToolBuffer } from '../build/exec.js';
import { EnvironmentError } from '../common/errors.js';
import { exists, writeFileAtomic } from './stamp.js';

export const vmlinuxFile = (cacheDir: string) => path.join(cacheDir, 'vmlinux');

export async function extractVmlinux(cacheDir: string, sourceDir: string, vmlinuz: string): Promise<string> {
  const file = vmlinuxFile(cacheDir);
  if (await exists(file)) return file;
  const script = path.join(sourceDir, 'scripts', 'extract-vmlinux');
  const data = Buffer.from(await runToolBuffer(script, [vmlinuz], { timeout: 10 * 60_000 }));
  if (data.length < 1024 * 1024 || data.readUInt32BE(0) !== 0x7f454c46) {
    throw new EnvironmentError(`${script} ${vmlinuz}: did not produce an ELF file (${data.length} bytes)`,
      'extract-vmlinux needs the decompressor of the image (xz-utils for Debian 6.1) and readelf (binutils)');
  }
  await writeFileAtomic(file, data);
  return file;
}
