// The report record (DESIGN "Errors and output"): one record, `create-diff-module/report@0`,
// for every command; `lint` and `check` fill what they know, and text, JSON, SARIF and
// Markdown are views of it. Fields beyond v0 are additions only (a v0 reader ignores them).
import { ExitCode } from '../common/errors.js';
import { byCodeUnit } from '../common/order.js';

export const REPORT_SCHEMA = 'create-diff-module/report@0';

export type Verdict = 'patchable' | 'not-patchable' | 'no-change';
export type Severity = 'block' | 'care' | 'review' | 'info';
export type Evidence = 'source' | 'object' | 'both';

export const SEVERITY_ORDER: Record<Severity, number> = { block: 0, care: 1, review: 2, info: 3 };

export interface ReportFinding {
  kind: string;
  severity: Severity;
  /** The patched file (tree-relative); for an object problem without a source match, the TU's .c file. */
  file: string;
  /** 1-based line in the patched file, when known. */
  line: number | null;
  symbol: string | null;
  section: string | null;
  message: string;
  remedy: string | null;
  evidence: Evidence;
  /** Source findings: `low` when the declaration did not parse cleanly. */
  confidence?: 'high' | 'low';
  /** Set when the kind is waived (`--allow`, or the config file): reported, but not failing the gate. */
  waived?: boolean;
}

export interface ReportFunction {
  name: string;
  /** vmlinux or a module (null when only the source is known). */
  object: string | null;
  tu: string;
  section: string | null;
  sympos: number | null;
  status: 'changed' | 'new' | 'removed';
  cause: 'edited' | 'inlined' | 'reference' | 'line-numbers' | null;
  callees?: string[];
  hunks: { file: string; line: number }[];
  first_difference?: { offset: number; what: string } | null;
  replaced_via?: string[] | null;
}

export interface ReportTu {
  path: string;
  object?: string;
  verdict: string;
  timings?: Record<string, number | undefined>;
  /** How each object was made: make, kbuild's recorded command, or the object cache. */
  compiledBy?: { original: string; patched: string };
}

/** A waived kind and why: `from` is `--allow` or the config file that waived it. */
export interface Waiver {
  kind: string;
  reason: string | null;
  from: string;
}

export interface ReportRecord {
  schema: typeof REPORT_SCHEMA;
  verdict: Verdict;
  changed: string[];
  new: string[];
  functions: ReportFunction[];
  findings: ReportFinding[];
  tus?: ReportTu[];
  /** Kinds waived (lint, v0). */
  allowed?: string[];
  /** Waived kinds with their reasons (addition to v0). */
  waivers?: Waiver[];
  /** lint: hunks that applied with an offset or fuzz. */
  applied?: { file: string; hunk: string | number; offset?: number; fuzz?: number }[];
  /** check: the same, as text. */
  apply_notes?: string[];
  /** check: changed files that are not C (not analysed). */
  unhandled_files?: string[];
}

export function exitCodeForVerdict(verdict: Verdict): number {
  return verdict === 'not-patchable' ? ExitCode.notPatchable : verdict === 'no-change' ? ExitCode.noChange : ExitCode.ok;
}

/** Stable order: file, line, severity, kind, symbol. */
export function compareFindings(x: ReportFinding, y: ReportFinding): number {
  return byCodeUnit(x.file, y.file) || (x.line ?? 0) - (y.line ?? 0) || SEVERITY_ORDER[x.severity] - SEVERITY_ORDER[y.severity] || byCodeUnit(x.kind, y.kind) || byCodeUnit(x.symbol ?? '', y.symbol ?? '');
}

/** Counts by severity, waived findings apart. */
export function countFindings(findings: ReportFinding[]): Record<Severity | 'waived', number> {
  const n = { block: 0, care: 0, review: 0, info: 0, waived: 0 };
  for (const f of findings) {
    if (f.waived) n.waived++;
    else n[f.severity]++;
  }
  return n;
}
