// The CI gate: --allow and the config file (.create-diff-module.json / --config-file) waive
// kinds with a reason for lint and check; waived findings are reported and do not fail the
// gate. Output format selection (--format, --json, --sarif), colour only on a TTY without
// NO_COLOR, check's remedies and its consistency-model warning.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { checkRecord, registerCheckOptions } from '../../src/cli/check.js';
import { lintCommand } from '../../src/cli/lint.js';
import { CdmError } from '../../src/common/errors.js';
import {
  applyWaivers, colorsFor, loadConfigCc, loadConfigWaivers, mergeWaivers, OBJECT_KINDS, objectRemedy, parseAllowOption, parseFormat, REPORT_SCHEMA, type ReportRecord,
} from '../../src/report/index.js';
import { analyzeChanges } from '../../src/source/index.js';
import type { CheckReport } from '../../src/tree/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'cdm-report-gate-'));
const exitOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof CdmError) return { code: e.exitCode, message: e.message };
    throw e;
  }
  return { code: 0, message: '' };
};

describe('waivers', () => {
  it('--allow: repeatable, comma-separated, every kind the tool knows (lint and check), unknown is exit 2', () => {
    expect(parseAllowOption(['enum-value-added,changed-data', 'enum-value-added']).map((w) => w.kind)).toEqual(['enum-value-added', 'changed-data']);
    expect(parseAllowOption(undefined)).toEqual([]);
    expect(exitOf(() => parseAllowOption(['no-such-kind']))).toMatchObject({ code: 2, message: '--allow no-such-kind: no such finding kind' });
  });

  it('config file: .create-diff-module.json in the current directory, or --config-file; a reason is required', () => {
    const dir = tmp();
    expect(loadConfigWaivers(undefined, dir)).toEqual([]);
    writeFileSync(join(dir, '.create-diff-module.json'), JSON.stringify({ allow: [{ kind: 'changed-data', reason: ' reset by the pre-patch callback ' }] }));
    expect(loadConfigWaivers(undefined, dir)).toEqual([{ kind: 'changed-data', reason: 'reset by the pre-patch callback', from: '.create-diff-module.json' }]);
    const bad = (doc: string) => {
      const f = join(dir, `c${Math.random()}.json`);
      writeFileSync(f, doc);
      return exitOf(() => loadConfigWaivers(f, dir));
    };
    expect(bad('{"allow": [{"kind": "changed-data"}]}')).toMatchObject({ code: 2, message: expect.stringMatching(/allow\[0\] \(changed-data\): a waiver needs a "reason"/) });
    expect(bad('{"allow": [{"kind": "changed-data", "reason": "  "}]}').code).toBe(2);
    expect(bad('{"allow": [{"kind": "nope", "reason": "x"}]}')).toMatchObject({ code: 2, message: expect.stringMatching(/no such finding kind "nope"/) });
    expect(bad('{"allow": {"kind": "changed-data"}}').message).toMatch(/"allow" must be an array/);
    expect(bad('{"alow": []}').message).toMatch(/unknown key "alow"/);
    expect(bad('{not json').message).toMatch(/not valid JSON/);
    expect(exitOf(() => loadConfigWaivers(join(dir, 'missing.json'), dir))).toMatchObject({ code: 2, message: expect.stringMatching(/missing\.json: cannot read the config file \(ENOENT\)/) });
  });

  it('config file: "cc" names the compiler command check and build use without --cc', () => {
    const dir = tmp();
    expect(loadConfigCc(undefined, dir)).toBeUndefined();
    writeFileSync(join(dir, '.create-diff-module.json'), JSON.stringify({ cc: 'distcc gcc-12', allow: [] }));
    expect(loadConfigCc(undefined, dir)).toBe('distcc gcc-12');
    expect(loadConfigWaivers(undefined, dir)).toEqual([]);
    const f = join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify({ cc: 12 }));
    expect(exitOf(() => loadConfigCc(f, dir))).toMatchObject({ code: 2, message: expect.stringMatching(/"cc" must be a compiler command/) });
  });

  it('merged: one waiver per kind, the config file\'s reason kept', () => {
    const merged = mergeWaivers(parseAllowOption(['changed-data']), [{ kind: 'changed-data', reason: 'why', from: 'f.json' }]);
    expect(merged).toEqual([{ kind: 'changed-data', reason: 'why', from: 'f.json' }]);
  });

  it('applyWaivers: waived findings stay in the report; the verdict fails only on a blocking finding not waived', () => {
    const f = (kind: string, severity: 'block' | 'care') => ({ kind, severity, file: 'a.c', line: 1, symbol: null, section: null, message: 'm', remedy: null, evidence: 'object' as const });
    const r: ReportRecord = { schema: REPORT_SCHEMA, verdict: 'not-patchable', changed: ['f'], new: [], functions: [], findings: [f('changed-data', 'block'), f('new-export', 'block'), f('always-on-stack', 'care')] };
    const one = applyWaivers(r, parseAllowOption(['changed-data']));
    expect(one.verdict).toBe('not-patchable');
    expect(one.findings.map((x) => Boolean(x.waived))).toEqual([true, false, false]);
    const both = applyWaivers(r, parseAllowOption(['changed-data', 'new-export']));
    expect(both.verdict).toBe('patchable');
    expect(both.findings).toHaveLength(3);
    expect(applyWaivers({ ...r, verdict: 'no-change', findings: [] }, []).verdict).toBe('no-change');
  });
});

