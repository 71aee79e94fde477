// `check --src <tree> <patch>...`: compile what the diff affects, original and patched, and
// give the verdict per TU and for the whole patch, as the shared report record
// (create-diff-module/report@0) in one of its views: text, JSON, SARIF 2.1.0 or Markdown.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../common/errors.js';
import { explainCheck, formatExplain, type ExplainRecord, type FunctionExplanation } from '../explain/index.js';
import { checkInputs, perCommit } from '../git/index.js';
import { checkTree, type CheckReport } from '../tree/index.js';
import { ALWAYS_ON_STACK, KINDS } from '../source/index.js';
import {
  applyWaivers, colorsFor, compareFindings, CONFIG_FILE_NAME, exitCodeForVerdict, FORMATS, loadConfigCc, loadConfigWaivers, mergeWaivers, objectRemedy, parseAllowOption,
  parseFormat, REPORT_SCHEMA, renderReport, type Format, type ReportFinding, type ReportFunction, type ReportRecord, type Verdict, type Waiver,
} from '../report/index.js';
import { toJson, type Output } from './output.js';

export { REPORT_SCHEMA };

export type Finding = ReportFinding;

/** The shared report record (DESIGN "Errors and output"), filled with what check knows. */
export function checkRecord(report: CheckReport, opts: { waivers?: Waiver[] } = {}) {
  const functions = report.units.flatMap((u) => (u.diff?.functions ?? []).map((f) => ({
    name: f.name, object: u.object, tu: u.path.replace(/\.o$/, '.c'), section: f.section, sympos: null,
    status: f.status, cause: f.cause ?? null, callees: f.callees ?? [],
    hunks: report.source.functions.find((sf) => sf.name === f.name.split('.')[0] && sf.tu === u.path.replace(/\.o$/, '.c'))?.hunks ?? [],
    first_difference: f.firstDifference ?? null, patchable: f.patchable, replaced_via: f.replacedVia ?? null,
  })));
  const targets = (s: string) => functions.filter((f) => f.status === s && f.cause !== 'line-numbers' && !f.replaced_via).map((f) => f.name);
  const record = {
    schema: REPORT_SCHEMA as typeof REPORT_SCHEMA,
    verdict: report.verdict,
    changed: targets('changed'),
    new: targets('new'),
    functions,
    findings: mergeFindings(report, functions),
    tus: report.units.map((u) => ({ path: u.path.replace(/\.o$/, '.c'), object: u.object, verdict: u.verdict, timings: u.timings, compiledBy: u.compiledBy })),
    changed_files: report.changedFiles,
    apply_notes: report.applyNotes,
    unhandled_files: report.unhandledFiles,
    headers: report.headers,
    timings: report.timings,
    waivers: [] as Waiver[],
  };
  return applyWaivers(record, opts.waivers ?? []);
}

export type CheckRecord = ReturnType<typeof checkRecord>;

/** Object kinds that confirm a source kind: the same fact seen in both. */
const CONFIRMS: Record<string, string[]> = {
  'changed-init': ['init-code-changed'],
  'changed-data': ['data-initializer-changed', 'static-local-changed'],
  'new-export': ['export-added'],
  'not-traceable': ['untraceable-function'],
  'changed-rodata-shared': ['ops-table-changed', 'const-data-changed'],
  'always-on-stack': ['always-on-stack'],
};

/**
 * Object problems, consistency-model warnings and source findings in one list; a pair that
 * agrees is one finding with evidence "both". Object problems carry the remedy of the kind
 * (src/report/kinds.ts), the source finding's when the table has none.
 */
