// Extended section numbering (gABI): more than 0xff00 sections put the real count and the
// name-table index in section header 0 and symbol section indices in SHT_SYMTAB_SHNDX.
// gas makes such an object in about a second (gcc takes nearly a minute).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { readElf, readSectionBytes, SHN, SHT } from '../../src/elf/index.js';
import { binutilsComplaints, comparableModel, roundTrip } from '../helpers/elf-roundtrip.js';
import { readelf } from '../helpers/readelf.js';
import { compareWithReadelf } from '../helpers/compare.js';
import { inspectReport } from '../../src/cli/inspect.js';

describe('extended section indices', () => {
  it('reads, writes and re-reads an object with 130,000 sections', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdm-xindex-'));
    const n = 65_300;
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      lines.push(`.section .text.f${i},"ax",@progbits`, `.globl f${i}`, `.type f${i},@function`, `f${i}: call f${(i + 1) % n}`, 'ret');
    }
    writeFileSync(join(dir, 'many.s'), lines.join('\n') + '\n');
    const path = join(dir, 'many.o');
    await execa('as', [join(dir, 'many.s'), '-o', path]);

    const bytes = readFileSync(path);
    expect(bytes.readUInt16LE(60)).toBe(0); // e_shnum: 0 means "see section 0"
    expect(bytes.readUInt16LE(62)).toBe(SHN.XINDEX);
    const obj = readElf(new Uint8Array(bytes), path);
    expect(obj.sections.length).toBeGreaterThan(2 * n);
    expect(obj.sections.some((s) => s.type === SHT.SYMTAB_SHNDX)).toBe(true);
    const last = obj.symbols.find((s) => s.name === `f${n - 1}`)!;
    expect(last.shndx).toBeGreaterThan(SHN.LORESERVE);
    expect(obj.sections[last.shndx]!.name).toBe(`.text.f${n - 1}`);
    expect(Buffer.from((await readSectionBytes(path, `.text.f${n - 1}`))!).equals(Buffer.from(obj.sections[last.shndx]!.data))).toBe(true);

    const rt = roundTrip(path);
    expect(comparableModel(rt.rewritten)).toEqual(comparableModel(rt.original));
    expect(await binutilsComplaints(rt.rewrittenPath, '', { quick: true })).toEqual([]);
    expect(compareWithReadelf(inspectReport(path, rt.rewritten), await readelf(rt.rewrittenPath, { relocations: false }))).toEqual([]);
  }, 120_000);
});
