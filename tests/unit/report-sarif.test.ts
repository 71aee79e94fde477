// The SARIF view validates against the SARIF 2.1.0 JSON schema (vendored in
// testdata/schema/, see its README): lint's and check's records, waived findings, and every
// record made from a real kernel patch (testdata/report/records/). Also the shape GitHub
// code scanning relies on: rule per kind, ruleIndex, level from severity, locations.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Log } from 'sarif';
import { describe, expect, it } from 'vitest';
import { ALL_KIND_IDS, SOURCE_KIND_IDS, toSarif, type ReportRecord } from '../../src/report/index.js';
import { toSarif as lintSarif, type LintReport } from '../../src/source/index.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const SCHEMA = new URL('../../testdata/schema/sarif-2.1.0-rtm.5.json', import.meta.url).pathname;
// The JSON goldens of tests/unit/report-views.test.ts are records: the synthetic lint and
// check records, and every record made from a real kernel patch.
const RECORDS = new URL('../../testdata/report/golden/', import.meta.url).pathname;
const record = (name: string) => JSON.parse(readFileSync(join(RECORDS, `${name}.json`), 'utf8')) as ReportRecord;
const lintSynthetic = async () => record('lint-synthetic');
const checkSynthetic = async () => record('check-synthetic');

/**
 * The vendored draft-04 schema, read as draft-07 (it uses no keyword whose meaning differs);
 * without the `u` flag, as one of its patterns is not a valid unicode regular expression.
 */
export function sarifValidator(): ValidateFunction {
  const schema = JSON.parse(readFileSync(SCHEMA, 'utf8')) as Record<string, unknown>;
  const { id, $schema: _draft, ...rest } = schema;
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile({ ...rest, $id: id as string, $schema: 'http://json-schema.org/draft-07/schema#' });
}

const validate = sarifValidator();
const errors = () => JSON.stringify(validate.errors?.slice(0, 5), null, 1);

describe('SARIF 2.1.0 schema', () => {
  it('the validator rejects what is not SARIF', () => {
    expect(validate({ version: '2.1.0' })).toBe(false);
    expect(validate({ version: '2.0.0', runs: [] })).toBe(false);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'fatal' }] }] })).toBe(false);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [] }] })).toBe(true);
  });

  it('lint and check records (with waived findings) validate', async () => {
    for (const r of [await lintSynthetic(), await checkSynthetic()]) {
      const log = toSarif(r, { version: '1.2.3' }) as Log;
      expect(validate(log), errors()).toBe(true);
      expect(log.runs[0]!.results!.some((x) => x.suppressions?.length)).toBe(true);
    }
    const lint = lintSarif((await lintSynthetic()) as LintReport, { version: '1.2.3', uri: 'https://example.org/create-diff-module' });
    expect(validate(lint), errors()).toBe(true);
  });

  const stored = existsSync(RECORDS) ? readdirSync(RECORDS).filter((f) => f.endsWith('.json')).sort() : [];
  it.each(stored)('%s validates', (file) => {
    const r = JSON.parse(readFileSync(join(RECORDS, file), 'utf8')) as ReportRecord;
    expect(validate(toSarif(r, { version: '0.1.0' })), errors()).toBe(true);
  });

  it('one rule per kind, ruleIndex resolves, level from severity, info findings omitted, location on the patched file', async () => {
    const r = await checkSynthetic();
    const log = toSarif(r, { version: '1.2.3' }) as Log;
    const run = log.runs[0]!;
    const ids = run.tool.driver.rules!.map((x) => x.id);
    expect(ids).toEqual([...ALL_KIND_IDS]);
    const level = { block: 'error', care: 'warning', review: 'note' } as const;
    const alerts = r.findings.filter((f) => f.severity !== 'info');
    expect(run.results!.length).toBe(alerts.length);
    run.results!.forEach((res, i) => {
      const f = alerts[i]!;
      expect(ids[res.ruleIndex!]).toBe(res.ruleId);
      expect(res.ruleId).toBe(f.kind);
      expect(res.level).toBe(level[f.severity as keyof typeof level]);
      expect(res.locations![0]!.physicalLocation!.artifactLocation!.uri).toBe(f.file);
      if (f.line) expect(res.locations![0]!.physicalLocation!.region!.startLine).toBe(f.line);
    });
    // A kind outside the catalogue still gets a rule.
    const odd = toSarif({ ...r, findings: [{ ...r.findings[0]!, kind: 'future-kind', waived: false }] }, { version: '1', kinds: SOURCE_KIND_IDS }) as Log;
    expect(odd.runs[0]!.tool.driver.rules!.at(-1)!.id).toBe('future-kind');
    expect(validate(odd), errors()).toBe(true);
  });
});