function mergeFindings(report: CheckReport, functions: ReportFunction[]): ReportFinding[] {
  const source: ReportFinding[] = report.source.findings.map((f) => ({
    kind: f.kind, severity: f.severity, file: f.file, line: f.line, symbol: f.symbol, section: null,
    message: f.message, remedy: f.remedy, evidence: 'source', confidence: f.confidence,
  }));
  const out: ReportFinding[] = [];
  const take = (kind: string, symbol: string | undefined) => {
    const at = source.findIndex((f) => (CONFIRMS[kind] ?? []).includes(f.kind) && (f.symbol === null || symbol === undefined || f.symbol === symbol || symbol.startsWith(`${f.symbol}.`)));
    // The source finding that says the same thing is folded into this one.
    return at >= 0 ? source.splice(at, 1)[0] : undefined;
  };
  for (const u of report.units) {
    const tu = u.path.replace(/\.o$/, '.c');
    if (u.verdict === 'not-built') {
      out.push({ kind: 'not-built', severity: 'info', file: tu, line: null, symbol: null, section: null, message: u.message ?? `${tu} is not built by this configuration`, remedy: null, evidence: 'object' });
      continue;
    }
    for (const p of u.diff?.problems ?? []) {
      const match = take(p.kind, p.symbol);
      out.push({
        kind: p.kind, severity: p.severity ?? 'block', file: match?.file ?? tu, line: match?.line ?? null, symbol: p.symbol ?? null,
        section: p.section ?? null, message: p.message, remedy: objectRemedy(p.kind) ?? match?.remedy ?? null, evidence: match ? 'both' : 'object',
        ...(match?.confidence ? { confidence: match.confidence } : {}),
      });
    }
  }
  // The consistency model: a replaced function that some task is practically always inside
  // (scheduler, idle loop, kthread loop) keeps the transition from finishing.
  const seen = new Set<string>();
  for (const f of functions) {
    const base = f.name.split('.')[0]!;
    if (f.status !== 'changed' || f.cause === 'line-numbers' || !ALWAYS_ON_STACK.has(base) || seen.has(`${f.tu}:${base}`)) continue;
    seen.add(`${f.tu}:${base}`);
    const match = take('always-on-stack', base);
    // Not edited itself (a callee was inlined into it): point at the callee's change.
    const at = f.hunks[0] ?? (f.callees ?? []).map((c) => report.source.functions.find((sf) => sf.name === c.split('.')[0])?.hunks[0]).find(Boolean);
    const why = f.cause === 'inlined' && f.callees?.length ? `; it changed because ${f.callees.join(', ')} was inlined into it` : '';
    out.push({
      kind: 'always-on-stack', severity: 'care', file: match?.file ?? at?.file ?? f.tu, line: match?.line ?? at?.line ?? null, symbol: f.name, section: f.section,
      message: `${f.name} is replaced and is practically always on some task's stack (scheduler, idle or kthread loop)${why}: the livepatch transition may never finish`,
      remedy: KINDS['always-on-stack'].remedy, evidence: match ? 'both' : 'object',
    });
  }
  return [...out, ...source].sort(compareFindings);
}

export interface CheckCommandOptions {
  src: string;
  cc?: string;
  maxTus?: string;
  buildDir?: string;
  config?: string;
  json?: boolean;
  sarif?: boolean;
  format?: string;
  allow?: string[];
  configFile?: string;
  verbose?: boolean;
  jobs?: string;
  skipCompilerCheck?: boolean;
  /** --no-object-cache: false. */
  objectCache?: boolean;
  /** With a git range: one check and one report per commit. */
  perCommit?: boolean;
  /** Link each changed function to its explanation (the explain record), in JSON and text. */
  explain?: boolean;
  /** With a git revision: limit to these paths (after `--`). */
  paths?: string[];
}

export async function checkCommand(patches: string[], opts: CheckCommandOptions, io: Output): Promise<number> {
  // Usage and waivers are checked before anything is compiled.
  const format = parseFormat(opts);
  const waivers = mergeWaivers(parseAllowOption(opts.allow), loadConfigWaivers(opts.configFile));
  const quiet = format !== 'text' || process.env.CI === 'true' || !process.stderr.isTTY;
  const log = quiet ? undefined : (line: string) => io.err(line);
  // Patch files, or a git revision/range of --src (the original side read from git, never checked out).
  const given = await checkInputs(opts.src, patches, opts.paths ?? []);
  const render = { color: colorsFor(process.stdout), verbose: opts.verbose, title: 'create-diff-module check' };
  if (opts.perCommit) {
    if (!given.git) throw new InputError('--per-commit reports the commits of a git revision range one by one: patch files have no commits', 'give a range of --src (A..B) instead of patch files, or leave out --per-commit');
    const results: PerCommitResult[] = [];
    for (const c of perCommit(given.git)) {
      log?.(`commit ${c.patch.name}`);
      const one = await checkOnce({ patches: [], patchTexts: [c.patch], originalFrom: { gitBase: c.base } }, opts, waivers, log);
      results.push({ commit: c.commit, subject: c.subject, ...one });
    }
    io.out(renderPerCommit(results, format, render));
    return exitCodeForVerdict(worstVerdict(results.map((r) => r.record.verdict)));
  }
  const { record, explanation } = await checkOnce(given, opts, waivers, log);
  io.out(renderReport(record as ReportRecord, format, render) + (explanation && format === 'text' ? `\n${formatExplain(explanation)}` : ''));
  return exitCodeForVerdict(record.verdict);
}

interface CheckInput { patches: string[]; patchTexts?: Array<{ name: string; text: string }>; originalFrom?: { gitBase: string } }

