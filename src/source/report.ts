// The lint report: the shared report record (create-diff-module/report@0) filled with what
// the source analysis knows, and its views: text and SARIF 2.1.0.
import { ExitCode } from '../common/errors.js';
import type { ApplyNote } from '../patch/index.js';
import type { Finding, FunctionChange, SourceAnalysis } from './analyze.js';
import { KINDS, type FindingKind, type Severity } from './kinds.js';

export const REPORT_SCHEMA = 'create-diff-module/report@0';

export type Verdict = 'patchable' | 'not-patchable' | 'no-change';

export interface LintReport {
  schema: typeof REPORT_SCHEMA;
  verdict: Verdict;
  /** Functions whose running version the patch replaces (as far as the source shows). */
  changed: string[];
  /** Functions the patch adds. */
  new: string[];
  functions: (FunctionChange & { section: null; sympos: null; object: null })[];
  findings: (Finding & { section: null })[];
  /** Kinds waived with --allow. */
  allowed: string[];
  /** Hunks that applied with an offset or with fuzz. */
  applied: ApplyNote[];
}

const SEVERITY_ORDER: Record<Severity, number> = { block: 0, care: 1, review: 2, info: 3 };

export function buildReport(a: SourceAnalysis, opts: { allow?: string[]; notes?: ApplyNote[] } = {}): LintReport {
  const allow = new Set(opts.allow ?? []);
  const findings = a.findings
    .map((f) => ({ ...f, section: null, ...(allow.has(f.kind) ? { waived: true } : {}) }))
    .sort((x, y) => x.file.localeCompare(y.file) || (x.line ?? 0) - (y.line ?? 0) || SEVERITY_ORDER[x.severity] - SEVERITY_ORDER[y.severity] || x.kind.localeCompare(y.kind) || (x.symbol ?? '').localeCompare(y.symbol ?? ''));
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
    applied: opts.notes ?? [],
  };
}

export function exitCodeFor(r: LintReport): number {
  return r.verdict === 'not-patchable' ? ExitCode.notPatchable : r.verdict === 'no-change' ? ExitCode.noChange : ExitCode.ok;
}

export interface TextOptions {
  color?: { red(s: string): string; yellow(s: string): string; cyan(s: string): string; dim(s: string): string; bold(s: string): string; green(s: string): string };
  /** Show info findings too (default: only a count). */
  verbose?: boolean;
}

const plain = { red: (s: string) => s, yellow: (s: string) => s, cyan: (s: string) => s, dim: (s: string) => s, bold: (s: string) => s, green: (s: string) => s };

export function formatText(r: LintReport, opts: TextOptions = {}): string {
  const c = opts.color ?? plain;
  const verdictText = r.verdict === 'patchable' ? c.green('patchable') : r.verdict === 'not-patchable' ? c.red('not-patchable') : c.cyan('no-change');
  const lines = [`verdict: ${verdictText}`];
  if (r.changed.length) lines.push(`changed: ${r.changed.join(', ')}`);
  if (r.new.length) lines.push(`new: ${r.new.join(', ')}`);
  const label: Record<Severity, string> = { block: c.red('block'), care: c.yellow('care'), review: c.cyan('review'), info: c.dim('info') };
  const shown = r.findings.filter((f) => opts.verbose || f.severity !== 'info');
  for (const f of shown) {
    const where = f.line ? `${f.file}:${f.line}` : f.file;
    const flags = [f.waived ? 'waived' : '', f.confidence === 'low' ? 'low confidence' : ''].filter(Boolean).join(', ');
    lines.push(`${where}: ${label[f.severity]} [${f.kind}] ${f.message}${flags ? c.dim(` (${flags})`) : ''}`);
    if (f.remedy && f.severity !== 'info') lines.push(c.dim(`    remedy: ${f.remedy}`));
  }
  const hidden = r.findings.length - shown.length;
  if (hidden > 0) lines.push(c.dim(`(${hidden} info finding${hidden === 1 ? '' : 's'} not shown; --verbose shows them)`));
  for (const n of r.applied) lines.push(c.dim(`note: ${n.file}: hunk ${n.hunk} applied${n.offset ? ` with offset ${n.offset}` : ''}${n.fuzz ? ` with fuzz ${n.fuzz}` : ''}`));
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------
// SARIF 2.1.0 (accepted by GitHub code scanning): one rule per finding kind, one result per
// finding of severity block, care or review (info findings are not alerts), located on the
// patched file and line; waived findings carry an external suppression.

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { block: 'error', care: 'warning', review: 'note', info: 'note' };

export function toSarif(r: LintReport, tool: { version: string; uri?: string }): object {
  const kinds = Object.keys(KINDS) as FindingKind[];
  const rules = kinds.map((k) => ({
    id: k,
    name: k.replace(/(^|-)(\w)/g, (_m, _d, ch: string) => ch.toUpperCase()),
    shortDescription: { text: KINDS[k].title },
    fullDescription: { text: KINDS[k].help },
    help: { text: `${KINDS[k].help}${KINDS[k].remedy ? ` Remedy: ${KINDS[k].remedy}` : ''}` },
    defaultConfiguration: { level: LEVEL[KINDS[k].severity] },
    properties: { severity: KINDS[k].severity, tags: ['livepatch'] },
  }));
  const results = r.findings
    .filter((f) => f.severity !== 'info')
    .map((f) => ({
      ruleId: f.kind,
      ruleIndex: kinds.indexOf(f.kind),
      level: LEVEL[f.severity],
      message: { text: f.remedy ? `${f.message}. Remedy: ${f.remedy}` : f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: f.file, uriBaseId: '%SRCROOT%' },
            ...(f.line ? { region: { startLine: f.line } } : {}),
          },
          ...(f.symbol ? { logicalLocations: [{ name: f.symbol }] } : {}),
        },
      ],
      partialFingerprints: { 'cdmFinding/v1': `${f.kind}:${f.file}:${f.symbol ?? ''}` },
      ...(f.waived ? { suppressions: [{ kind: 'external', justification: `waived with --allow ${f.kind}` }] } : {}),
      properties: { severity: f.severity, confidence: f.confidence, evidence: f.evidence },
    }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'create-diff-module',
            semanticVersion: tool.version,
            version: tool.version,
            ...(tool.uri ? { informationUri: tool.uri } : {}),
            rules,
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { description: { text: 'the kernel source tree (--src)' } } },
        results,
        properties: { verdict: r.verdict, changed: r.changed, new: r.new },
      },
    ],
  };
}
