// `lint` on real Debian 6.1 sources: each testdata/lint/*.patch is a git diff written against
// the pristine tree; its hand-written <name>.expected.json lists the verdict and every finding
// (kind, severity, file, and where given the symbol) the source analysis must produce, no more
// and no fewer. The tree is only read; the test checks that too. Bad inputs
// (testdata/lint/bad/) must end as exit 2 with a clear message and nothing on stdout.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTarget, TEST_ABI } from '../../src/target/index.js';
import { CdmError } from '../../src/common/errors.js';
import { registerLint } from '../../src/cli/lint.js';
import { lintPatchFiles, type LintReport } from '../../src/source/index.js';

const DIR = new URL('../../testdata/lint/', import.meta.url).pathname;
const BAD = join(DIR, 'bad');
const cases = readdirSync(DIR).filter((f) => f.endsWith('.patch')).map((f) => f.replace(/\.patch$/, '')).sort();

interface Expected {
  verdict: string;
  findings: { kind: string; severity: string; file: string; symbol?: string }[];
}

let src: string;
beforeAll(async () => {
  src = (await ensureTarget({ abi: TEST_ABI })).sourceDir;
});

/** Runs `lint` as the CLI does (commander + registerLint), mapping errors to exit codes like main.ts. */
async function lintCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  let code = 0;
  const io = { out: (s: string) => void (out += s), err: (s: string) => void (err += s) };
  const program = new Command('create-diff-module').exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  registerLint(program, io, (c) => (code = c));
  for (const cmd of program.commands) cmd.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (e instanceof CdmError) {
      err += e.message;
      code = e.exitCode;
    } else throw e;
  }
  return { code, out, err };
}

const key = (f: { kind: string; severity: string; file: string }) => `${f.severity} ${f.kind} ${f.file}`;

