// The running kernel's symbol table as /proc/kallsyms (or System.map) prints it: address,
// type letter, name, and `[module]` for module symbols. Addresses are bigint. A dump read
// without privileges shows every address as zero and is refused; a KASLR dump is mapped to
// vmlinux addresses through `_text` (every offset from _text is unchanged; the absolute
// per-CPU `A` symbols do not move).
import { readFile } from 'node:fs/promises';
import { InputError } from '../common/errors.js';

export interface KallsymsEntry {
  address: bigint;
  type: string;
  name: string;
  /** Module name, or undefined for vmlinux. */
  module?: string;
  /** Position in the dump (its order is address order for vmlinux). */
  index: number;
}

export interface Kallsyms {
  file: string;
  entries: KallsymsEntry[];
  /** Entries by name, per object ('vmlinux' or a module name), in dump order. */
  byName: Map<string, KallsymsEntry[]>;
  /** KASLR offset: the dump's _text minus the link-time _text (0 with nokaslr). */
  kaslrOffset: bigint;
}

/** Where x86-64 links _text (CONFIG_PHYSICAL_START 0x1000000 in the kernel map). */
export const LINK_TIME_TEXT = 0xffffffff81000000n;

const key = (object: string, name: string) => `${object}\0${name}`;

export function parseKallsyms(text: string, file = '<kallsyms>'): Kallsyms {
  const entries: KallsymsEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    const m = /^([0-9a-fA-F]{8,16}) ([A-Za-z?]) (\S+)(?:\s+\[([^\]]+)\])?\s*$/.exec(line);
    if (!m) throw new InputError(`${file}:${i + 1}: not a kallsyms line: ${JSON.stringify(line.slice(0, 80))}`, 'pass the contents of /proc/kallsyms (read as root) or a System.map');
    entries.push({ address: BigInt('0x' + m[1]), type: m[2]!, name: m[3]!, module: m[4], index: entries.length });
  }
  if (entries.length === 0) throw new InputError(`${file}: empty symbol table`, 'pass the contents of /proc/kallsyms (read as root)');
  if (entries.every((e) => e.address === 0n)) {
    throw new InputError(`${file}: every address is zero: the dump was read without privileges (kptr_restrict)`, 'read it as root: sudo cat /proc/kallsyms > kallsyms.txt');
  }
  const byName = new Map<string, KallsymsEntry[]>();
  for (const e of entries) {
    const k = key(e.module ?? 'vmlinux', e.name);
    const list = byName.get(k);
    if (list) list.push(e);
    else byName.set(k, [e]);
  }
  const text0 = byName.get(key('vmlinux', '_text'))?.[0];
  if (!text0) throw new InputError(`${file}: no _text symbol: not a kernel symbol table`);
  return { file, entries, byName, kaslrOffset: text0.address - LINK_TIME_TEXT };
}

export async function readKallsyms(file: string): Promise<Kallsyms> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseKallsyms(text, file);
}

/** All entries of `name` in `object` ('vmlinux' or a module), in the kernel's own order. */
export function lookup(ks: Kallsyms, name: string, object = 'vmlinux'): KallsymsEntry[] {
  return ks.byName.get(key(object, name)) ?? [];
}

/** The link-time (vmlinux) address of a vmlinux entry; per-CPU `A` symbols are absolute. */
export function vmlinuxAddress(ks: Kallsyms, e: KallsymsEntry): bigint {
  return e.type === 'A' || e.type === 'a' ? e.address : e.address - ks.kaslrOffset;
}
