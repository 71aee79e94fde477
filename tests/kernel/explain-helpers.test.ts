// explain's building blocks on small C files compiled here (no kernel tree): objdump parsing,
// the alignment that finds the first differing instruction pair, and the line numbering the
// check's #line directives give the patched object.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { disassemble, firstDifferingPair, parseObjdump } from '../../src/explain/disasm.js';
import { reportedLines, treeRelative } from '../../src/explain/index.js';
import { withLineDirectives } from '../../src/tree/line-directives.js';

const ORIG = `extern int g(int);
extern int h;
int f(int x)
{
	int y = g(x);
	if (y > 3)
		return y + h;
	return g(y) * 2;
}
`;
const PATCHED = ORIG.replace('\treturn g(y) * 2;', '\ty += 5;\n\treturn g(y) * 2;');

let dir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cdm-explain-unit-'));
  writeFileSync(join(dir, 'a.c'), ORIG);
  // The patched copy as the check compiles it: #line after the hunk.
  const hunks = [{ oldStart: 8, oldLines: 0, newStart: 8, newLines: 1 }];
  writeFileSync(join(dir, 'b.c'), withLineDirectives(PATCHED, hunks));
  writeFileSync(join(dir, 's1.c'), 'extern int puts(const char *);\nint s(int x)\n{\n\tputs("first");\n\treturn puts(x ? "hello" : "other");\n}\n');
  writeFileSync(join(dir, 's2.c'), 'extern int puts(const char *);\nint s(int x)\n{\n\tputs("first");\n\treturn puts(x ? "world" : "other");\n}\n');
  for (const x of ['a', 'b', 's1', 's2']) await execa('gcc', ['-O2', '-g', '-ffunction-sections', '-c', `${x}.c`, '-o', `${x}.o`], { cwd: dir });
});

describe('explain helpers', () => {
  it('disassembles one function with relocation targets and DWARF lines', async () => {
    const a = await disassemble(join(dir, 'a.o'), '.text.f', 'f');
    expect(a.length).toBeGreaterThan(4);
    expect(a[0]!.offset).toBe(0);
    expect(a.some((i) => /call\s+<g-0x4>/.test(i.text))).toBe(true);
    expect(a.every((i) => i.line === undefined || (i.line >= 3 && i.line <= 10))).toBe(true);
    expect(a.find((i) => /call/.test(i.text))?.file).toMatch(/a\.c$/);
  });

  it('finds the first differing pair and its source line in patched numbering', async () => {
    const [a, b] = await Promise.all([disassemble(join(dir, 'a.o'), '.text.f', 'f'), disassemble(join(dir, 'b.o'), '.text.f', 'f')]);
    const pair = firstDifferingPair(a, b);
    expect(pair).toBeDefined();
    const y = b[pair!.patched ?? pair!.patchedAt]!;
    // `y += 5` is patched line 8: inside the hunk, DWARF gives the patched file's numbering.
    expect(y.line).toBe(8);
    // Identical functions have no differing pair.
    expect(firstDifferingPair(a, a)).toBeUndefined();
  });

  it('names string literals by their contents', async () => {
    const [a, b] = await Promise.all([disassemble(join(dir, 's1.o'), '.text.s', 's'), disassemble(join(dir, 's2.o'), '.text.s', 's')]);
    expect(a.some((i) => i.text.includes('"first"'))).toBe(true);
    const pair = firstDifferingPair(a, b)!;
    expect(a[pair.orig!]!.text).toMatch(/"hello"|"other"/);
    expect(b[pair.patched!]!.text).toMatch(/"world"|"other"/);
  });

  it('maps reported lines back to the patched file', () => {
    const map = reportedLines(PATCHED, [{ oldStart: 8, oldLines: 0, newStart: 8, newLines: 1 }]);
    expect(map[7]).toBe(7); // above the hunk: both numberings
    expect(map[8]).toBe(8); // the added line: patched numbering
    expect(map[9]).toBe(8); // below the hunk: original numbering again (#line 8)
    expect(map[10]).toBe(9);
  });

  it('parses objdump output: branches normalised, relocations in place', () => {
    const text = [
      '0000000000000000 <foo>:',
      'foo():',
      '/x/trees/0123abcd/patched/kernel/fork.c:544',
      '   0:\tcall   5 <foo+0x5>\t1: R_X86_64_PLT32\t__fentry__-0x4',
      '   5:\tjne    61 <foo+0x61>',
      'inl():',
      '/x/trees/0123abcd/patched/./include/linux/x.h:29 (discriminator 3)',
      '  1b:\tmov    0x0(%rip),%rdi        # 22 <foo+0x22>\t1e: R_X86_64_PC32\t.bss.cachep-0x4',
    ].join('\n');
    const insns = parseObjdump(text, 'foo');
    expect(insns.map((i) => i.text)).toEqual(['call <__fentry__-0x4>', 'jne +0x61', 'mov 0x0(%rip),%rdi  <.bss.cachep-0x4>']);
    expect(insns[1]!.key).toBe('jne <L>');
    expect(insns[2]!.inFunction).toBe('inl');
    expect(insns[2]!.line).toBe(29);
    expect(treeRelative(insns[2]!.file!)).toBe('include/linux/x.h');
    expect(treeRelative(insns[0]!.file!)).toBe('kernel/fork.c');
  });
});
