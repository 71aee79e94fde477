// The original-object cache key covers the recorded command, every file the compile read,
// autoconf.h and the tools the command runs; kbuild's recorded commands split into argument
// vectors only when they are plain words and `;`.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { objectKey } from '../../src/tree/object-cache.js';
import { readRecordedCommand, splitCommand } from '../../src/tree/recorded-command.js';

describe('splitCommand', () => {
  it('splits kbuild\'s gcc ; objtool command, keeping quoted macro values whole', () => {
    const steps = splitCommand(`gcc-12 -Wp,-MMD,fs/proc/.cmdline.o.d -DKBUILD_MODFILE='"fs/proc/proc"' -c -o fs/proc/cmdline.o fs/proc/cmdline.c   ; ./tools/objtool/objtool --orc fs/proc/cmdline.o`);
    expect(steps).toEqual([
      ['gcc-12', '-Wp,-MMD,fs/proc/.cmdline.o.d', '-DKBUILD_MODFILE="fs/proc/proc"', '-c', '-o', 'fs/proc/cmdline.o', 'fs/proc/cmdline.c'],
      ['./tools/objtool/objtool', '--orc', 'fs/proc/cmdline.o'],
    ]);
  });

  it('reads quotes and backslashes as sh does', () => {
    expect(splitCommand(`gcc -DA="x \\"y\\" \\\\z" -DB='p "q"' a\\ b.c '' ; objtool   x.o`)).toEqual([
      ['gcc', '-DA=x "y" \\z', '-DB=p "q"', 'a b.c', ''],
      ['objtool', 'x.o'],
    ]);
  });

  it.each([
    ['a pipe', 'gcc -c a.c | tee log'],
    ['a glob', 'gcc -c *.c'],
    ['a comment', 'gcc -c a.c # build'],
    ['a substitution', 'gcc $(shell echo -O2) -c a.c'],
    ['a variable', 'gcc $CFLAGS -c a.c'],
    ['a conditional', 'if nm a.o; then true; fi'],
    ['a redirection', 'gcc -c a.c > log'],
    ['a backquote', 'gcc `echo -O2` -c a.c'],
  ])('refuses %s (make runs it instead)', (_what, cmd) => {
    expect(splitCommand(cmd)).toBeUndefined();
  });
});

describe('objectKey', () => {
  const tree = () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdm-key-'));
    mkdirSync(join(dir, 'include/generated'), { recursive: true });
    mkdirSync(join(dir, 'tools/objtool'), { recursive: true });
    writeFileSync(join(dir, 'include/generated/autoconf.h'), '#define CONFIG_X 1\n');
    writeFileSync(join(dir, 'tools/objtool/objtool'), 'objtool v1');
    writeFileSync(join(dir, 'a.c'), '#include "a.h"\nint f(void) { return X; }\n');
    writeFileSync(join(dir, 'a.h'), '#define X 1\n');
    writeFileSync(join(dir, '.a.o.cmd'), [
      "cmd_a.o := gcc -Wp,-MMD,./.a.o.d -DKBUILD_BASENAME='\"a\"' -c -o a.o a.c ; ./tools/objtool/objtool --orc a.o",
      '',
      'source_a.o := a.c',
      '',
      'deps_a.o := \\',
      '  a.h \\',
      '    $(wildcard include/config/X) \\',
      '',
      'a.o: $(deps_a.o)',
      '',
    ].join('\n'));
    return dir;
  };

  it('reads kbuild\'s record: command steps and the files the compile read', async () => {
    const dir = tree();
    const rec = (await readRecordedCommand(dir, 'a.o'))!;
    expect(rec.deps).toEqual(['a.c', 'a.h']);
    expect(rec.steps.map((s) => s[0])).toEqual(['gcc', './tools/objtool/objtool']);
  });

  it('changes with a header, autoconf.h, objtool, the command or the compiler, and only then', async () => {
    const dir = tree();
    const rec = (await readRecordedCommand(dir, 'a.o'))!;
    const key = await objectKey(dir, rec, 'gcc 12');
    expect(await objectKey(dir, rec, 'gcc 12')).toBe(key);
    expect(await objectKey(dir, rec, 'gcc 13')).not.toBe(key);
    expect(await objectKey(dir, { ...rec, text: `${rec.text} -O3` }, 'gcc 12')).not.toBe(key);
    for (const [file, content] of [['a.h', '#define X 2\n'], ['include/generated/autoconf.h', '#define CONFIG_X 0\n'], ['tools/objtool/objtool', 'objtool v2']]) {
      const other = tree();
      writeFileSync(join(other, file!), content!);
      // Same content elsewhere gives the same key (paths are relative); a changed file a new one.
      expect(await objectKey(tree(), rec, 'gcc 12')).toBe(key);
      expect(await objectKey(other, rec, 'gcc 12')).not.toBe(key);
    }
  });

  it('is undefined when a file the compile read is gone (make decides then)', async () => {
    const dir = tree();
    const rec = (await readRecordedCommand(dir, 'a.o'))!;
    expect(await objectKey(dir, { ...rec, deps: [...rec.deps, 'gone.h'] }, 'gcc 12')).toBeUndefined();
  });
});
