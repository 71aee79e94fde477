// The terminal view of a report record: the verdict first, then what the patch replaces and
// adds, per TU when the objects were compiled, then every finding as `file:line: severity
// [kind] message` with its remedy. Colour only on a TTY and never with NO_COLOR.
import pc from 'picocolors';
import { waiverFor } from './waivers.js';
import type { ReportFinding, ReportRecord, Severity } from './model.js';

export interface Colors {
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  green(s: string): string;
}

export interface TextOptions {
  color?: Colors;
  /** Show info findings too (default: only a count). */
  verbose?: boolean;
}

const plain: Colors = { red: (s) => s, yellow: (s) => s, cyan: (s) => s, dim: (s) => s, bold: (s) => s, green: (s) => s };

/** Colour for a stream: only when it is a terminal and NO_COLOR is unset or empty (no-color.org). */
export function colorsFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Colors | undefined {
  const enabled = stream.isTTY === true && !(env.NO_COLOR !== undefined && env.NO_COLOR !== '');
  return enabled ? pc.createColors(true) : undefined;
}

function flagsOf(r: ReportRecord, f: ReportFinding): string {
  const flags: string[] = [];
  if (f.waived) {
    const w = waiverFor(r, f.kind);
    flags.push(w?.reason ? `waived: ${w.reason}` : 'waived');
  }
  if (f.confidence === 'low') flags.push('low confidence');
  if (f.evidence === 'object') flags.push('seen in the object');
  if (f.evidence === 'both') flags.push('source and object agree');
  return flags.join('; ');
}

function functionLine(f: ReportRecord['functions'][number]): string {
  let line = `    ${f.status.padEnd(8)} ${f.name}`;
  const callees = (f.callees ?? []).join(', ');
  if (f.cause === 'inlined') line += `  [because ${callees} inlined into it]`;
  if (f.cause === 'line-numbers') line += '  [line numbers only: not replaced]';
  if (f.cause === 'reference') line += `  [calls ${callees}, which has no fentry]`;
  if (f.replaced_via?.length) line += `  [no fentry: replaced through ${f.replaced_via.join(', ')}]`;
  return line;
}

export function formatText(r: ReportRecord, opts: TextOptions = {}): string {
  const c = opts.color ?? plain;
  const verdictText = r.verdict === 'patchable' ? c.green('patchable') : r.verdict === 'not-patchable' ? c.red('not-patchable') : c.cyan('no-change');
  const lines = [`verdict: ${verdictText}`];
  if (r.changed.length) lines.push(`changed: ${r.changed.join(', ')}`);
  if (r.new.length) lines.push(`new: ${r.new.join(', ')}`);
  if (r.tus?.length) {
    lines.push('translation units:');
    for (const tu of r.tus) {
      lines.push(`  ${tu.path}${tu.object ? ` (${tu.object})` : ''}: ${tu.verdict}`);
      for (const f of r.functions.filter((x) => x.tu === tu.path)) lines.push(functionLine(f));
    }
  }
  const label: Record<Severity, string> = { block: c.red('block'), care: c.yellow('care'), review: c.cyan('review'), info: c.dim('info') };
  const shown = r.findings.filter((f) => opts.verbose || f.severity !== 'info');
  for (const f of shown) {
    const where = f.line ? `${f.file}:${f.line}` : f.file;
    const flags = flagsOf(r, f);
    lines.push(`${where}: ${label[f.severity]} [${f.kind}] ${f.message}${flags ? c.dim(` (${flags})`) : ''}`);
    if (f.remedy && f.severity !== 'info') lines.push(c.dim(`    remedy: ${f.remedy}`));
  }
  const hidden = r.findings.length - shown.length;
  if (hidden > 0) lines.push(c.dim(`(${hidden} info finding${hidden === 1 ? '' : 's'} not shown; --verbose shows them)`));
  for (const n of r.applied ?? []) lines.push(c.dim(`note: ${n.file}: hunk ${n.hunk} applied${n.offset ? ` with offset ${n.offset}` : ''}${n.fuzz ? ` with fuzz ${n.fuzz}` : ''}`));
  for (const n of r.apply_notes ?? []) lines.push(c.dim(`note: ${n}`));
  if (r.unhandled_files?.length) lines.push(c.dim(`not analysed (not C): ${r.unhandled_files.join(', ')}`));
  return lines.join('\n') + '\n';
}
