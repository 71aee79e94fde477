// The running kernel's symbol table. The image package's System.map is a placeholder, so the
// real one comes from booting the image and reading /proc/kallsyms as root. Cached per ABI
// and per KASLR setting (with KASLR each boot has its own offset; the cached dump is one such
// boot, which is what a user hands over too).
import path from 'node:path';
import { EnvironmentError } from '../common/errors.js';
import { exists, writeFileAtomic } from './stamp.js';

export const kallsymsFile = (cacheDir: string, kaslr: boolean) =>
  path.join(cacheDir, kaslr ? 'kallsyms-kaslr.txt' : 'kallsyms-nokaslr.txt');

export const KALLSYMS_SCRIPT = 'cat /proc/kallsyms\n';

/** Refuse a dump that cannot be the symbol table of a booted kernel (truncated, or read unprivileged). */
export function checkKallsyms(text: string): void {
  const lines = text.split('\n').filter(Boolean);
  if (lines.length < 10_000 || !lines.some((l) => / [Tt] _text$/.test(l))) {
    throw new EnvironmentError(`the kallsyms dump has ${lines.length} lines and no _text: the bulk port output was cut short`);
  }
  if (lines.every((l) => /^0+ /.test(l))) {
    throw new EnvironmentError('every kallsyms address is zero: it was read without privileges (kptr_restrict)');
  }
}

/** Cached dump, or undefined. Written atomically, so an existing file is complete. */
export async function cachedKallsyms(cacheDir: string, kaslr: boolean): Promise<string | undefined> {
  const file = kallsymsFile(cacheDir, kaslr);
  return (await exists(file)) ? file : undefined;
}

export async function storeKallsyms(cacheDir: string, kaslr: boolean, text: string): Promise<string> {
  checkKallsyms(text);
  const file = kallsymsFile(cacheDir, kaslr);
  await writeFileAtomic(file, text.endsWith('\n') ? text : `${text}\n`);
  return file;
}
