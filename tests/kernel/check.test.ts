// `check` on the real Debian 6.1 tree: real-looking fixes with hand-written expectations
// (testdata/kernel/diff and testdata/kernel/check), the user's tree byte-for-byte unchanged,
// and the failures a user can cause.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTarget, TEST_ABI, type KernelTarget } from '../../src/target/index.js';
import { mirrorPaths } from '../../src/tree/mirror.js';
import { checkTree } from '../../src/tree/index.js';
import { baseName } from '../../src/diff/names.js';
import { runCli } from '../helpers/cli.js';

const DATA = new URL('../../testdata/kernel/', import.meta.url).pathname;
const cases = ['diff', 'check'].flatMap((dir) => readdirSync(join(DATA, dir))
  .filter((f) => /\.(patch|mbox)$/.test(f) && readdirSync(join(DATA, dir)).includes(f.replace(/\.(patch|mbox)$/, '.expected.json')))
  .map((f) => ({ name: `${dir}/${f}`, patch: join(DATA, dir, f), expected: join(DATA, dir, f.replace(/\.(patch|mbox)$/, '.expected.json')) })));

/** Every path, size, mode and mtime under `dir`, plus the bytes of the files a check reads most. */
function treeHash(dir: string, contentOf: string[] = []): string {
  const h = createHash('sha256');
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, r));
      h.update(`${r}\0${st.size}\0${st.mode}\0${st.mtimeMs}\n`);
      if (st.isDirectory()) walk(r);
    }
  };
  walk('');
  for (const f of contentOf) h.update(readFileSync(join(dir, f)));
  return h.digest('hex');
}

const READ = ['.config', 'fs/proc/cmdline.c', 'fs/proc/internal.h', 'kernel/fork.c', 'include/generated/autoconf.h'];
let target: KernelTarget;
let before = '';
beforeAll(async () => {
  target = await ensureTarget({ abi: TEST_ABI });
  before = treeHash(target.sourceDir, READ);
});

afterAll(() => {
  // The user's tree is never written: not one file added, removed or touched.
  expect(treeHash(target.sourceDir, READ)).toBe(before);
});

const names = (list: string[]) => [...new Set(list.map(baseName))].sort();

describe('check on real Debian 6.1 fixes', () => {
  it('has at least 15 fixes', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases)('$name', async ({ patch, expected: file }) => {
    const expected = JSON.parse(readFileSync(file, 'utf8'));
    const r = await runCli(['check', '--json', '--src', target.sourceDir, patch]);
    expect(r.stderr).not.toMatch(/internal error/);
    const report = JSON.parse(r.stdout);
    expect(report.schema).toBe('create-diff-module/report@0');
    expect(report.verdict).toBe(expected.verdict);
    expect(r.exitCode).toBe({ patchable: 0, 'not-patchable': 1, 'no-change': 3 }[expected.verdict as string]);
    expect(names(report.changed)).toEqual(names(expected.changed));
    expect(names(report.new)).toEqual(names(expected.new));
    // Object problems (alone or confirmed by the source analysis) against the expectation;
    // source-only findings may add to them but must agree with the verdict above.
    const blocking = report.findings.filter((f: { severity: string; evidence: string }) => f.severity === 'block' && f.evidence !== 'source').map((f: { kind: string }) => f.kind);
    expect([...new Set(blocking)].sort()).toEqual([...new Set(expected.problems as string[])].sort());
    for (const kind of expected.findings ?? []) expect(report.findings.map((f: { kind: string }) => f.kind)).toContain(kind);
    if (expected.minUnits) expect(report.tus.length).toBeGreaterThanOrEqual(expected.minUnits);
    for (const nb of expected.notBuilt ?? []) expect(report.tus.find((t: { path: string }) => t.path === nb)?.verdict).toBe('not-built');
    if (expected.object) expect(report.functions.every((f: { object: string }) => f.object === expected.object)).toBe(true);
    for (const f of report.functions) expect(f.tu).toMatch(/\.c$/);
  });

  it('leaves a partly built tree unchanged too', async () => {
    // The check mirror is itself a partly built tree (objects, .cmd files, symlinks).
    const partly = (await mirrorPaths(target.sourceDir)).orig;
    const hash = treeHash(partly);
    const r = await runCli(['check', '--json', '--src', partly, join(DATA, 'diff', 'proc-cmdline-string.patch')]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).changed).toEqual(['cmdline_proc_show']);
    expect(treeHash(partly)).toBe(hash);
  });
});

