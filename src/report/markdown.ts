// Markdown view: a summary for a pull-request comment. The verdict, the counts, one table of
// the findings that need a person (block, care, review) with file:line, evidence and remedy,
// waived findings apart, and the functions the live patch replaces and adds.
import { ruleInfo } from './kinds.js';
import { countFindings, type ReportFinding, type ReportRecord } from './model.js';
import { waiverFor } from './waivers.js';

const VERDICT: Record<ReportRecord['verdict'], string> = {
  patchable: '**patchable**: nothing blocks a live patch',
  'not-patchable': '**not live-patchable** as it stands: see the blocking findings and their remedies',
  'no-change': '**no functional change**: nothing to patch',
};

/** Table-cell text: code spans kept, pipes escaped, HTML and newlines neutralised outside code. */
function cell(text: string): string {
  return text
    .replace(/\r?\n/g, ' ')
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part.replace(/\|/g, '\\|') : part.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/([*_[\]])/g, '\\$1')))
    .join('');
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}

const EVIDENCE: Record<ReportFinding['evidence'], string> = { source: 'source', object: 'object', both: 'source + object' };

function table(findings: ReportFinding[], r: ReportRecord, waived: boolean): string[] {
  const head = waived ? '| Kind | Where | What | Why waived |' : '| Severity | Kind | Where | What | Evidence | Remedy |';
  const rule = waived ? '| --- | --- | --- | --- |' : '| --- | --- | --- | --- | --- | --- |';
  const rows = findings.map((f) => {
    const where = code(f.line ? `${f.file}:${f.line}` : f.file);
    if (waived) {
      const w = waiverFor(r, f.kind);
      return `| ${code(f.kind)} | ${where} | ${cell(f.message)} | ${w?.reason ? `${cell(w.reason)} (${code(w.from)})` : code(w?.from ?? '--allow')} |`;
    }
    return `| ${f.severity} | ${code(f.kind)} | ${where} | ${cell(f.message)}${f.confidence === 'low' ? ' _(low confidence)_' : ''} | ${EVIDENCE[f.evidence]} | ${f.remedy ? cell(f.remedy) : ''} |`;
  });
  return [head, rule, ...rows];
}

export interface MarkdownOptions {
  /** Heading text (default: the tool's name). */
  title?: string;
}

export function toMarkdown(r: ReportRecord, opts: MarkdownOptions = {}): string {
  const n = countFindings(r.findings);
  const out: string[] = [`### ${opts.title ?? 'create-diff-module'}: ${r.verdict}`, '', VERDICT[r.verdict], ''];
  const counts = [`${n.block} blocking`, `${n.care} to handle with care`, `${n.review} to review`];
  if (n.waived) counts.push(`${n.waived} waived`);
  out.push(`Findings: ${counts.join(', ')}${n.info ? ` (and ${n.info} for information)` : ''}.`, '');
  if (r.changed.length) out.push(`**Replaces:** ${r.changed.map(code).join(', ')}  `);
  if (r.new.length) out.push(`**Adds:** ${r.new.map(code).join(', ')}  `);
  if (r.changed.length || r.new.length) out.push('');

  const open = r.findings.filter((f) => !f.waived && f.severity !== 'info');
  if (open.length) out.push(...table(open, r, false), '');
  const waived = r.findings.filter((f) => f.waived);
  if (waived.length) out.push('<details><summary>Waived findings</summary>', '', ...table(waived, r, true), '', '</details>', '');

  const kinds = [...new Set(open.filter((f) => f.severity === 'block').map((f) => f.kind))];
  if (kinds.length) {
    out.push('<details><summary>Why these block a live patch</summary>', '');
    for (const k of kinds) out.push(`* ${code(k)}: ${cell(ruleInfo(k).help)}`);
    out.push('', '</details>', '');
  }

  const fns = r.functions.filter((f) => f.cause !== 'line-numbers');
  if (r.tus?.length && fns.length) {
    out.push('<details><summary>Functions per translation unit</summary>', '', '| TU | Object | Function | Status | Why |', '| --- | --- | --- | --- | --- |');
    for (const f of fns) {
      const why = f.cause === 'inlined' ? `${(f.callees ?? []).map(code).join(', ')} inlined into it`
        : f.cause === 'reference' ? `calls ${(f.callees ?? []).map(code).join(', ')}, which has no fentry`
        : f.replaced_via?.length ? `no fentry: replaced through ${f.replaced_via.map(code).join(', ')}` : (f.cause ?? '');
      out.push(`| ${code(f.tu)} | ${f.object ?? ''} | ${code(f.name)} | ${f.status} | ${why} |`);
    }
    out.push('', '</details>', '');
  }
  out.push('<sub>Exit codes: 0 patchable, 1 not live-patchable, 2 bad input, 3 no change, 4 environment, 70 internal error. Waive a reviewed kind with <code>--allow KIND</code> or <code>.create-diff-module.json</code>.</sub>');
  return out.join('\n') + '\n';
}
