// --cc: a launcher in front of the compiler, kbuild's recorded command rewritten to go through
// it, and the .comment check that catches an object from another gcc (real gcc output).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { checkObjectCompiler, compilerCommand, withCompiler } from '../../src/tree/compiler-command.js';
import { CdmError } from '../../src/common/errors.js';

describe('compilerCommand', () => {
  it('splits a launcher from the compiler and sets DISTCC_NO_REWRITE_CROSS for distcc', () => {
    expect(compilerCommand(undefined, 'gcc-12')).toMatchObject({ words: ['gcc-12'], compiler: 'gcc-12', launcher: [], env: {}, distributed: false });
    expect(compilerCommand('ccache gcc-12', 'gcc-12')).toMatchObject({ compiler: 'gcc-12', launcher: ['ccache'], env: {}, distributed: false });
    expect(compilerCommand('distcc gcc-12', 'gcc-12')).toMatchObject({ launcher: ['distcc'], env: { DISTCC_NO_REWRITE_CROSS: '1' }, distributed: true });
    expect(compilerCommand('/usr/bin/icecc gcc-12', 'gcc-12').distributed).toBe(true);
  });

  it.each([['an unknown launcher', 'frob gcc-12'], ['shell syntax', 'ccache gcc-12;rm'], ['nothing', '  ']])('refuses %s (exit 2)', (_w, cc) => {
    try {
      compilerCommand(cc, 'gcc-12');
      expect.unreachable();
    } catch (e) {
      expect((e as CdmError).exitCode).toBe(2);
    }
  });

  it('puts the launcher in front of kbuild\'s recorded compiler, replacing any earlier one', () => {
    const rec = { text: '', deps: [], steps: [['ccache', 'gcc-12', '-c', '-o', 'a.o', 'a.c'], ['./tools/objtool/objtool', 'a.o']] };
    expect(withCompiler(rec, compilerCommand('distcc gcc-12', 'gcc-12'), 'gcc-12').steps).toEqual([['distcc', 'gcc-12', '-c', '-o', 'a.o', 'a.c'], ['./tools/objtool/objtool', 'a.o']]);
    expect(withCompiler(rec, compilerCommand(undefined, 'gcc-12'), 'gcc-12').steps[0]).toEqual(['gcc-12', '-c', '-o', 'a.o', 'a.c']);
  });
});

describe('checkObjectCompiler', () => {
  it('accepts an object gcc-12 built and refuses it for a tree configured with another gcc', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdm-comment-'));
    writeFileSync(join(dir, 'a.c'), 'int f(void) { return 1; }\n');
    await execa('gcc-12', ['-c', '-o', join(dir, 'a.o'), join(dir, 'a.c')]);
    const version = (await execa('gcc-12', ['--version'])).stdout.split('\n')[0]!;
    const cc = compilerCommand('distcc gcc-12', 'gcc-12');
    await checkObjectCompiler(join(dir, 'a.o'), 'a.o', version, cc);
    await expect(checkObjectCompiler(join(dir, 'a.o'), 'a.o', 'gcc-13 (Debian 13.2.0-25) 13.2.0', cc)).rejects.toThrow(/a\.o was built by "GCC: .*12\.\d+\.\d+", not "GCC: \(Debian 13\.2\.0-25\) 13\.2\.0" \(compiled through distcc/);
  });
});
