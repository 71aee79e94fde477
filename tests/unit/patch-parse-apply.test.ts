// src/patch: parsing (plain unified diff, git diff, format-patch mbox), path safety, and
// applying in memory with fuzz and offsets reported and failures naming file and hunk.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePatch, structuredPatch } from 'diff';
import { InputError } from '../../src/common/errors.js';
import { applyHunks, applyToTree, changedLineRanges, parsePatchText, splitMbox, type LineRange, type TreeReader } from '../../src/patch/index.js';

const FILE = ['int a;', 'int b;', 'int c;', 'int d;', 'int e;', 'int f;', 'int g;', ''].join('\n');

const gitDiff = `diff --git a/k/x.c b/k/x.c
index 1111111..2222222 100644
--- a/k/x.c
+++ b/k/x.c
@@ -2,3 +2,4 @@ int a;
 int b;
 int c;
+int c2;
 int d;
`;

const tree = (files: Record<string, string>): TreeReader => async (p) => files[p];

function mboxOf(...bodies: string[]): string {
  return bodies
    .map((b, i) => `From 1234567890abcdef1234567890abcdef1234567${i} Mon Sep 17 00:00:00 2001
From: Dev <dev@example.org>
Subject: [PATCH ${i + 1}/${bodies.length}] change
 number ${i + 1}

Body text.
---
 k/x.c | 1 +
${b}-- 
2.39.5

`)
    .join('');
}

