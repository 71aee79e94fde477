// Bad input to the ELF reader through the CLI: exit 2, one clear line naming the file, no
// stack trace, never a crash (exit 70) or Node's default 1.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ELF_TESTDATA } from '../helpers/corpus.js';

let dir = '';
let good: Buffer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cdm-bad-'));
  await execa('gcc', ['-O2', '-c', '-ffunction-sections', join(ELF_TESTDATA, 'calls.c'), '-o', join(dir, 'good.o')]);
  good = readFileSync(join(dir, 'good.o'));
});

async function expectBadInput(path: string, pattern: RegExp) {
  const r = await runCli(['inspect', path]);
  expect(r.exitCode, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const first = r.stderr.split('\n')[0]!;
  expect(first).toContain(path);
  expect(first).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace without --debug
}

describe('inspect on bad input', () => {
  it('a missing file', async () => {
    await expectBadInput(join(dir, 'nope.o'), /no such file/);
  });

  it('a directory', async () => {
    mkdirSync(join(dir, 'adir.o'));
    await expectBadInput(join(dir, 'adir.o'), /directory/);
  });

  it('a text file', async () => {
    writeFileSync(join(dir, 'text.o'), 'int main(void) { return 0; }\n');
    await expectBadInput(join(dir, 'text.o'), /not an ELF file/);
  });

  it('an empty file', async () => {
    writeFileSync(join(dir, 'empty.o'), '');
    await expectBadInput(join(dir, 'empty.o'), /empty file/);
  });

  it('a truncated object', async () => {
    writeFileSync(join(dir, 'truncated.o'), good.subarray(0, Math.floor(good.length / 2)));
    await expectBadInput(join(dir, 'truncated.o'), /truncated/);
  });

  it('a 32-bit object (as --32)', async () => {
    writeFileSync(join(dir, 'x.s'), 'nop\n');
    await execa('as', ['--32', join(dir, 'x.s'), '-o', join(dir, 'i386.o')]);
    await expectBadInput(join(dir, 'i386.o'), /32-bit/);
  });

  it('an executable instead of a relocatable object', async () => {
    writeFileSync(join(dir, 'main.c'), 'int main(void) { return 0; }\n');
    await execa('gcc', ['-no-pie', join(dir, 'main.c'), '-o', join(dir, 'a.out')]);
    await expectBadInput(join(dir, 'a.out'), /executable \(ET_EXEC\)/);
    await execa('gcc', ['-pie', join(dir, 'main.c'), '-o', join(dir, 'pie.out')]);
    await expectBadInput(join(dir, 'pie.out'), /ET_DYN/);
  });

  it('a section header pointing outside the file', async () => {
    const bad = Buffer.from(good);
    const shoff = Number(bad.readBigUInt64LE(40));
    bad.writeBigUInt64LE(BigInt(bad.length + 4096), shoff + 1 * 64 + 24); // section 1's sh_offset
    bad.writeBigUInt64LE(64n, shoff + 1 * 64 + 32); // with a non-zero size
    bad.writeUInt32LE(1, shoff + 1 * 64 + 4); // PROGBITS
    writeFileSync(join(dir, 'outside.o'), bad);
    await expectBadInput(join(dir, 'outside.o'), /section 1 .*extends past the end of the file/);
  });

  it('a section header table beyond the end of the file', async () => {
    const bad = Buffer.from(good);
    bad.writeBigUInt64LE(BigInt(bad.length * 2), 40);
    writeFileSync(join(dir, 'shoff.o'), bad);
    await expectBadInput(join(dir, 'shoff.o'), /section header table/);
  });

  it('a symbol naming a section that does not exist', async () => {
    const bad = Buffer.from(good);
    const shoff = Number(bad.readBigUInt64LE(40));
    const shnum = bad.readUInt16LE(60);
    for (let i = 0; i < shnum; i++) {
      const at = shoff + i * 64;
      if (bad.readUInt32LE(at + 4) !== 2) continue; // SHT_SYMTAB
      const symtab = Number(bad.readBigUInt64LE(at + 24));
      bad.writeUInt16LE(0xfe00, symtab + 24 + 6); // symbol 1's st_shndx
    }
    writeFileSync(join(dir, 'symndx.o'), bad);
    await expectBadInput(join(dir, 'symndx.o'), /symbol 1 .*section 65024, which does not exist/);
  });

  it('a relocation naming a symbol beyond the symbol table', async () => {
    const bad = Buffer.from(good);
    const shoff = Number(bad.readBigUInt64LE(40));
    const shnum = bad.readUInt16LE(60);
    let rela = -1;
    for (let i = 0; i < shnum && rela < 0; i++) {
      const at = shoff + i * 64;
      if (bad.readUInt32LE(at + 4) === 4 && bad.readBigUInt64LE(at + 32) >= 48n) rela = Number(bad.readBigUInt64LE(at + 24)); // SHT_RELA, two entries or more
    }
    expect(rela).toBeGreaterThan(0);
    bad.writeUInt32LE(0x123456, rela + 24 + 12); // entry 1's symbol index (r_info's high half)
    writeFileSync(join(dir, 'relsym.o'), bad);
    await expectBadInput(join(dir, 'relsym.o'), /\.rela\S*: relocation entry 1 refers to symbol 1193046, beyond the symbol table/);
  });
});