describe('the object cache and the recorded-command fast path', () => {
  it('give byte-for-byte the objects make gives, and are used on the second check', async () => {
    const patch = join(DATA, 'diff', 'fork-new-helper.patch');
    const keep = (dir: string) => mkdtempSync(join(tmpdir(), `cdm-${dir}-`));
    const viaMake = await checkTree({ src: target.sourceDir, patches: [patch], objectCache: false, keepObjects: keep('make') });
    // The first cached run may still have to fill the cache; the second must not run make at all.
    await checkTree({ src: target.sourceDir, patches: [patch] });
    const fast = await checkTree({ src: target.sourceDir, patches: [patch], keepObjects: keep('fast') });
    const [m, f] = [viaMake.units[0]!, fast.units[0]!];
    expect(m.compiledBy).toEqual({ original: 'make', patched: 'make' });
    expect(f.compiledBy).toEqual({ original: 'cache', patched: 'recorded-command' });
    expect(readFileSync(f.objects!.orig).equals(readFileSync(m.objects!.orig))).toBe(true);
    expect(readFileSync(f.objects!.patched).equals(readFileSync(m.objects!.patched))).toBe(true);
    expect(f.diff!.functions.map((x) => x.name)).toEqual(m.diff!.functions.map((x) => x.name));
  });

  it('runs make when the patch edits a build file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdm-buildfile-'));
    const text = readFileSync(join(DATA, 'diff', 'proc-cmdline-string.patch'), 'utf8')
      + '--- a/fs/proc/Makefile\n+++ b/fs/proc/Makefile\n@@ -1,3 +1,4 @@\n # SPDX-License-Identifier: GPL-2.0\n+# a comment\n #\n # Makefile for the Linux proc filesystem routines.\n';
    writeFileSync(join(dir, 'with-makefile.patch'), text);
    const r = await checkTree({ src: target.sourceDir, patches: [join(dir, 'with-makefile.patch')] });
    const unit = r.units.find((u) => u.path === 'fs/proc/cmdline.o')!;
    expect(unit.compiledBy?.patched).toBe('make');
    expect(unit.verdict).toBe('patchable');
    // The Makefile edit itself is the source analysis' business (a build change blocks).
    expect(r.source.findings.some((f) => f.file === 'fs/proc/Makefile')).toBe(true);
  });
});

describe('check on bad input', () => {
  const bad = async (args: string[], code: number, pattern: RegExp) => {
    const r = await runCli(['check', ...args]);
    expect(r.exitCode, r.stderr).toBe(code);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    return r;
  };
  const tmp = () => mkdtempSync(join(tmpdir(), 'cdm-check-bad-'));

  it('a patch that does not apply: exit 2, naming file and hunk', async () => {
    const dir = tmp();
    // A removed line that is not in the tree: no fuzz can make that apply.
    const text = readFileSync(join(DATA, 'diff', 'proc-loadavg-init.patch'), 'utf8').replace('-\tpde = proc_create_single("loadavg"', '-\tpde = proc_create_single("loadavg2"');
    expect(text).toContain('loadavg2');
    writeFileSync(join(dir, 'stale.patch'), text);
    await bad(['--src', target.sourceDir, join(dir, 'stale.patch')], 2, /does not apply to fs\/proc\/loadavg\.c/);
  });

  it('an empty diff: exit 2', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'empty.patch'), '');
    await bad(['--src', target.sourceDir, join(dir, 'empty.patch')], 2, /changes nothing|not a (unified )?diff|no (file )?(changes|hunks|diff)/i);
  });

  it('a tree with no .config: exit 2', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'Makefile'), 'all:\n');
    await bad(['--src', dir, join(DATA, 'diff', 'proc-cmdline-string.patch')], 2, /has no \.config/);
  });

  it('a tree that is not prepared: exit 2', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'Makefile'), 'all:\n');
    writeFileSync(join(dir, '.config'), readFileSync(join(target.sourceDir, '.config')));
    mkdirSync(join(dir, 'fs'));
    await bad(['--src', dir, join(DATA, 'diff', 'proc-cmdline-string.patch')], 2, /is not prepared/);
  });

  it('a compile error in the patched code: exit 4 with the compiler\'s message', async () => {
    await bad(['--src', target.sourceDir, join(DATA, 'check', 'compile-error.patch')], 4, /undefined_symbol_here/);
  });

  it('the running kernel\'s config: accepted when it matches, refused naming the option when it does not', async () => {
    const ok = await runCli(['check', '--json', '--src', target.sourceDir, '--config', target.config, join(DATA, 'diff', 'proc-cmdline-string.patch')]);
    expect(ok.exitCode, ok.stderr).toBe(0);
    const dir = tmp();
    const other = readFileSync(target.config, 'utf8').replace(/^CONFIG_HZ_250=y$/m, '# CONFIG_HZ_250 is not set\nCONFIG_HZ_1000=y').replace(/^CONFIG_HZ=250$/m, 'CONFIG_HZ=1000');
    expect(other).toContain('CONFIG_HZ=1000');
    writeFileSync(join(dir, 'config'), other);
    await bad(['--src', target.sourceDir, '--config', join(dir, 'config'), join(DATA, 'diff', 'proc-cmdline-string.patch')], 4, /CONFIG_HZ: running kernel 1000, tree 250/);
  });

  it('a missing patch file: exit 2', async () => {
    await bad(['--src', target.sourceDir, '/nonexistent.patch'], 2, /nonexistent\.patch/);
  });
});
