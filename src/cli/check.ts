// `check --src <tree> <patch>...`: compile what the diff affects, original and patched, and
// give the verdict per TU and for the whole patch.
import { checkExitCode, checkTree, type CheckReport } from '../tree/index.js';
import { toJson, type Output } from './output.js';

export const REPORT_SCHEMA = 'create-diff-module/report@0';

export interface Finding {
  kind: string;
  severity: 'block' | 'care' | 'review' | 'info';
  file: string;
  line: number | null;
  symbol: string | null;
  section: string | null;
  message: string;
  remedy: string | null;
  evidence: 'source' | 'object' | 'both';
}

/** The shared report record (DESIGN "Errors and output"), filled with what check knows. */
export function checkRecord(report: CheckReport) {
  const functions = report.units.flatMap((u) => (u.diff?.functions ?? []).map((f) => ({
    name: f.name, object: u.object, tu: u.path.replace(/\.o$/, '.c'), section: f.section, sympos: null,
    status: f.status, cause: f.cause ?? null, callees: f.callees ?? [],
    hunks: report.source.functions.find((sf) => sf.name === f.name.split('.')[0] && sf.tu === u.path.replace(/\.o$/, '.c'))?.hunks ?? [],
    first_difference: f.firstDifference ?? null, patchable: f.patchable, replaced_via: f.replacedVia ?? null,
  })));
  const targets = (s: string) => functions.filter((f) => f.status === s && f.cause !== 'line-numbers' && !f.replaced_via).map((f) => f.name);
  return {
    schema: REPORT_SCHEMA,
    verdict: report.verdict,
    changed: targets('changed'),
    new: targets('new'),
    functions,
    findings: mergeFindings(report),
    tus: report.units.map((u) => ({ path: u.path.replace(/\.o$/, '.c'), object: u.object, verdict: u.verdict, timings: u.timings })),
    changed_files: report.changedFiles,
    apply_notes: report.applyNotes,
    unhandled_files: report.unhandledFiles,
    headers: report.headers,
    timings: report.timings,
  };
}

/** Object kinds that confirm a source kind: the same fact seen in both. */
const CONFIRMS: Record<string, string[]> = {
  'changed-init': ['init-code-changed'],
  'changed-data': ['data-initializer-changed', 'static-local-changed'],
  'new-export': ['export-added'],
  'not-traceable': ['untraceable-function'],
  'changed-rodata-shared': ['ops-table-changed', 'const-data-changed'],
};

/** Object problems and source findings in one list; a pair that agrees is one finding with evidence "both". */
function mergeFindings(report: CheckReport): Finding[] {
  const source: Finding[] = report.source.findings.map((f) => ({
    kind: f.kind, severity: f.severity, file: f.file, line: f.line, symbol: f.symbol, section: null,
    message: f.message, remedy: f.remedy, evidence: 'source',
  }));
  const out: Finding[] = [];
  for (const u of report.units) {
    const tu = u.path.replace(/\.o$/, '.c');
    if (u.verdict === 'not-built') {
      out.push({ kind: 'not-built', severity: 'info', file: tu, line: null, symbol: null, section: null, message: u.message ?? '', remedy: null, evidence: 'object' });
      continue;
    }
    for (const p of u.diff?.problems ?? []) {
      const at = source.findIndex((f) => (CONFIRMS[p.kind] ?? []).includes(f.kind) && (f.symbol === null || p.symbol === undefined || f.symbol === p.symbol || p.symbol.startsWith(`${f.symbol}.`)));
      // The source finding that says the same thing is folded into this one.
      const match = at >= 0 ? source.splice(at, 1)[0] : undefined;
      out.push({
        kind: p.kind, severity: p.severity ?? 'block', file: match?.file ?? tu, line: match?.line ?? null, symbol: p.symbol ?? null,
        section: p.section ?? null, message: p.message, remedy: match?.remedy ?? null, evidence: match ? 'both' : 'object',
      });
    }
  }
  return [...out, ...source];
}

export async function checkCommand(patches: string[], opts: { src: string; config?: string; json?: boolean; jobs?: string; skipCompilerCheck?: boolean }, io: Output): Promise<number> {
  const quiet = opts.json || process.env.CI === 'true' || !process.stderr.isTTY;
  const report = await checkTree({
    src: opts.src,
    config: opts.config,
    patches,
    jobs: opts.jobs ? Number(opts.jobs) : undefined,
    skipCompilerCheck: opts.skipCompilerCheck,
    log: quiet ? undefined : (line) => io.err(line),
  });
  const record = checkRecord(report);
  if (opts.json) io.out(toJson(record));
  else io.out(formatCheck(record));
  return checkExitCode(report);
}

function formatCheck(r: ReturnType<typeof checkRecord>): string {
  const lines = [`verdict: ${r.verdict}`];
  for (const tu of r.tus) {
    lines.push(`${tu.path} (${tu.object}): ${tu.verdict}`);
    for (const f of r.functions.filter((x) => x.tu === tu.path)) {
      let line = `  ${f.status.padEnd(8)} ${f.name}`;
      if (f.cause === 'inlined') line += `  [because ${f.callees.join(', ')} inlined into it]`;
      if (f.cause === 'line-numbers') line += '  [line numbers only: not replaced]';
      if (f.cause === 'reference') line += `  [calls ${f.callees.join(', ')}, which has no fentry]`;
      if (f.replaced_via) line += `  [no fentry: replaced through ${f.replaced_via.join(', ')}]`;
      lines.push(line);
    }
    for (const x of r.findings.filter((y) => y.file === tu.path)) lines.push(`  ${x.severity === 'block' ? 'problem' : 'note'}: [${x.kind}] ${x.message}`);
  }
  if (r.unhandled_files.length) lines.push(`not analysed (not C): ${r.unhandled_files.join(', ')}`);
  lines.push(`changed: ${r.changed.join(', ') || '(none)'}`, `new: ${r.new.join(', ') || '(none)'}`);
  return lines.join('\n');
}