describe('lint corpus (real Debian 6.1 sources)', () => {
  it('has at least 30 real kernel diffs, each with hand-written expectations', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    for (const c of cases) expect(statSync(join(DIR, `${c}.expected.json`)).isFile()).toBe(true);
  });

  it.each(cases)('%s', async (name) => {
    const expected = JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf8')) as Expected;
    const report: LintReport = await lintPatchFiles([join(DIR, `${name}.patch`)], { src });
    const got = report.findings.map(key).sort();
    expect(got, JSON.stringify(report.findings.map((f) => `${f.file}:${f.line} ${f.kind} ${f.message}`), null, 1)).toEqual(expected.findings.map(key).sort());
    expect(report.verdict).toBe(expected.verdict);
    for (const e of expected.findings.filter((f) => f.symbol)) {
      expect(report.findings.some((f) => key(f) === key(e) && f.symbol === e.symbol), `${key(e)} on ${e.symbol}`).toBe(true);
    }
    for (const f of report.findings) {
      expect(f.evidence).toBe('source');
      expect(f.message.length).toBeGreaterThan(10);
      if (f.severity === 'block') expect(f.remedy).toBeTruthy();
    }
  });

  it('exit codes: 0 patchable, 1 not-patchable, 3 no-change; --allow waives a kind', async () => {
    expect((await lintCli(['lint', '--src', src, join(DIR, 'bounds-check.patch')])).code).toBe(0);
    expect((await lintCli(['lint', '--src', src, join(DIR, 'header-inline.patch')])).code).toBe(0);
    expect((await lintCli(['lint', '--src', src, join(DIR, 'syscall-body.patch')])).code).toBe(0);
    const blocked = await lintCli(['lint', '--src', src, join(DIR, 'enum-appended-in-c.patch')]);
    expect(blocked.code).toBe(1);
    expect(blocked.out).toMatch(/mm\/vmscan\.c:\d+: block \[enum-value-added\]/);
    const waived = await lintCli(['lint', '--src', src, '--allow', 'enum-value-added', '--json', join(DIR, 'enum-appended-in-c.patch')]);
    expect(waived.code).toBe(0);
    const r = JSON.parse(waived.out) as LintReport;
    expect(r.verdict).toBe('patchable');
    expect(r.findings[0]!.waived).toBe(true);
    expect((await lintCli(['lint', '--src', src, join(DIR, 'comment-only.patch')])).code).toBe(3);
    expect((await lintCli(['lint', '--src', src, join(DIR, 'whitespace-only.patch')])).code).toBe(3);
  });

  it('--json is the report record', async () => {
    const { code, out } = await lintCli(['lint', '--src', src, '--json', join(DIR, 'struct-member-added-header.patch')]);
    expect(code).toBe(1);
    const r = JSON.parse(out) as LintReport;
    expect(r.schema).toBe('create-diff-module/report@0');
    expect(r.verdict).toBe('not-patchable');
    expect(r.findings[0]).toMatchObject({ kind: 'struct-member-added', severity: 'block', file: 'include/linux/pipe_fs_i.h', line: 75, symbol: 'pipe_inode_info.note_overrun', evidence: 'source' });
    expect(r.findings[0]!.message).toMatch(/estimate: about \d+ \.c files include it/);
  });

  it('--sarif: SARIF 2.1.0, one rule per kind, locations on the patched file and line', async () => {
    const { code, out } = await lintCli(['lint', '--src', src, '--sarif', join(DIR, 'static-signature.patch')]);
    expect(code).toBe(0);
    const s = JSON.parse(out);
    expect(s.version).toBe('2.1.0');
    const run = s.runs[0];
    const ids = run.tool.driver.rules.map((x: { id: string }) => x.id);
    expect(new Set(ids).size).toBe(ids.length);
    const res = run.results.find((x: { ruleId: string }) => x.ruleId === 'signature-changed-static');
    expect(res.level).toBe('warning');
    expect(run.tool.driver.rules[res.ruleIndex].id).toBe('signature-changed-static');
    expect(res.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'fs/pipe.c', uriBaseId: '%SRCROOT%' }, region: { startLine: 221 } });
    // info findings are not alerts.
    expect(run.results.some((x: { ruleId: string }) => x.ruleId === 'function-changed')).toBe(false);
  });

  it('a series of patches applies in order (later patches see earlier ones)', async () => {
    const r = await lintPatchFiles([join(DIR, 'bounds-check.patch'), join(DIR, 'comment-only.patch'), join(DIR, 'new-helper-function.patch')], { src });
    expect(r.verdict).toBe('patchable');
    expect(r.changed.sort()).toEqual(['cmdline_proc_show', 'rw_verify_area']);
    expect(r.new).toEqual(['cmdline_put']);
    // Two patches to one file: the second applies on top of the first.
    await expect(lintPatchFiles([join(DIR, 'new-helper-function.patch'), join(DIR, 'series-mbox.patch')], { src })).rejects.toThrow(/does not apply to fs\/proc\/cmdline\.c/);
  });

  const bad = JSON.parse(readFileSync(join(BAD, 'expected.json'), 'utf8')) as Record<string, string>;
  it.each(Object.keys(bad))('bad input %s: exit 2, a clear message, nothing on stdout', async (file) => {
    const { code, out, err } = await lintCli(['lint', '--src', src, '--json', join(BAD, file)]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(bad[file]);
  });

  it('bad usage: unknown --allow kind, missing tree', async () => {
    expect((await lintCli(['lint', '--src', src, '--allow', 'no-such-kind', join(DIR, 'bounds-check.patch')])).code).toBe(2);
    expect((await lintCli(['lint', '--src', '/nonexistent', join(DIR, 'bounds-check.patch')])).code).toBe(2);
    expect((await lintCli(['lint', '--src', src, join(DIR, 'no-such.patch')])).code).toBe(2);
  });

  it('the typical patch lints in well under a second', async () => {
    await lintPatchFiles([join(DIR, 'bounds-check.patch')], { src });
    const t0 = performance.now();
    await lintPatchFiles([join(DIR, 'bounds-check.patch')], { src });
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