/** One check and its record; with --explain, each function linked to its explanation. */
async function checkOnce(input: CheckInput, opts: CheckCommandOptions, waivers: Waiver[], log?: (l: string) => void): Promise<{ record: CheckRecord; explanation?: ExplainRecord }> {
  // explain reads the objects: they are copied out of the mirrors before another check reuses them.
  const keep = opts.explain ? await mkdtemp(path.join(tmpdir(), 'cdm-check-explain-')) : undefined;
  try {
    const report = await checkTree({
      src: opts.src,
      buildDir: opts.buildDir,
      config: opts.config,
      ...input,
      jobs: parseCount(opts.jobs, '--jobs'),
      skipCompilerCheck: opts.skipCompilerCheck,
      objectCache: opts.objectCache,
      cc: opts.cc ?? loadConfigCc(opts.configFile),
      maxTus: parseCount(opts.maxTus, '--max-tus'),
      keepObjects: keep,
      log,
    });
    const record = checkRecord(report, { waivers });
    if (!keep) return { record };
    const explanation = await explainCheck(report);
    for (const f of record.functions as Array<ReportFunction & { explanation?: FunctionExplanation }>) {
      f.explanation = explanation.functions.find((e) => e.name === f.name && e.tu === f.tu);
    }
    return { record, explanation };
  } finally {
    if (keep) await rm(keep, { recursive: true, force: true });
  }
}

/** A positive whole number option, or undefined when not given. */
export function parseCount(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InputError(`${option} ${value}: not a positive whole number`);
  return n;
}

/** --per-commit: one record per commit; the gate takes the worst verdict. */
export interface PerCommitResult { commit: string; subject: string; record: CheckRecord; explanation?: ExplainRecord }
export const PER_COMMIT_SCHEMA = 'create-diff-module/per-commit@0';

function worstVerdict(verdicts: Verdict[]): Verdict {
  if (verdicts.includes('not-patchable')) return 'not-patchable';
  return verdicts.includes('patchable') ? 'patchable' : 'no-change';
}

function renderPerCommit(results: PerCommitResult[], format: Format, render: Parameters<typeof renderReport>[2]): string {
  const verdict = worstVerdict(results.map((r) => r.record.verdict));
  if (format === 'json') {
    return toJson({ schema: PER_COMMIT_SCHEMA, verdict, commits: results.map((r) => ({ commit: r.commit, subject: r.subject, report: r.record })) });
  }
  if (format === 'sarif') {
    // One SARIF run per commit, told apart by automationDetails.id.
    const logs = results.map((r) => JSON.parse(renderReport(r.record as ReportRecord, 'sarif', render)) as { runs: Array<Record<string, unknown>> } & Record<string, unknown>);
    const runs = logs.flatMap((l, i) => l.runs.map((run) => ({ ...run, automationDetails: { id: `create-diff-module/per-commit/${results[i]!.commit}` } })));
    return toJson({ ...logs[0], runs });
  }
  const head = (r: PerCommitResult) => `${r.commit.slice(0, 12)} ${r.subject}`;
  const parts = results.map((r) => {
    const body = renderReport(r.record as ReportRecord, format, { ...render, title: `create-diff-module check ${head(r)}` });
    const more = r.explanation && format === 'text' ? `\n${formatExplain(r.explanation)}` : '';
    return format === 'markdown' ? body : `commit ${head(r)}\n${body}${more}`;
  });
  const summary = format === 'markdown'
    ? `**${results.length} commit(s), overall: ${verdict}**\n`
    : `${results.length} commit(s), overall verdict: ${verdict}\n`;
  return `${parts.join('\n')}\n${summary}`;
}

/** check's report and gate options beyond --json (registered in main.ts): call with the check command. */
export function registerCheckOptions(cmd: Command): Command {
  return cmd
    .option('--format <format>', `output format: ${FORMATS.join(', ')} (markdown: a pull-request comment); --json is --format json`)
    .option('--sarif', 'SARIF 2.1.0 for code scanning (one rule per finding kind); same as --format sarif')
    .option('--allow <kind>', 'waive a finding kind (repeatable, or comma-separated): reported as waived, does not fail the gate', (v: string, prev: string[] = []) => [...prev, v])
    .option('--config-file <file>', `waivers with reasons and the compiler command, {"allow": [{"kind", "reason"}], "cc": "distcc gcc-12"} (default: ./${CONFIG_FILE_NAME} when present)`)
    .option('-v, --verbose', 'also list info findings in the text report')
    .option('--per-commit', 'with a git range: check each commit against its parent and report them one by one (exit code: the worst verdict)')
    .option('--explain', 'link each changed function to its explanation (cause, hunks, first differing instruction), as explain gives it');
}
