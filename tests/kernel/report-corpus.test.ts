// Report records from real kernel patches (Debian 6.1): `lint` over testdata/lint corpus
// patches and `check` over testdata/kernel fixes, run as the CLI runs them, each record
// compared exactly with testdata/report/records/<name>.json (the input of the unit-tier
// golden view tests, tests/unit/report-views.test.ts). Regenerate with UPDATE_GOLDEN=1 and
// read the diff. Every record's SARIF validates against the SARIF 2.1.0 schema.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../../src/cli/check.js';
import { lintCommand } from '../../src/cli/lint.js';
import { formatJson, toSarif, type ReportRecord } from '../../src/report/index.js';
import { ensureTarget, TEST_ABI } from '../../src/target/index.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ROOT = new URL('../../testdata/', import.meta.url).pathname;
const RECORDS = join(ROOT, 'report', 'records');

function golden(name: string, actual: string): void {
  const file = join(RECORDS, `${name}.json`);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  expect(existsSync(file), `${name}.json is missing: run with UPDATE_GOLDEN=1`).toBe(true);
  expect(actual, `${name}.json differs: if intended, run with UPDATE_GOLDEN=1 and review the diff`).toBe(readFileSync(file, 'utf8'));
}

function sarifValidator() {
  const { id, $schema: _draft, ...rest } = JSON.parse(readFileSync(join(ROOT, 'schema', 'sarif-2.1.0-rtm.5.json'), 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile({ ...rest, $id: id as string, $schema: 'http://json-schema.org/draft-07/schema#' });
}
const validate = sarifValidator();

const io = () => {
  const o = { out: '', err: '' };
  return { o, io: { out: (s: string) => void (o.out += s), err: (s: string) => void (o.err += s) } };
};

/** Timings and how objects were made (make or cache) vary from run to run: drop them so the record compares exactly. */
function stable(r: Record<string, unknown>): ReportRecord {
  return JSON.parse(JSON.stringify(r, (k, v) => (k === 'timings' ? {} : k === 'compiledBy' ? undefined : v))) as ReportRecord;
}

let src: string;
// Waivers with reasons, as a repository keeps them; relative to the repository root (where
// the tests run), so that the records' `waivers[].from` is the same on every machine.
const config = 'testdata/report/gate.json';
beforeAll(async () => {
  src = (await ensureTarget({ abi: TEST_ABI })).sourceDir;
  expect(existsSync(config), 'run the tests from the repository root').toBe(true);
});

const LINT: Array<{ name: string; patch: string; waive?: boolean; code: number }> = [
  { name: 'struct-member-added-header', patch: 'struct-member-added-header.patch', code: 1 },
  { name: 'kthread-loop', patch: 'kthread-loop.patch', code: 0 },
  { name: 'enum-appended-in-c-waived', patch: 'enum-appended-in-c.patch', waive: true, code: 0 },
  { name: 'fields-written', patch: 'fields-written.patch', code: 0 },
  { name: 'global-initializer', patch: 'global-initializer.patch', code: 1 },
  { name: 'comment-only', patch: 'comment-only.patch', code: 3 },
];

const CHECK: Array<{ name: string; patch: string; waive?: boolean; code: number; kinds: string[] }> = [
  { name: 'proc-loadavg-init', patch: 'kernel/diff/proc-loadavg-init.patch', code: 1, kinds: ['changed-init'] },
  { name: 'proc-loadavg-init-waived', patch: 'kernel/diff/proc-loadavg-init.patch', waive: true, code: 0, kinds: ['changed-init'] },
  { name: 'fork-dump-filter-data', patch: 'kernel/diff/fork-dump-filter-data.patch', code: 1, kinds: ['changed-data'] },
  { name: 'fork-inline-free-signal', patch: 'kernel/diff/fork-inline-free-signal.patch', code: 0, kinds: [] },
  // kswapd's own edit compiles to the same code: check says no-change, lint's care finding stays (source evidence).
  { name: 'kthread-loop', patch: 'lint/kthread-loop.patch', code: 3, kinds: [] },
  // A helper inlined into kswapd: the objects show the kthread loop replaced (object evidence).
  { name: 'kswapd-inlined-helper', patch: 'report/patches/kswapd-inlined-helper.patch', code: 0, kinds: ['always-on-stack'] },
];

describe('report records from real kernel patches', () => {
  it.each(LINT)('lint $name', async ({ name, patch, waive, code }) => {
    const { o, io: out } = io();
    const exit = await lintCommand([join(ROOT, 'lint', patch)], { src, format: 'json', ...(waive ? { configFile: config } : {}) }, out);
    expect(exit, o.err).toBe(code);
    const r = JSON.parse(o.out) as ReportRecord;
    if (waive) expect(r.findings.some((f) => f.waived)).toBe(true);
    golden(`lint-${name}`, formatJson(r));
    expect(validate(toSarif(r, { version: '0.1.0' })), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    // The other views of the same run: SARIF and Markdown through the CLI path.
    const sarif = io();
    await lintCommand([join(ROOT, 'lint', patch)], { src, sarif: true, ...(waive ? { configFile: config } : {}) }, sarif.io);
    expect(validate(JSON.parse(sarif.o.out)), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  });

  it.each(CHECK)('check $name', async ({ name, patch, waive, code, kinds }) => {
    const { o, io: out } = io();
    const exit = await checkCommand([join(ROOT, patch)], { src, format: 'json', ...(waive ? { configFile: config } : {}) }, out);
    expect(exit, o.err).toBe(code);
    const r = stable(JSON.parse(o.out));
    for (const k of kinds) expect(r.findings.some((f) => f.kind === k && f.evidence !== 'source'), `${k} from the objects`).toBe(true);
    for (const f of r.findings.filter((x) => x.severity === 'block' && x.evidence !== 'source')) expect(f.remedy, f.kind).toBeTruthy();
    if (waive) expect(r.findings.filter((f) => kinds.includes(f.kind)).every((f) => f.waived)).toBe(true);
    golden(`check-${name}`, formatJson(r));
    expect(validate(toSarif(r, { version: '0.1.0' })), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  });

  it('check --format markdown and --sarif on a real fix', async () => {
    const md = io();
    expect(await checkCommand([join(ROOT, 'kernel/diff/proc-loadavg-init.patch')], { src, format: 'markdown' }, md.io)).toBe(1);
    expect(md.o.out).toMatch(/^### create-diff-module check: not-patchable/);
    expect(md.o.out).toMatch(/\| block \| `changed-init` \| `fs\/proc\/loadavg\.c:\d+` \|.*\| source \+ object \| nothing to patch at run time/);
    const sarif = io();
    await checkCommand([join(ROOT, 'kernel/diff/proc-loadavg-init.patch')], { src, sarif: true }, sarif.io);
    const log = JSON.parse(sarif.o.out);
    expect(validate(log)).toBe(true);
    expect(log.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'changed-init').level).toBe('error');
  });
});