describe('lint as a CI gate with a config file', () => {
  const tree = () => {
    const dir = tmp();
    writeFileSync(join(dir, 'Makefile'), 'all:\n');
    writeFileSync(join(dir, 'x.c'), 'int level = 1;\n\nint f(void)\n{\n\treturn level;\n}\n');
    writeFileSync(join(dir, 'fix.patch'), '--- a/x.c\n+++ b/x.c\n@@ -1,4 +1,4 @@\n-int level = 1;\n+int level = 2;\n \n int f(void)\n {\n');
    return dir;
  };
  const run = async (dir: string, opts: object) => {
    let out = '';
    const io = { out: (s: string) => void (out += s), err: () => {} };
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      return { code: await lintCommand([join(dir, 'fix.patch')], { src: dir, ...opts }, io), out };
    } finally {
      process.chdir(cwd);
    }
  };

  it('a blocking finding fails the gate; waived by the config file (with its reason) it passes and is still reported', async () => {
    const dir = tree();
    expect((await run(dir, {})).code).toBe(1);
    writeFileSync(join(dir, '.create-diff-module.json'), JSON.stringify({ allow: [{ kind: 'data-initializer-changed', reason: 'level is reset by the pre-patch callback' }, { kind: 'changed-data', reason: 'same, seen by check' }] }));
    const text = await run(dir, {});
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^x\.c:1: block \[data-initializer-changed\] initial value of level changed .* \(waived: level is reset by the pre-patch callback\)$/m);
    const json = JSON.parse((await run(dir, { format: 'json' })).out);
    expect(json.verdict).toBe('patchable');
    expect(json.waivers).toEqual([{ kind: 'data-initializer-changed', reason: 'level is reset by the pre-patch callback', from: '.create-diff-module.json' }]);
    const sarif = JSON.parse((await run(dir, { sarif: true })).out);
    expect(sarif.runs[0].results[0].suppressions[0].justification).toBe('level is reset by the pre-patch callback (waived in .create-diff-module.json)');
    const md = (await run(dir, { format: 'markdown' })).out;
    expect(md).toMatch(/^### create-diff-module lint: patchable/);
    expect(md).toContain('| `data-initializer-changed` | `x.c:1` |');
  });

  it('--config-file names another file; --allow adds to it', async () => {
    const dir = tree();
    writeFileSync(join(dir, 'gate.json'), JSON.stringify({ allow: [] }));
    expect((await run(dir, { configFile: join(dir, 'gate.json') })).code).toBe(1);
    expect((await run(dir, { configFile: join(dir, 'gate.json'), allow: ['data-initializer-changed'] })).code).toBe(0);
  });
});

describe('output format and colour', () => {
  it('--format text|json|sarif|markdown; --json and --sarif are aliases; two different formats are exit 2', () => {
    expect(parseFormat({})).toBe('text');
    expect(parseFormat({ json: true })).toBe('json');
    expect(parseFormat({ sarif: true })).toBe('sarif');
    expect(parseFormat({ format: 'markdown' })).toBe('markdown');
    expect(parseFormat({ format: 'json', json: true })).toBe('json');
    expect(exitOf(() => parseFormat({ json: true, sarif: true }))).toMatchObject({ code: 2, message: '--json and --sarif are exclusive' });
    expect(exitOf(() => parseFormat({ format: 'html' }))).toMatchObject({ code: 2, message: '--format html: no such format' });
  });

  it('colour only on a TTY, never with NO_COLOR set', () => {
    expect(colorsFor({ isTTY: false }, {})).toBeUndefined();
    expect(colorsFor({ isTTY: true }, { NO_COLOR: '1' })).toBeUndefined();
    expect(colorsFor({ isTTY: true }, {})!.red('x')).toBe('\x1b[31mx\x1b[39m');
    expect(colorsFor({ isTTY: true }, { NO_COLOR: '' })!.red('x')).toBe('\x1b[31mx\x1b[39m');
  });

  it('check registers --format, --sarif, --allow, --config-file and --verbose next to main.ts\'s --json', async () => {
    let got: Record<string, unknown> = {};
    const program = new Command('create-diff-module').exitOverride();
    const check = program.command('check').option('--json').argument('<patch...>').action((_p: string[], opts: Record<string, unknown>) => void (got = opts));
    registerCheckOptions(check).exitOverride();
    await program.parseAsync(['check', '--format', 'markdown', '--allow', 'changed-data', '--allow', 'new-export', '--config-file', 'g.json', '--sarif', '-v', 'p.patch'], { from: 'user' });
    expect(got).toEqual({ format: 'markdown', allow: ['changed-data', 'new-export'], configFile: 'g.json', sarif: true, verbose: true });
  });
});

