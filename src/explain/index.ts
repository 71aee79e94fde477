// Why each function changed, as evidence a maintainer can check: the cause (the hunk inside
// it, the changed callee inlined into it and the chain, the referenced symbol, or only
// __LINE__ constants), the first differing instruction pair with its offset and source line,
// and where a new function comes from. Built from a finished check (src/tree) and the two
// objects of each unit; objdump and readelf do the decoding.
import { withLineDirectives, type HunkSpan } from '../tree/line-directives.js';
import type { CheckReport, UnitReport } from '../tree/index.js';
import type { FunctionResult } from '../diff/index.js';
import { readInliningDetail } from '../diff/inlining.js';
import { baseName, isCloneName } from '../diff/names.js';
import { disassemble, firstDifferingPair, type Insn } from './disasm.js';
import { readElfFile, STT } from '../elf/index.js';

export const EXPLAIN_SCHEMA = 'create-diff-module/explain@0';

export interface SourceLine {
  /** Tree-relative path. */
  file: string;
  /** The line in the numbering named by `numbering`. */
  line: number;
  /**
   * `original`: the original file's numbering (the original object; or patched code below a
   * hunk, which the check's #line directives keep on original numbers: `patched_file_line`
   * gives the patched file's number). `patched`: the patched file's own numbering (lines a
   * hunk added, which have no original number). `same`: both numberings agree (code above the
   * first hunk, a file the patch does not change).
   */
  numbering: 'original' | 'patched' | 'same';
  /** For the patched object: the same place in the patched file's numbering. */
  patched_file_line?: number;
  /** The (inlined) function DWARF attributes the instruction to, when not the function itself. */
  inlined_from?: string;
}

export interface FirstDifference {
  /** Set when the first difference lies in a fragment of the function (`foo.cold`), not its body; offsets are then the fragment's. */
  fragment?: string;
  /** Offset of the first differing instruction in the original function (patched when the patch only inserts). */
  offset: number;
  orig_offset: number | null;
  patched_offset: number | null;
  /** The instructions, disassembled (objdump, relocation targets in place); "" where a side has none. */
  orig: string;
  patched: string;
  orig_line: SourceLine | null;
  patched_line: SourceLine | null;
  /** The differ's own description of the first difference. */
  what: string | null;
  /** A few instructions around the pair, aligned: [orig, patched] per row, null for a gap. */
  context: Array<{ orig: { offset: number; text: string } | null; patched: { offset: number; text: string } | null; differs: boolean }>;
}

export interface FunctionExplanation {
  name: string;
  patched_name: string | null;
  object: string;
  tu: string;
  section: string;
  status: FunctionResult['status'];
  cause: FunctionResult['cause'] | null;
  /** Replaced by the live patch (line-numbers-only functions and no-fentry bodies are not). */
  replaced: boolean;
  hunks: Array<{ file: string; line: number }>;
  callees: string[];
  /** Per callee: the inlining chain from this function down to it, and the callee's own hunks. */
  inlined: Array<{ callee: string; chain: string[]; hunks: Array<{ file: string; line: number }> }>;
  /** For a new function: a new definition in the source, a compiler clone, or a function gcc no longer inlines. */
  origin: null | { kind: 'definition' | 'clone' | 'out-of-line'; of?: string };
  replaced_via: string[] | null;
  first_difference: FirstDifference | null;
}

export interface ExplainRecord {
  schema: typeof EXPLAIN_SCHEMA;
  verdict: CheckReport['verdict'];
  changed: string[];
  new: string[];
  functions: FunctionExplanation[];
}

export interface ExplainOptions {
  /** Only these functions (by name or base name). */
  functions?: string[];
  /** Instructions of context on each side of the first difference. */
  context?: number;
}

