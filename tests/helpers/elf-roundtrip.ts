// Read, write, read again, and check binutils accept what we wrote.
import { readFileSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { readElf, writeElf, SHT, type ElfObject } from '../../src/elf/index.js';

/** The model without what the writer is free to change: file offsets and derived bytes. */
export function comparableModel(obj: ElfObject) {
  const derived = new Set<number>([SHT.SYMTAB, SHT.STRTAB, SHT.RELA, SHT.REL, SHT.GROUP, SHT.SYMTAB_SHNDX]);
  return {
    header: obj.header,
    sections: obj.sections.map(({ offset: _o, data, size, ...rest }) => ({
      ...rest,
      size: derived.has(rest.type) ? undefined : size,
      data: derived.has(rest.type) ? undefined : Buffer.from(data).toString('base64'),
    })),
    symtab: obj.symtab,
    symbols: obj.symbols,
    relocations: obj.relocations,
    groups: obj.groups,
  };
}

export interface RoundTrip {
  original: ElfObject;
  rewritten: ElfObject;
  rewrittenPath: string;
}

export function roundTrip(path: string, outPath = path.replace(/\.o$/, '.rt.o')): RoundTrip {
  const original = readElf(new Uint8Array(readFileSync(path)), path);
  writeFileSync(outPath, writeElf(original));
  const rewritten = readElf(new Uint8Array(readFileSync(outPath)), outPath);
  return { original, rewritten, rewrittenPath: outPath };
}

/** Runs readelf -a, objdump -dr and ld -r over a written object; returns binutils' complaints. */
export async function binutilsComplaints(path: string, prefix = '', opts: { quick?: boolean } = {}): Promise<string[]> {
  const complaints: string[] = [];
  // quick: readelf -r and objdump -dr take minutes on 100,000 sections; headers and ld -r do not.
  const readelfRun = await execa('readelf', opts.quick ? ['-h', '-S', '-s', '-g', '--wide', path] : ['-a', '--wide', path], { reject: false });
  if (readelfRun.exitCode !== 0 || /warning|error/i.test(readelfRun.stderr)) complaints.push(`readelf: exit ${readelfRun.exitCode} ${readelfRun.stderr}`);
  const objdumpRun = await execa(`${prefix}objdump`, opts.quick ? ['-h', path] : ['-dr', path], { reject: false });
  if (objdumpRun.exitCode !== 0 || /warning|error/i.test(objdumpRun.stderr)) complaints.push(`objdump: exit ${objdumpRun.exitCode} ${objdumpRun.stderr}`);
  const ldRun = await execa(`${prefix}ld`, ['-r', '-o', path + '.ld.o', path], { reject: false });
  if (ldRun.exitCode !== 0 || ldRun.stderr.trim()) complaints.push(`ld -r: exit ${ldRun.exitCode} ${ldRun.stderr}`);
  return complaints;
}