describe('check: remedies and the consistency model', () => {
  const ALL_PROBLEMS = ['changed-data', 'changed-bss-size', 'changed-init', 'changed-rodata-shared', 'unknown-section', 'new-export', 'not-traceable', 'removed-static-local'];

  it('every object problem kind has a remedy', () => {
    for (const k of ALL_PROBLEMS) expect(objectRemedy(k), k).toBeTruthy();
    expect(objectRemedy('changed-data')).toMatch(/callback.*shadow variable/);
    expect(objectRemedy('changed-bss-size')).toMatch(/shadow variable/);
    expect(objectRemedy('changed-init')).toMatch(/nothing to patch at run time/);
    expect(objectRemedy('new-export')).toMatch(/keep the export out of the live patch/);
    expect(objectRemedy('not-traceable')).toMatch(/patch a traced caller/);
    expect(objectRemedy('changed-rodata-shared')).toMatch(/new copy under a new name.*callback/);
    expect(objectRemedy('unknown-section')).toMatch(/report it/);
    expect(objectRemedy('removed-static-local')).toMatch(/keep a reference to the static local/);
    expect(Object.keys(OBJECT_KINDS)).toEqual(expect.arrayContaining(ALL_PROBLEMS));
  });

  const unit = (functions: object[], problems: object[] = []) => ({
    path: 'kernel/sched/core.o', object: 'vmlinux', verdict: problems.length ? 'not-patchable' : 'patchable', timings: {},
    diff: { verdict: 'patchable', machine: 'x86_64', changed: [], new: [], removed: [], inlined: [], data: [], specialRecords: [], functions, problems },
  });
  const report = async (units: object[], before = 'void f(void)\n{\n}\n', after = 'void f(void)\n{\n\tg();\n}\n') => ({
    verdict: 'patchable', changedFiles: [], unhandledFiles: [], applyNotes: [], headers: [], timings: { mirrorMs: 0, totalMs: 0 }, units,
    source: await analyzeChanges([{ oldPath: 'kernel/sched/core.c', newPath: 'kernel/sched/core.c', before, after, patches: [] }]),
  }) as unknown as CheckReport;

  it('a replaced function that is practically always on a stack is a care finding with a remedy (object evidence, or both)', async () => {
    const fn = { name: 'schedule_idle', status: 'changed', section: '.sched.text', bind: 'global', cause: 'inlined', callees: ['do_idle_helper'], patchable: true };
    const r = checkRecord(await report([unit([fn, { ...fn, name: 'other', cause: 'edited' }])]));
    const aos = r.findings.filter((f) => f.kind === 'always-on-stack');
    expect(aos).toHaveLength(1);
    expect(aos[0]).toMatchObject({ severity: 'care', symbol: 'schedule_idle', evidence: 'object', remedy: 'patch a callee or caller instead, or force the transition after review' });
    expect(aos[0]!.message).toContain('do_idle_helper was inlined into it');
    expect(r.verdict).toBe('patchable');
    // Edited in the source too: one finding, evidence both, at the source line.
    const src = 'void schedule(void)\n{\n}\n';
    const both = checkRecord(await report([unit([{ ...fn, name: 'schedule', cause: 'edited' }])], src, 'void schedule(void)\n{\n\tg();\n}\n'));
    expect(both.findings.filter((f) => f.kind === 'always-on-stack')).toEqual([expect.objectContaining({ evidence: 'both', file: 'kernel/sched/core.c', line: 3 })]);
    // Line numbers only: not replaced, no warning.
    expect(checkRecord(await report([unit([{ ...fn, cause: 'line-numbers' }])])).findings.some((f) => f.kind === 'always-on-stack')).toBe(false);
  });

  it('object problems carry the remedy of their kind; --allow waives them and the gate passes', async () => {
    const r = await report([unit([], [{ kind: 'changed-bss-size', severity: 'block', section: '.bss.x', symbol: 'x', message: 'x grew' }])]);
    (r as { verdict: string }).verdict = 'not-patchable';
    const rec = checkRecord(r);
    expect(rec.findings.find((f) => f.kind === 'changed-bss-size')).toMatchObject({ evidence: 'object', remedy: objectRemedy('changed-bss-size') });
    expect(rec.verdict).toBe('not-patchable');
    const waived = checkRecord(r, { waivers: [{ kind: 'changed-bss-size', reason: 'reviewed', from: 'f.json' }] });
    expect(waived.verdict).toBe('patchable');
    expect(waived.findings.find((f) => f.kind === 'changed-bss-size')!.waived).toBe(true);
    expect(waived.waivers).toEqual([{ kind: 'changed-bss-size', reason: 'reviewed', from: 'f.json' }]);
  });
});