/** A DWARF path (absolute, into a check mirror) as a tree-relative path. */
export function treeRelative(file: string): string {
  const m = /\/trees\/[0-9a-f]+\/(?:orig|patched)\/(?:\.\/)?(.*)$/.exec(file);
  return m ? m[1]! : file.replace(/^\.\//, '');
}

/**
 * For a patched file with #line directives after its hunks: the line number DWARF reports for
 * each patched-file line (index 1-based), exactly as withLineDirectives places them.
 */
export function reportedLines(patched: string, hunks: HunkSpan[]): number[] {
  const text = withLineDirectives(patched, hunks);
  const reported: number[] = [0];
  let next = 1;
  for (const l of text.split('\n')) {
    const d = /^#line (\d+)$/.exec(l);
    if (d) {
      next = Number(d[1]);
      continue;
    }
    reported.push(next++);
  }
  return reported;
}

interface LineMap { reported: number[]; hunks: HunkSpan[] }

function lineOf(insn: Insn | undefined, fn: string, side: 'orig' | 'patched', maps: Map<string, LineMap>): SourceLine | null {
  if (!insn?.file || insn.line === undefined) return null;
  const file = treeRelative(insn.file);
  const inlinedFrom = insn.inFunction && baseName(insn.inFunction) !== baseName(fn) ? insn.inFunction : undefined;
  const base = { file, line: insn.line, ...(inlinedFrom ? { inlined_from: inlinedFrom } : {}) };
  const map = side === 'patched' ? maps.get(file) : undefined;
  if (!map) return { ...base, numbering: side === 'orig' && maps.has(file) ? 'original' : 'same' };
  // The patched-file lines DWARF would report as insn.line; prefer the line of that very number.
  const candidates: number[] = [];
  for (let p = 1; p < map.reported.length; p++) if (map.reported[p] === insn.line) candidates.push(p);
  if (candidates.length === 0) return { ...base, numbering: 'original' };
  const p = candidates.includes(insn.line) ? insn.line : candidates[0]!;
  const inHunk = map.hunks.some((h) => p >= h.newStart && p < h.newStart + Math.max(1, h.newLines));
  const numbering = inHunk ? 'patched' : p === insn.line ? 'same' : 'original';
  return { ...base, numbering, patched_file_line: p };
}

function context(a: Insn[], b: Insn[], origAt: number, patchedAt: number, n: number): FirstDifference['context'] {
  const rows: FirstDifference['context'] = [];
  for (let k = n; k >= 1; k--) {
    const x = a[origAt - k];
    const y = b[patchedAt - k];
    if (x || y) rows.push({ orig: x ? { offset: x.offset, text: x.text } : null, patched: y ? { offset: y.offset, text: y.text } : null, differs: x?.key !== y?.key });
  }
  for (let k = 0; k <= n; k++) {
    const x = a[origAt + k];
    const y = b[patchedAt + k];
    if (x || y) rows.push({ orig: x ? { offset: x.offset, text: x.text } : null, patched: y ? { offset: y.offset, text: y.text } : null, differs: x?.key !== y?.key || k === 0 });
  }
  return rows;
}

async function firstDifference(u: UnitReport, f: FunctionResult, maps: Map<string, LineMap>, n: number): Promise<FirstDifference | null> {
  if (!u.objects || f.status !== 'changed') return null;
  const what = f.firstDifference?.what ?? null;
  // The function's body first, then its .cold fragments (an unlikely branch, a pr_info).
  const parts: Array<{ name: string; patched: string; section?: string; patchedSection?: string }> = [
    // A function in its own section is `.text.<name>`; the patched clone may be renumbered.
    { name: f.name, patched: f.patchedName ?? f.name, section: f.section, patchedSection: f.patchedName && f.section === `.text.${f.name}` ? `.text.${f.patchedName}` : f.section },
    ...(f.fragments ?? []).map((frag) => ({ name: frag, patched: frag })),
  ];
  for (const part of parts) {
    const [sa, sb] = await Promise.all([part.section ?? sectionOf(u.objects.orig, part.name), part.patchedSection ?? sectionOf(u.objects.patched, part.patched)]);
    if (!sa || !sb) continue;
    const [a, b] = await Promise.all([disassemble(u.objects.orig, sa, part.name), disassemble(u.objects.patched, sb, part.patched)]);
    const pair = firstDifferingPair(a, b);
    if (!pair) continue;
    const x = pair.orig !== undefined ? a[pair.orig] : undefined;
    const y = pair.patched !== undefined ? b[pair.patched] : undefined;
    return {
      ...(part.name !== f.name ? { fragment: part.name } : {}),
      offset: x?.offset ?? y?.offset ?? 0,
      orig_offset: x?.offset ?? null,
      patched_offset: y?.offset ?? null,
      orig: x?.text ?? '',
      patched: y?.text ?? '',
      orig_line: lineOf(x ?? a[pair.origAt], f.name, 'orig', maps),
      patched_line: lineOf(y ?? b[pair.patchedAt], f.patchedName ?? f.name, 'patched', maps),
      what,
      context: context(a, b, pair.origAt, pair.patchedAt, n),
    };
  }
  return what === null ? null : { offset: f.firstDifference!.offset, orig_offset: null, patched_offset: null, orig: '', patched: '', orig_line: null, patched_line: null, what, context: [] };
}

/** The section that holds function `name` in `object` (a .cold fragment's is .text.unlikely.*). */
async function sectionOf(object: string, name: string): Promise<string | undefined> {
  const elf = await readElfFile(object);
  const sym = elf.symbols.find((s) => s.name === name && s.type === STT.FUNC && !s.special && s.shndx > 0);
  return sym ? elf.sections[sym.shndx]?.name : undefined;
}

/** Explain every changed and new function of a finished check. */
export async function explainCheck(report: CheckReport, opts: ExplainOptions = {}): Promise<ExplainRecord> {
  const maps = new Map<string, LineMap>();
  for (const c of report.changes) if (c.patched !== undefined && /\.[ch]$/.test(c.path)) maps.set(c.path, { reported: reportedLines(c.patched, c.hunks), hunks: c.hunks });
  const wanted = (name: string) => !opts.functions?.length || opts.functions.some((w) => w === name || baseName(w) === baseName(name) || w === name.split('.')[0]);
  const out: FunctionExplanation[] = [];
  for (const u of report.units) {
    const fns = (u.diff?.functions ?? []).filter((f) => f.status !== 'removed' && wanted(f.name));
    if (!fns.length) continue;
    const tu = u.path.replace(/\.o$/, '.c');
    const hunksOf = (name: string, status?: string) => report.source.functions
      .filter((sf) => sf.name === baseName(name).split('.')[0] && (status === undefined || sf.status === status) && (sf.tu === tu || /\.h$/.test(sf.tu)))
      .flatMap((sf) => sf.hunks);
    // Inlining chains of both builds (a change can flip gcc's decision), only when asked for.
    const chains = new Map<string, string[][]>();
    const needsChains = (f: FunctionResult) => f.cause === 'inlined' || (f.cause === 'edited' && hunksOf(f.name).length === 0);
    if (u.objects && fns.some(needsChains)) {
      const [o, p] = await Promise.all([readInliningDetail(u.objects.orig), readInliningDetail(u.objects.patched)]);
      for (const m of [o.chains, p.chains]) for (const [k, v] of m) chains.set(k, [...(chains.get(k) ?? []), ...v]);
    }
    const changedHere = [...new Set(report.source.functions.filter((sf) => sf.status === 'changed' && (sf.tu === tu || /\.h$/.test(sf.tu))).map((sf) => sf.name))];
    for (const f of fns) {
      const callees = f.callees ?? [];
      const all = [...(chains.get(f.patchedName ?? f.name) ?? []), ...(chains.get(f.name) ?? [])];
      const chainTo = (callee: string) => all.map((c) => c.slice(0, c.findIndex((x) => baseName(x) === baseName(callee)) + 1)).filter((c) => c.length > 0).sort((x, y) => x.length - y.length)[0];
      let inlined = f.cause === 'inlined'
        ? callees.map((callee) => ({ callee, chain: [f.name, ...(chainTo(callee) ?? [callee])], hunks: hunksOf(callee) }))
        : [];
      if (f.cause === 'edited' && hunksOf(f.name).length === 0) {
        // No hunk inside it: the edited source functions inlined into it are the evidence.
        inlined = changedHere.filter((n) => n !== f.name && chainTo(n)).map((callee) => ({ callee, chain: [f.name, ...chainTo(callee)!], hunks: hunksOf(callee) }));
      }
      let origin: FunctionExplanation['origin'] = null;
      if (f.status === 'new') {
        if (hunksOf(f.name, 'new').length) origin = { kind: 'definition' };
        else if (isCloneName(f.name)) origin = { kind: 'clone', of: f.name.split('.')[0] };
        else origin = { kind: 'out-of-line' };
      }
      out.push({
        name: f.name,
        patched_name: f.patchedName ?? null,
        object: u.object,
        tu,
        section: f.section,
        status: f.status,
        cause: f.cause ?? null,
        replaced: f.cause !== 'line-numbers' && !f.replacedVia,
        hunks: f.status === 'new' ? hunksOf(f.name, 'new') : hunksOf(f.name),
        callees,
        inlined,
        origin,
        replaced_via: f.replacedVia ?? null,
        first_difference: await firstDifference(u, f, maps, opts.context ?? 3),
      });
    }
  }
  const names = (status: string) => out.filter((f) => f.status === status && f.replaced).map((f) => f.name);
  return { schema: EXPLAIN_SCHEMA, verdict: report.verdict, changed: names('changed'), new: names('new'), functions: out };
}

const where = (l: SourceLine | null) => {
  if (!l) return '?';
  const numbering = l.numbering === 'original' ? (l.patched_file_line !== undefined ? `original numbering; patched file line ${l.patched_file_line}` : 'original numbering')
    : l.numbering === 'patched' ? 'patched file numbering' : 'same in both';
  return `${l.file}:${l.line} (${numbering}${l.inlined_from ? `, in inlined ${l.inlined_from}` : ''})`;
};

/** The text view: per function, the cause and a compact side-by-side around the first difference. */
export function formatExplain(r: ExplainRecord): string {
  const lines = [`verdict: ${r.verdict}`];
  if (!r.functions.length) lines.push('no changed or new functions');
  for (const f of r.functions) {
    lines.push('', `${f.name}${f.patched_name ? ` (patched: ${f.patched_name})` : ''}  [${f.status}${f.cause ? `, ${f.cause}` : ''}]  ${f.tu} ${f.section}`);
    const hunks = (h: Array<{ file: string; line: number }>) => h.map((x) => `${x.file}:${x.line}`).join(', ');
    if (f.status === 'new') {
      if (f.origin?.kind === 'definition') lines.push(`  new definition${f.hunks.length ? ` at ${hunks(f.hunks)}` : ''}`);
      else if (f.origin?.kind === 'clone') lines.push(`  compiler clone of ${f.origin.of} that appeared in the patched build`);
      else lines.push('  an out-of-line copy gcc did not emit in the original build (no longer inlined everywhere)');
    } else if (f.cause === 'edited') {
      lines.push(`  edited: ${f.hunks.length ? `hunk(s) at ${hunks(f.hunks)}` : f.inlined.length ? 'no hunk lies inside it; edited functions inlined into it:' : 'changed lines inside it'}`);
      if (!f.hunks.length) for (const i of f.inlined) lines.push(`    ${i.chain.join(' → ')}${i.hunks.length ? `; ${i.callee} changed at ${hunks(i.hunks)}` : ''}`);
    }
    else if (f.cause === 'inlined') for (const i of f.inlined) lines.push(`  inlined: ${i.chain.join(' → ')}${i.hunks.length ? `; ${i.callee} changed at ${hunks(i.hunks)}` : ''}`);
    else if (f.cause === 'reference') lines.push(`  reference: ${f.callees.length ? `uses ${f.callees.join(', ')}` : f.first_difference?.what ?? 'a referenced symbol, string or constant changed'}`);
    else if (f.cause === 'line-numbers') lines.push('  line numbers only (__LINE__ constants moved): not a functional change, not replaced');
    if (f.replaced_via) lines.push(`  no fentry: replaced through ${f.replaced_via.join(', ')}`);
    const d = f.first_difference;
    if (d) {
      if (!d.context.length) {
        lines.push(`  no instruction differs${d.what ? `: ${d.what}` : ''}`);
        continue;
      }
      lines.push(`  first difference at ${d.fragment ? `${d.fragment}` : ''}+0x${d.offset.toString(16)}${d.what ? ` (${d.what})` : ''}`);
      lines.push(`    original: ${where(d.orig_line)}`, `    patched:  ${where(d.patched_line)}`);
      const cell = (c: { offset: number; text: string } | null) => (c ? `+0x${c.offset.toString(16).padEnd(4)} ${c.text}` : '');
      const width = Math.min(60, Math.max(20, ...d.context.map((c) => cell(c.orig).length)));
      lines.push(`    ${'original'.padEnd(width)} │ patched`);
      for (const c of d.context) {
        const left = cell(c.orig);
        lines.push(`  ${c.differs ? '>' : ' '} ${(left.length > width ? `${left.slice(0, width - 1)}…` : left).padEnd(width)} │ ${cell(c.patched)}`);
      }
    }
  }
  lines.push('', `changed: ${r.changed.join(', ') || '(none)'}`, `new: ${r.new.join(', ') || '(none)'}`);
  return lines.join('\n');
}
