// The lint report: the shared report record (create-diff-module/report@0, src/report) filled
// with what the source analysis knows. Its views (text, JSON, SARIF 2.1.0, Markdown) live in
// src/report; the wrappers here keep lint's rule catalogue (the source kinds).
import type { ApplyNote } from '../patch/index.js';
import {
  compareFindings, exitCodeForVerdict, formatText as formatRecordText, REPORT_SCHEMA, SOURCE_KIND_IDS, toSarif as recordToSarif,
  type TextOptions, type Verdict, type Waiver,
} from '../report/index.js';
import type { Finding, FunctionChange, SourceAnalysis } from './analyze.js';
import { byCodeUnit } from '../common/order.js';

export { REPORT_SCHEMA, type TextOptions, type Verdict };

export interface LintReport {
  schema: typeof REPORT_SCHEMA;
  verdict: Verdict;
  /** Functions whose running version the patch replaces (as far as the source shows). */
  changed: string[];
  /** Functions the patch adds. */
  new: string[];
  functions: (FunctionChange & { section: null; sympos: null; object: null })[];
  findings: (Finding & { section: null })[];
  /** Kinds waived with --allow or the config file. */
  allowed: string[];
  /** The waivers with their reasons (--allow has none; the config file requires one). */
  waivers: Waiver[];
  /** Hunks that applied with an offset or with fuzz. */
  applied: ApplyNote[];
}

export function buildReport(a: SourceAnalysis, opts: { allow?: string[]; waivers?: Waiver[]; notes?: ApplyNote[] } = {}): LintReport {
  const waivers: Waiver[] = [...(opts.waivers ?? [])];
  for (const kind of opts.allow ?? []) if (!waivers.some((w) => w.kind === kind)) waivers.push({ kind, reason: null, from: '--allow' });
  waivers.sort((x, y) => byCodeUnit(x.kind, y.kind));
  const allow = new Set(waivers.map((w) => w.kind));
  const findings = a.findings
    .map((f) => ({ ...f, section: null, ...(allow.has(f.kind) ? { waived: true } : {}) }))
    .sort(compareFindings);
  const blocking = findings.some((f) => f.severity === 'block' && !f.waived);
  const verdict: Verdict = a.changes === 0 ? 'no-change' : blocking ? 'not-patchable' : 'patchable';
  const uniq = (xs: string[]) => [...new Set(xs)];
  return {
    schema: REPORT_SCHEMA,
    verdict,
    changed: uniq(a.functions.filter((f) => f.status === 'changed').map((f) => f.name)),
    new: uniq(a.functions.filter((f) => f.status === 'new').map((f) => f.name)),
    functions: a.functions.map((f) => ({ ...f, object: null, section: null, sympos: null })),
    findings,
    allowed: [...allow].sort(),
    waivers,
    applied: opts.notes ?? [],
  };
}

export function exitCodeFor(r: LintReport): number {
  return exitCodeForVerdict(r.verdict);
}

export function formatText(r: LintReport, opts: TextOptions = {}): string {
  return formatRecordText(r, opts);
}

/** SARIF 2.1.0 with lint's rules: one per source finding kind. */
export function toSarif(r: LintReport, tool: { version: string; uri?: string }): object {
  return recordToSarif(r, { ...tool, kinds: SOURCE_KIND_IDS });
}