describe('parsePatchText', () => {
  it('reads a git diff and strips a/ b/ (-p1)', () => {
    const [f] = parsePatchText(gitDiff);
    expect(f).toMatchObject({ oldPath: 'k/x.c', newPath: 'k/x.c', status: 'modified' });
    expect(f!.hunks).toHaveLength(1);
  });

  it('reads a plain diff -u with timestamps, and -p0 / -p2', () => {
    const plain = `--- linux.orig/k/x.c\t2024-01-01 00:00:00.000000000 +0000\n+++ linux/k/x.c\t2024-01-01 00:00:01.000000000 +0000\n@@ -1,1 +1,1 @@\n-int a;\n+int A;\n`;
    expect(parsePatchText(plain)[0]).toMatchObject({ oldPath: 'k/x.c', newPath: 'k/x.c' });
    expect(parsePatchText(plain, { strip: 0 })[0]!.newPath).toBe('linux/k/x.c');
    expect(parsePatchText(plain, { strip: 2 })[0]!.newPath).toBe('x.c');
  });

  it('splits a format-patch mbox and cuts each message at its signature', () => {
    const text = mboxOf(gitDiff, gitDiff.replace('+int c2;', '+int c3;'));
    // The diff package alone reads the signature as a removed line and throws.
    expect(() => parsePatch(text)).toThrow();
    const msgs = splitMbox(text);
    expect(msgs).toHaveLength(2);
    expect(msgs[0]!.subject).toBe('[PATCH 1/2] change number 1');
    const files = parsePatchText(text, { source: 'series.mbox' });
    expect(files).toHaveLength(2);
    expect(files[1]!.origin).toMatchObject({ source: 'series.mbox', message: 2 });
  });

  it('knows created, deleted and renamed files', () => {
    const text = `diff --git a/k/new.c b/k/new.c
new file mode 100644
--- /dev/null
+++ b/k/new.c
@@ -0,0 +1 @@
+int n;
diff --git a/k/old.c b/k/old.c
deleted file mode 100644
--- a/k/old.c
+++ /dev/null
@@ -1 +0,0 @@
-int o;
diff --git a/k/a.c b/k/b.c
similarity index 100%
rename from k/a.c
rename to k/b.c
`;
    const files = parsePatchText(text);
    expect(files.map((f) => [f.status, f.oldPath, f.newPath])).toEqual([
      ['created', undefined, 'k/new.c'],
      ['deleted', 'k/old.c', undefined],
      ['renamed', 'k/a.c', 'k/b.c'],
    ]);
  });

  it.each([
    ['a path escaping the tree', gitDiff.replaceAll('k/x.c', '../x.c'), /leaves the source tree/],
    ['an absolute path', '--- /etc/passwd\n+++ /etc/passwd\n@@ -1 +1 @@\n-a\n+b\n', /absolute path \/etc\/passwd/],
    ['a binary diff', 'diff --git a/f.bin b/f.bin\nindex 1..2 100644\nBinary files a/f.bin and b/f.bin differ\n', /binary diff for f\.bin/],
    ['a git binary patch', 'diff --git a/f.bin b/f.bin\nindex 1..2 100644\nGIT binary patch\nliteral 3\nKcmZ?wbhEHb\n\n', /binary diff for f\.bin/],
    ['a hunk with the wrong counts', gitDiff.replace('@@ -2,3 +2,4 @@', '@@ -2,3 +2,5 @@'), /malformed/],
    ['an invalid hunk line', gitDiff.replace(' int d;', 'xint d;'), /malformed diff.*k\/x\.c/],
    ['text that is no diff', 'hello\nworld\n', /no file changes found/],
    ['NUL bytes', 'a\0b', /NUL/],
  ])('refuses %s (InputError, exit 2)', (_what, text, message) => {
    let err: unknown;
    try {
      parsePatchText(text, { source: 'p.patch' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toMatch(/^p\.patch/);
  });

  it('accepts CRLF line ends', () => {
    expect(parsePatchText(gitDiff.replace(/\n/g, '\r\n'))[0]!.hunks).toHaveLength(1);
  });
});

describe('applying in memory', () => {
  it('applies exactly', () => {
    const [f] = parsePatchText(gitDiff);
    const r = applyHunks(FILE, f!, 'k/x.c');
    expect(r.text.split('\n')).toContain('int c2;');
    expect(r.notes).toEqual([]);
  });

  it('reports an offset', () => {
    const [f] = parsePatchText(gitDiff);
    const r = applyHunks('int z1;\nint z2;\n' + FILE, f!, 'k/x.c');
    expect(r.notes).toEqual([{ file: 'k/x.c', hunk: '@@ -2,3 +2,4 @@', fuzz: 0, offset: 2 }]);
  });

  it('reports fuzz', () => {
    const [f] = parsePatchText(gitDiff.replace(' int b;', ' int bb;'));
    const r = applyHunks(FILE, f!, 'k/x.c');
    expect(r.notes[0]).toMatchObject({ file: 'k/x.c', fuzz: 1 });
    expect(r.text.split('\n')).toContain('int c2;');
  });

  it('names the file and hunk that does not apply', () => {
    const [f] = parsePatchText(gitDiff.replace(' int c;\n+int c2;', '-int q;\n+int c2;').replace('@@ -2,3 +2,4 @@', '@@ -2,3 +2,3 @@'), { source: 'fix.patch' });
    expect(() => applyHunks(FILE, f!, 'k/x.c')).toThrow(/fix\.patch: hunk @@ -2,3 \+2,3 @@ does not apply to k\/x\.c/);
  });

  it('applies a series in order and pairs original and final text', async () => {
    const second = gitDiff.replace('@@ -2,3 +2,4 @@', '@@ -3,3 +3,4 @@').replace(' int b;\n int c;\n+int c2;\n int d;', ' int c;\n int c2;\n+int c3;\n int d;');
    const files = [...parsePatchText(gitDiff), ...parsePatchText(second)];
    const r = await applyToTree(files, tree({ 'k/x.c': FILE }));
    expect(r.files).toHaveLength(1);
    expect(r.files[0]!.before).toBe(FILE);
    expect(r.files[0]!.after).toContain('int c2;\nint c3;\nint d;');
    expect(r.files[0]!.patches).toHaveLength(2);
  });

  it('creates, deletes and renames', async () => {
    const files = parsePatchText(`diff --git a/k/new.c b/k/new.c
new file mode 100644
--- /dev/null
+++ b/k/new.c
@@ -0,0 +1 @@
+int n;
diff --git a/k/old.c b/k/old.c
deleted file mode 100644
--- a/k/old.c
+++ /dev/null
@@ -1 +0,0 @@
-int o;
diff --git a/k/a.c b/k/b.c
similarity index 90%
rename from k/a.c
rename to k/b.c
--- a/k/a.c
+++ b/k/b.c
@@ -1 +1 @@
-int a;
+int b;
`);
    const r = await applyToTree(files, tree({ 'k/old.c': 'int o;\n', 'k/a.c': 'int a;\n' }));
    expect(r.files.map((f) => [f.oldPath, f.newPath, f.before, f.after])).toEqual([
      [undefined, 'k/new.c', undefined, 'int n;\n'],
      ['k/old.c', undefined, 'int o;\n', undefined],
      ['k/a.c', 'k/b.c', 'int a;\n', 'int b;\n'],
    ]);
  });

  it('refuses a file missing from the tree, and creating one that exists', async () => {
    await expect(applyToTree(parsePatchText(gitDiff), tree({}))).rejects.toThrow(/k\/x\.c does not exist in the tree/);
    const create = parsePatchText('diff --git a/k/x.c b/k/x.c\nnew file mode 100644\n--- /dev/null\n+++ b/k/x.c\n@@ -0,0 +1 @@\n+int n;\n');
    await expect(applyToTree(create, tree({ 'k/x.c': FILE }))).rejects.toThrow(/already exists/);
  });
});

describe('changedLineRanges', () => {
  const DIFF_DATA = new URL('../../testdata/diff/', import.meta.url).pathname;
  const whole = (before: string, after: string): LineRange[] =>
    structuredPatch('a', 'b', before, after, '', '', { context: 0 }).hunks.map(({ oldStart, oldLines, newStart, newLines }) => ({ oldStart, oldLines, newStart, newLines }));

  it('gives the hunks a whole-file diff gives, on every diff scenario (real C sources)', () => {
    let compared = 0;
    for (const name of readdirSync(DIFF_DATA)) {
      const dir = join(DIFF_DATA, name);
      if (!existsSync(join(dir, 'orig.c'))) continue;
      const before = readFileSync(join(dir, 'orig.c'), 'utf8');
      const after = readFileSync(join(dir, 'patched.c'), 'utf8');
      expect(changedLineRanges(before, after), name).toEqual(whole(before, after));
      compared++;
    }
    expect(compared).toBeGreaterThan(50);
  });

  it.each([
    ['an insertion at the start', 'a\nb\nc\n', 'x\na\nb\nc\n'],
    ['a deletion at the end', 'a\nb\nc\n', 'a\nb\n'],
    ['a change of the last line without a newline', 'a\nb\nc', 'a\nb\nC'],
    ['a newline added at the end', 'a\nb', 'a\nb\n'],
    ['repeated lines around an insertion', 'x\ny\nx\ny\n', 'x\ny\nx\ny\nx\ny\n'],
    ['a line that only grows', 'ab\nc\n', 'abc\nc\n'],
    ['everything replaced', 'a\nb\n', 'c\nd\ne\n'],
  ])('%s: as a whole-file diff', (_, before, after) => {
    expect(changedLineRanges(before, after)).toEqual(whole(before, after));
    expect(changedLineRanges(before, after).length).toBeGreaterThan(0);
  });

  it('gives nothing for identical texts', () => {
    expect(changedLineRanges('a\nb\n', 'a\nb\n')).toEqual([]);
  });
});
