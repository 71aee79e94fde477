// Source analysis of one patched tree: for every file the patches touch, parse the original
// and the patched text, find the top-level declarations the changed lines touch, compare
// old and new structurally (normalized tokens: comments and layout are not changes) and
// turn each difference into findings with file:line, kind, severity, message and remedy.
import { structuredPatch } from 'diff';
import type { FileChange } from '../patch/index.js';
import { parseC, headerAnnotations, type Decl, type Node, type ParsedFile } from './decls.js';
import { KINDS, type FindingKind, type Severity } from './kinds.js';
import { blankComments, normalize } from './mask.js';
import { INIT_ANNOTATIONS, UNTRACEABLE, textOf, declText, signatureOf, withoutAnnotations, isStatic, isInline, isConstData, isHeader } from './decl-text.js';
import { type Member, membersOf, structBody, structAttributes, lcs, enumeratorsOf, defineValue, isConstantValue, familyPrefix } from './shapes.js';
import { SLEEP_CALL, UNBOUNDED_LOOP, ALWAYS_ON_STACK, bodyFacts } from './body.js';

export interface Finding {
  kind: FindingKind;
  severity: Severity;
  /** The patched file (the original for a deleted file), tree-relative. */
  file: string;
  /** 1-based line in the patched file. */
  line: number | null;
  symbol: string | null;
  message: string;
  remedy: string | null;
  evidence: 'source';
  /** `low` when the declaration did not parse cleanly (macros): analysed as text where needed. */
  confidence: 'high' | 'low';
  /** Set when waived with --allow. */
  waived?: boolean;
}

export interface FunctionChange {
  name: string;
  /** The .c file (for a header: the header; every including TU is affected). */
  tu: string;
  status: 'changed' | 'new' | 'removed';
  cause: 'edited';
  hunks: { file: string; line: number }[];
}

export interface SourceAnalysis {
  findings: Finding[];
  functions: FunctionChange[];
  /** Files with a functional change (not only comments, whitespace, docs). */
  changedFiles: string[];
  /** Number of declarations that differ. */
  changes: number;
}

export interface AnalyzeOptions {
  /** Estimated TUs including a header (tree-relative path), for messages; optional. */
  tuEstimate?: (header: string) => Promise<{ count: number; direct: number } | undefined>;
}

// ---------------------------------------------------------------------------------------
// Changed lines.

interface Range {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
}

function changedRanges(before: string, after: string): Range[] {
  const p = structuredPatch('a', 'b', before, after, '', '', { context: 0 });
  return p.hunks.map((h) => ({ oldStart: h.oldStart, oldLines: h.oldLines, newStart: h.newStart, newLines: h.newLines }));
}

function touches(d: Decl, ranges: Range[], side: 'old' | 'new'): boolean {
  for (const r of ranges) {
    const start = side === 'old' ? r.oldStart : r.newStart;
    const lines = side === 'old' ? r.oldLines : r.newLines;
    if (lines > 0) {
      if (start <= d.endLine && start + lines - 1 >= d.startLine) return true;
    } else if (start >= d.startLine && start < d.endLine) {
      // Pure insertion/deletion after line `start`, inside the declaration.
      return true;
    }
  }
  return false;
}

/** New-side lines that were added inside [from, to]. */
function addedLinesIn(ranges: Range[], from: number, to: number): number[] {
  const out: number[] = [];
  for (const r of ranges) for (let l = r.newStart; l < r.newStart + r.newLines; l++) if (l >= from && l <= to) out.push(l);
  return out;
}

/** Where an old line sits in the patched file. */
function newLineOf(ranges: Range[], oldLine: number): number {
  let delta = 0;
  for (const r of ranges) {
    const oldEnd = r.oldStart + Math.max(r.oldLines, 1) - 1;
    if (r.oldLines > 0 && oldLine >= r.oldStart && oldLine <= oldEnd) return Math.max(1, r.newStart);
    if (r.oldStart < oldLine) delta += r.newLines - r.oldLines;
  }
  return Math.max(1, oldLine + delta);
}

// ---------------------------------------------------------------------------------------
// The analysis.

class Collector {
  findings: Finding[] = [];
  functions: FunctionChange[] = [];
  changes = 0;
  changedFiles = new Set<string>();

  add(kind: FindingKind, file: string, line: number | null, symbol: string | null, message: string, lowConfidence = false, remedy?: string | null): void {
    const info = KINDS[kind];
    this.findings.push({
      kind, severity: info.severity, file, line, symbol, message,
      remedy: remedy === undefined ? info.remedy : remedy, evidence: 'source', confidence: lowConfidence ? 'low' : 'high',
    });
  }
}

const DOC_FILE = /^(Documentation\/|LICENSES\/|MAINTAINERS$|CREDITS$|README|COPYING$|\.mailmap$|\.gitignore$|.*\/\.gitignore$|.*\.(rst|txt|md)$)/;
const OUTSIDE = /^(tools|scripts|samples|usr)\//;
const BUILD_FILE = /(^|\/)(Makefile[^/]*|Kbuild[^/]*|Kconfig[^/]*|[^/]*\.mk|[^/]*\.lds(\.S)?)$/;

function headerTuNote(est: { count: number; direct: number } | undefined): string {
  if (!est) return '';
  return ` (estimate: about ${est.count} .c file${est.count === 1 ? '' : 's'} include it, ${est.direct} directly; from #include lines, not this configuration)`;
}

export async function analyzeChanges(files: FileChange[], opts: AnalyzeOptions = {}): Promise<SourceAnalysis> {
  const c = new Collector();
  for (const fc of files) {
    const file = fc.newPath ?? fc.oldPath!;
    if (fc.before === fc.after && fc.oldPath === fc.newPath) continue;
    if (DOC_FILE.test(file)) {
      c.add('not-kernel-code', file, null, null, `${file}: documentation; not part of the running kernel`);
      continue;
    }
    if (BUILD_FILE.test(file) && !OUTSIDE.test(file)) {
      c.add('build-system-changed', file, firstChangedLine(fc), null, `${file} changed: build-system changes alter what is built or linked, which a live patch cannot do`);
      c.changes++;
      c.changedFiles.add(file);
      continue;
    }
    if (OUTSIDE.test(file)) {
      c.add('not-kernel-code', file, null, null, `${file}: ${file.split('/')[0]}/ is not part of the running kernel`);
      continue;
    }
    if (/\.S$/.test(file)) {
      c.add('assembly-changed', file, firstChangedLine(fc), null, `${file}: assembly source changed; its functions have no fentry call and cannot be redirected`);
      c.changes++;
      c.changedFiles.add(file);
      continue;
    }
    if (!/\.[ch]$/.test(file)) {
      c.add('other-file-changed', file, firstChangedLine(fc), null, `${file}: not a C source; lint does not analyse it`);
      c.changes++;
      c.changedFiles.add(file);
      continue;
    }
    await analyzeCFile(c, fc, file, opts);
  }
  return { findings: c.findings, functions: c.functions, changedFiles: [...c.changedFiles], changes: c.changes };
}

function firstChangedLine(fc: FileChange): number | null {
  const r = changedRanges(fc.before ?? '', fc.after ?? '');
  return r[0] ? Math.max(1, r[0].newStart) : null;
}

async function analyzeCFile(c: Collector, fc: FileChange, file: string, opts: AnalyzeOptions): Promise<void> {
  const before = fc.before ?? '';
  const after = fc.after ?? '';
  const oldF = parseC(before);
  const newF = parseC(after);
  const ranges = changedRanges(before, after);
  const header = isHeader(file);
  let tuNoteCache: Promise<string> | undefined;
  const tuNote = () => (tuNoteCache ??= header && opts.tuEstimate ? opts.tuEstimate(file).then(headerTuNote).catch(() => '') : Promise.resolve(''));

  const touchedKeys = new Set<string>();
  for (const d of oldF.decls) if (touches(d, ranges, 'old')) touchedKeys.add(d.key);
  for (const d of newF.decls) if (touches(d, ranges, 'new')) touchedKeys.add(d.key);
  if (!fc.before || !fc.after) {
    // Created or deleted: everything in it.
    for (const d of [...oldF.decls, ...newF.decls]) touchedKeys.add(d.key);
  }
  const oldByKey = new Map(oldF.decls.map((d) => [d.key, d]));
  const newByKey = new Map(newF.decls.map((d) => [d.key, d]));
  const exportsOf = (f: ParsedFile) => new Map(f.decls.filter((d) => d.kind === 'export').map((d) => [d.name, d.viaMacro ?? '']));
  const oldExports = exportsOf(oldF);
  const newExports = exportsOf(newF);

  let fileChanged = false;
  for (const key of touchedKeys) {
    const o = oldByKey.get(key);
    const n = newByKey.get(key);
    if (o && n && declText(oldF, o) === declText(newF, n)) {
      if (o.conditions.join('|') !== n.conditions.join('|')) {
        c.add('preproc-condition-changed', file, n.startLine, n.name, `${n.name} is now compiled ${n.conditions.length ? `under ${n.conditions.join(' / ')}` : 'unconditionally'} (was ${o.conditions.length ? o.conditions.join(' / ') : 'unconditional'})`);
        c.changes++;
        fileChanged = true;
      }
      continue; // Comments or whitespace only.
    }
    const d = (n ?? o)!;
    if (d.kind === 'include' || d.kind === 'prototype' && !(o && n)) continue;
    const line = n ? addedLinesIn(ranges, n.startLine, n.endLine)[0] ?? n.startLine : newLineOf(ranges, o!.startLine);
    const low = !!(o?.hasError || n?.hasError);
    const ctx: Ctx = { c, file, oldF, newF, o, n, line, low, header, ranges, tuNote, oldExports, newExports };
    fileChanged = true;
    c.changes++;
    switch (d.kind) {
      case 'function':
        await compareFunction(ctx);
        break;
      case 'prototype':
        compareSignatureOnly(ctx);
        break;
      case 'struct':
      case 'union':
        await compareStruct(ctx);
        break;
      case 'enum':
        compareEnum(ctx);
        break;
      case 'typedef':
        compareTypedef(ctx);
        break;
      case 'data':
      case 'extern':
        compareData(ctx);
        break;
      case 'define':
      case 'macro':
        await compareDefine(ctx);
        break;
      case 'export':
        compareExport(ctx);
        break;
      case 'macro-call':
        compareMacroCall(ctx);
        break;
      case 'unparsed':
      default:
        c.add('unparsed-change', file, line, d.name === '?' ? null : d.name, `a change in a region the parser could not read (near ${d.name}, lines ${d.startLine}-${d.endLine}); compared as text only`, true);
    }
  }
  // Changed lines no declaration covers: never dropped silently (one finding per hunk).
  const conditionReported = c.findings.some((f) => f.file === file && f.kind === 'preproc-condition-changed');
  for (const s of strayLines(oldF, newF, ranges)) {
    if (s.preproc && conditionReported) continue;
    fileChanged = true;
    c.changes++;
    if (s.preproc) c.add('preproc-condition-changed', file, s.line, null, `preprocessor line changed (\`${shorten(s.text)}\`): what is compiled under it may change`);
    else c.add('unparsed-change', file, s.line, null, `a change outside any declaration the parser recognised (\`${shorten(s.text)}\`); compared as text only`, true);
  }
  if (fileChanged) c.changedFiles.add(file);
}

function strayLines(oldF: ParsedFile, newF: ParsedFile, ranges: Range[]): { line: number; text: string; preproc: boolean }[] {
  const out: { line: number; text: string; preproc: boolean }[] = [];
  const blanked = { old: undefined as string[] | undefined, new: undefined as string[] | undefined };
  const lines = (f: ParsedFile, side: 'old' | 'new', start: number, count: number) => {
    const got: { line: number; text: string }[] = [];
    for (let l = start; l < start + count; l++) {
      if (f.decls.some((d) => d.startLine <= l && l <= d.endLine)) continue;
      const b = (blanked[side] ??= blankComments(f.text).split('\n'));
      const text = normalize(b[l - 1] ?? '');
      if (!text || text === '\\' || /^# (include|undef|endif|else)\b/.test(text)) continue;
      got.push({ line: l, text });
    }
    return got;
  };
  for (const r of ranges) {
    const n = lines(newF, 'new', r.newStart, r.newLines);
    const o = lines(oldF, 'old', r.oldStart, r.oldLines);
    // The same text removed and added (a moved line) is not a change.
    const oTexts = o.map((x) => x.text).sort().join('\n');
    const nTexts = n.map((x) => x.text).sort().join('\n');
    if (oTexts === nTexts) continue;
    const all = [...n, ...o];
    const preproc = all.every((x) => /^# (if|ifdef|ifndef|elif|elifdef|pragma|error|warning)\b/.test(x.text));
    const first = n[0] ?? o[0]!;
    out.push({ line: n[0] ? first.line : newLineOf(ranges, first.line), text: first.text, preproc });
  }
  return out;
}

interface Ctx {
  c: Collector;
  file: string;
  oldF: ParsedFile;
  newF: ParsedFile;
  o?: Decl;
  n?: Decl;
  line: number;
  low: boolean;
  header: boolean;
  ranges: Range[];
  tuNote: () => Promise<string>;
  oldExports: Map<string, string>;
  newExports: Map<string, string>;
}

async function compareFunction(x: Ctx): Promise<void> {
  const { c, file, o, n, line } = x;
  const d = (n ?? o)!;
  const name = d.name;
  const anno = [...new Set([...(o ? headerAnnotations(x.oldF, o) : []), ...(n ? headerAnnotations(x.newF, n) : [])])];
  const headerLow = (decl: Decl | undefined, f: ParsedFile) => !!decl && (decl.body ? decl.node.hasError && !decl.body.hasError : decl.hasError) && f === f;
  const sigLow = headerLow(o, x.oldF) || headerLow(n, x.newF);
  const bodyLow = !!(o?.body?.hasError || n?.body?.hasError);
  const fnLabel = d.syscall ? `${d.syscall.macro}(${d.syscall.name})` : d.viaMacro ? `${d.viaMacro}(${name})` : name;
  const hunks = n ? addedLinesIn(x.ranges, n.startLine, n.endLine).slice(0, 20).map((l) => ({ file, line: l })) : [];
  const initAnno = anno.filter((a) => INIT_ANNOTATIONS.test(a));
  const untraceable = anno.filter((a) => UNTRACEABLE.test(a));

  if (!o) {
    c.functions.push({ name, tu: file, status: 'new', cause: 'edited', hunks: hunks.length ? hunks : [{ file, line }] });
    c.add('function-added', file, n!.startLine, name, `new function ${fnLabel}${initAnno.length ? ` (${initAnno.join(', ')})` : ''}`, sigLow);
    if (initAnno.length) c.add('init-code-changed', file, n!.startLine, name, `new ${initAnno.join('/')} function ${name}: init code runs once at boot or load; a live patch never runs it`, sigLow);
    return;
  }
  if (!n) {
    c.functions.push({ name, tu: file, status: 'removed', cause: 'edited', hunks: [{ file, line }] });
    if (isStatic(o)) c.add('removed-declaration', file, line, name, `static function ${name} removed; the running kernel keeps its copy`, sigLow);
    else c.add('function-removed', file, line, name, `global function ${name} removed${x.oldExports.has(name) ? ' (it was exported)' : ''}: callers elsewhere still call the running kernel's copy`, sigLow);
    return;
  }
  c.functions.push({ name: d.syscall ? `__do_sys_${d.syscall.name}` : name, tu: file, status: 'changed', cause: 'edited', hunks: hunks.length ? hunks : [{ file, line }] });

  const oldSig = signatureOf(x.oldF, o);
  const newSig = signatureOf(x.newF, n);
  const oldAnno = headerAnnotations(x.oldF, o).sort().join(' ');
  const newAnno = headerAnnotations(x.newF, n).sort().join(' ');
  const sigChanged = withoutAnnotations(oldSig) !== withoutAnnotations(newSig) || (d.syscall && x.oldF.masked.syscalls.size > 0 && syscallHeader(x.oldF, o) !== syscallHeader(x.newF, n));
  const bodyChanged = normalize(textOf(x.oldF, o.body?.startIndex ?? o.end, o.end)) !== normalize(textOf(x.newF, n.body?.startIndex ?? n.end, n.end));

  if (initAnno.length) {
    c.add('init-code-changed', file, line, name, `${name} is ${initAnno.join('/')} code: ${initAnno.some((a) => a.includes('exit')) ? 'exit code of built-in code never runs and module exit code runs only at unload' : 'it ran once at boot or module load and was freed'}; a live patch cannot change it`, sigLow);
  }
  if (untraceable.length) {
    c.add('untraceable-function', file, line, name, `${name} is ${untraceable.join('/')}: it has no fentry call, so a live patch cannot redirect it`, sigLow);
  }
  if (oldAnno !== newAnno) {
    const added = newAnno.split(' ').filter((a) => a && !oldAnno.split(' ').includes(a));
    const removed = oldAnno.split(' ').filter((a) => a && !newAnno.split(' ').includes(a));
    const what = [...added.map((a) => `adds ${a}`), ...removed.map((a) => `drops ${a}`)].join(', ');
    if (![...added, ...removed].some((a) => INIT_ANNOTATIONS.test(a) || UNTRACEABLE.test(a))) {
      c.add('signature-changed-static', file, line, name, `${name}: annotation change (${what}) changes how the function is compiled or placed`, sigLow);
    }
  }
  if (sigChanged) {
    const exported = x.oldExports.has(name) || x.newExports.has(name);
    const global = !isStatic(o) || !isStatic(n);
    if (d.syscall) {
      c.add('signature-changed', file, line, name, `${fnLabel}: the system call's arguments changed; user space and the syscall table still use the old ones`, sigLow);
    } else if (exported || global || x.header) {
      c.add('signature-changed', file, line, name, `${name}: signature changed from \`${withoutAnnotations(oldSig)}\` to \`${withoutAnnotations(newSig)}\`${exported ? '; it is exported, so modules call it with the old signature' : global ? '; it is global, so callers in other TUs use the old signature' : ''}`, sigLow);
    } else {
      c.add('signature-changed-static', file, line, name, `static ${name}: signature changed; every caller in ${file} changes with it and is replaced too`, sigLow);
    }
  }
  if (!bodyChanged && !sigChanged) return;

  const inline = isInline(x.newF, n);
  if (x.header) {
    const note = await x.tuNote();
    c.add('header-inline-changed', file, line, name, `${inline ? 'inline ' : ''}function ${name} in header ${file} changed: every TU that uses it changes, and each function it is inlined into is replaced${note}`, sigLow || bodyLow);
  } else {
    c.add('function-changed', file, line, name, `${fnLabel}: function body changed${inline ? ' (inline: its callers in this file change too)' : ''}`, bodyLow);
  }
  if (d.syscall) {
    const s = d.syscall;
    const pre = s.compat ? 'compat_sys' : 'sys';
    c.add('syscall-changed', file, line, name, `${s.macro}(${s.name}) body changed: patchable through the generated __do_${pre}_${s.name} (body), __se_${pre}_${s.name} (sign extension) and __x64_${pre}_${s.name}/__ia32_${pre}_${s.name} (entry stubs); \`check\` names the ones the compiler kept`, sigLow);
  }
  const newBodyText = textOf(x.newF, n.body?.startIndex ?? n.start, n.end);
  if (/\b(asm|__asm__|asm_inline|asm_volatile_goto)\b/.test(normalize(newBodyText))) {
    const notes: string[] = [];
    if (/\b(ALTERNATIVE\w*|alternative\w*|static_cpu_has)\b/.test(newBodyText)) notes.push('alternatives (.altinstructions)');
    if (/\b(_ASM_EXTABLE\w*|EX_TABLE)\b/.test(newBodyText)) notes.push('exception-table entries (__ex_table)');
    if (/\basm\s+(volatile\s+)?goto\b|\basm_volatile_goto\b/.test(newBodyText)) notes.push('asm goto (jump labels)');
    c.add('inline-asm', file, line, name, `${name} contains inline assembly${notes.length ? `; it creates ${notes.join(', ')}, which must be carried with the function` : ''}`, bodyLow);
  }
  const normBody = normalize(newBodyText);
  if (ALWAYS_ON_STACK.has(name) || (UNBOUNDED_LOOP.test(normBody) && SLEEP_CALL.test(newBodyText))) {
    c.add('always-on-stack', file, line, name, ALWAYS_ON_STACK.has(name)
      ? `${name} is practically always on some task's stack (scheduler, idle or kthread loop): the transition may never finish`
      : `${name} loops forever and sleeps inside the loop (a kthread or service loop): tasks sleeping in it keep the transition from finishing`, bodyLow);
  }
  if (o.body && n.body) {
    const of = bodyFacts(x.oldF, o.body);
    const nf = bodyFacts(x.newF, n.body);
    // Static locals.
    for (const [s, nv] of nf.statics) {
      const ov = of.statics.get(s);
      if (!ov) c.add('static-local-added', file, nv.line, `${name}:${s}`, `new static local ${s} in ${name}: new data in the patch module, its state starts fresh`, nv.error);
      else if (ov.type !== nv.type || ov.init !== nv.init) {
        c.add('static-local-changed', file, nv.line, `${name}:${s}`, `static local ${s} in ${name} changed (${ov.type !== nv.type ? `type \`${ov.type}\` → \`${nv.type}\`` : `initialiser \`${ov.init}\` → \`${nv.init}\``}): it is existing data, already initialised`, nv.error || ov.error);
      }
    }
    // Fields written on added lines, not written that way before.
    const added = new Set(addedLinesIn(x.ranges, n.startLine, n.endLine));
    const written: string[] = [];
    let firstWrite: number | undefined;
    for (const [field, lines] of nf.writes) {
      const newOnes = lines.filter((l) => added.has(l));
      if (newOnes.length === 0) continue;
      if ((of.writes.get(field)?.length ?? 0) >= lines.length) continue;
      written.push(`${field} (line ${newOnes[0]})`);
      firstWrite ??= newOnes[0];
    }
    if (written.length) {
      c.add('fields-written', file, firstWrite ?? line, name, `${name} now writes ${written.slice(0, 8).join(', ')}${written.length > 8 ? ` and ${written.length - 8} more` : ''}: check that the fields keep their meaning (units, ownership, which lock protects them) for unpatched code`, bodyLow);
    }
    // Locks and reference counts.
    const diffs: string[] = [];
    for (const [call, cnt] of nf.locks) {
      const before = of.locks.get(call) ?? 0;
      if (cnt > before) diffs.push(`now calls ${call}${cnt - before > 1 ? ` ×${cnt - before}` : ''}`);
    }
    for (const [call, cnt] of of.locks) {
      const after = nf.locks.get(call) ?? 0;
      if (cnt > after) diffs.push(`no longer calls ${call}${cnt - after > 1 ? ` ×${cnt - after}` : ''}`);
    }
    if (diffs.length) {
      c.add('locking-changed', file, line, name, `${name}: ${diffs.slice(0, 8).join('; ')}${diffs.length > 8 ? `; and ${diffs.length - 8} more` : ''}: old and new code run side by side during the transition`, bodyLow);
    }
  }
}

function syscallHeader(f: ParsedFile, d: Decl): string {
  return f.masked.syscalls.get(d.start)?.header ?? '';
}

function compareSignatureOnly(x: Ctx): void {
  const { c, file, o, n, line } = x;
  const name = (n ?? o)!.name;
  const oldSig = withoutAnnotations(declText(x.oldF, o!));
  const newSig = withoutAnnotations(declText(x.newF, n!));
  if (oldSig === newSig) {
    const oa = headerAnnotations(x.oldF, o!).join(' ');
    const na = headerAnnotations(x.newF, n!).join(' ');
    if (oa !== na) c.add('signature-changed-static', file, line, name, `prototype of ${name}: annotations changed (${oa || 'none'} → ${na || 'none'})`, x.low);
    return;
  }
  if (x.header || !isStatic(n!)) c.add('signature-changed', file, line, name, `prototype of ${name} changed from \`${oldSig}\` to \`${newSig}\`: callers compiled against the old prototype pass the old arguments`, x.low);
  else c.add('signature-changed-static', file, line, name, `prototype of static ${name} changed`, x.low);
}

async function compareStruct(x: Ctx): Promise<void> {
  const { c, file, o, n, line } = x;
  const d = (n ?? o)!;
  const what = `${d.kind} ${d.name}`;
  if (!o) {
    c.add('type-added', file, n!.startLine, d.name, `new ${what}`, x.low);
    return;
  }
  if (!n) {
    c.add('removed-declaration', file, line, d.name, `${what} removed`, x.low);
    return;
  }
  const ob = structBody(o);
  const nb = structBody(n);
  const note = x.header ? `; declared in a header, so it reaches every user of the type${await x.tuNote()}` : '';
  const oa = structAttributes(x.oldF, o);
  const na = structAttributes(x.newF, n);
  let reported = false;
  if (oa.join(' ') !== na.join(' ')) {
    c.add('struct-attribute-changed', file, line, d.name, `${what}: layout attributes changed (${oa.join(' ') || 'none'} → ${na.join(' ') || 'none'})${note}`, x.low);
    reported = true;
  }
  if (!ob || !nb) {
    if (!reported) c.add('struct-changed', file, line, d.name, `${what} changed${note}`, true);
    return;
  }
  const om: Member[] = [];
  const nm: Member[] = [];
  membersOf(x.oldF, ob, '', '', om, { n: 0 });
  membersOf(x.newF, nb, '', '', nm, { n: 0 });
  const oByName = new Map(om.map((m) => [m.name, m]));
  const nByName = new Map(nm.map((m) => [m.name, m]));
  const removed = om.filter((m) => !nByName.has(m.name));
  const added = nm.filter((m) => !oByName.has(m.name));
  // A removed and an added member at the same place with the same type: a rename.
  const renamed: [Member, Member][] = [];
  for (const a of [...added]) {
    const idx = nm.indexOf(a);
    const r = removed.find((m) => m.sig === a.sig && Math.abs(om.indexOf(m) - idx) <= 1);
    if (r) {
      renamed.push([r, a]);
      removed.splice(removed.indexOf(r), 1);
      added.splice(added.indexOf(a), 1);
    }
  }
  const inUnion = (m: Member) => (m.container.startsWith('union') ? ` inside an anonymous union: if the union does not grow, the enclosing layout is unchanged; confirm with \`check\`` : '');
  for (const a of added) {
    c.add('struct-member-added', file, a.line, `${d.name}.${a.name}`, `${what}: member ${a.name} added (\`${a.sig.replace('@', a.name.split('.').pop()!)}\`)${inUnion(a)}${note}`, x.low);
  }
  for (const r of removed) {
    c.add('struct-member-removed', file, line, `${d.name}.${r.name}`, `${what}: member ${r.name} removed${inUnion(r)}${note}`, x.low);
  }
  for (const [r, a] of renamed) {
    c.add('struct-member-renamed', file, a.line, `${d.name}.${a.name}`, `${what}: member ${r.name} renamed to ${a.name}${note}`, x.low);
  }
  for (const m of nm) {
    const before = oByName.get(m.name);
    if (!before || before.sig === m.sig) continue;
    const bitsOf = (sig: string) => /@ : (\S+)/.exec(sig)?.[1];
    const bits = bitsOf(before.sig) !== undefined && bitsOf(m.sig) !== undefined && bitsOf(before.sig) !== bitsOf(m.sig);
    const array = /\[/.test(before.sig + m.sig) && before.sig.replace(/\[[^\]]*\]/g, '[]') === m.sig.replace(/\[[^\]]*\]/g, '[]');
    const detail = bits ? 'bitfield width' : array ? 'array size' : 'type';
    c.add('struct-member-type-changed', file, m.line, `${d.name}.${m.name}`, `${what}: member ${m.name} ${detail} changed (\`${before.sig}\` → \`${m.sig}\`)${note}`, x.low);
  }
  // Reordering among the members both have.
  const common = new Set(om.filter((m) => nByName.has(m.name)).map((m) => m.name));
  const oOrder = om.map((m) => m.name).filter((m) => common.has(m));
  const nOrder = nm.map((m) => m.name).filter((m) => common.has(m));
  const keep = lcs(oOrder, nOrder);
  const moved = nOrder.filter((m) => !keep.has(m));
  if (moved.length) {
    c.add('struct-member-reordered', file, nByName.get(moved[0]!)!.line, `${d.name}.${moved[0]}`, `${what}: member${moved.length > 1 ? 's' : ''} ${moved.join(', ')} moved${note}`, x.low);
  }
  const any = added.length + removed.length + renamed.length + moved.length > 0 || nm.some((m) => oByName.get(m.name) && oByName.get(m.name)!.sig !== m.sig);
  if (!any && !reported) {
    // Bodies equal member by member: the difference is elsewhere (declarators of a
    // `struct x {…} var;`, or macros the member split did not see).
    const oRest = normalize(textOf(x.oldF, o.start, o.end));
    const nRest = normalize(textOf(x.newF, n.start, n.end));
    if (oRest !== nRest) {
      const stripBody = (f: ParsedFile, dd: Decl, b: Node) => normalize(textOf(f, dd.start, b.startIndex) + textOf(f, b.endIndex, dd.end));
      if (stripBody(x.oldF, o, ob) !== stripBody(x.newF, n, nb) && o.node.type === 'declaration') return; // the data declarator changed: compared as data
      c.add('struct-changed', file, line, d.name, `${what} changed in a way the member comparison could not classify (preprocessor conditions or macros in the body)${note}`, true);
    }
  }
}

function compareEnum(x: Ctx): void {
  const { c, file, o, n, line } = x;
  const d = (n ?? o)!;
  const label = d.name.startsWith('@') ? 'anonymous enum' : `enum ${d.name}`;
  if (!o || !n) {
    if (!o) c.add('type-added', file, n!.startLine, d.name, `new ${label}`, x.low);
    else c.add('removed-declaration', file, line, d.name, `${label} removed`, x.low);
    return;
  }
  const oe = enumeratorsOf(x.oldF, o);
  const ne = enumeratorsOf(x.newF, n);
  const oByName = new Map(oe.map((e) => [e.name, e]));
  const nByName = new Map(ne.map((e) => [e.name, e]));
  for (const e of ne) {
    const before = oByName.get(e.name);
    if (!before) c.add('enum-value-added', file, e.line, e.name, `${label}: new enumerator ${e.name} = ${e.value}`, x.low);
    else if (before.value !== e.value) {
      c.add('enum-renumbered', file, e.line, e.name, `${label}: ${e.name} changes value (${before.value} → ${e.value})${/MAX|^NR_|^__NR|_NR$|COUNT|_LAST$/.test(e.name) ? '; it is a sentinel: arrays sized by it change size' : ''}`, x.low);
    }
  }
  for (const e of oe) if (!nByName.has(e.name)) c.add('enum-value-removed', file, line, e.name, `${label}: enumerator ${e.name} removed`, x.low);
}

function compareTypedef(x: Ctx): void {
  const { c, file, o, n, line } = x;
  const d = (n ?? o)!;
  if (!o || !n) {
    if (!o) c.add('type-added', file, n!.startLine, d.name, `new typedef ${d.name}`, x.low);
    else c.add('removed-declaration', file, line, d.name, `typedef ${d.name} removed`, x.low);
    return;
  }
  // A typedef of a struct with a body: the struct comparison speaks for the body.
  const ob = structBody(o);
  const nb = structBody(n);
  const outside = (f: ParsedFile, dd: Decl, b?: Node) => normalize(b ? textOf(f, dd.start, b.startIndex) + textOf(f, b.endIndex, dd.end) : textOf(f, dd.start, dd.end));
  if (outside(x.oldF, o, ob) === outside(x.newF, n, nb)) return;
  c.add('typedef-changed', file, line, d.name, `typedef ${d.name} changed (\`${outside(x.oldF, o, ob)}\` → \`${outside(x.newF, n, nb)}\`)`, x.low);
}

const LOCK_TYPE = /\b(spinlock_t|raw_spinlock_t|rwlock_t|struct mutex|struct rw_semaphore|struct semaphore|seqlock_t|seqcount_t|DEFINE_SPINLOCK|DEFINE_RAW_SPINLOCK|DEFINE_MUTEX|DEFINE_RWLOCK|DECLARE_RWSEM|DEFINE_SEMAPHORE|DEFINE_SEQLOCK|DEFINE_STATIC_SRCU|DEFINE_SRCU|DEFINE_PERCPU_RWSEM)\b/;

function compareData(x: Ctx): void {
  const { c, file, o, n, line } = x;
  const d = (n ?? o)!;
  if (!o) {
    const text = declText(x.newF, n!);
    const anno = headerAnnotations(x.newF, n!).filter((a) => INIT_ANNOTATIONS.test(a));
    if (LOCK_TYPE.test(text) || LOCK_TYPE.test(n!.viaMacro ?? '')) c.add('lock-added', file, n!.startLine, d.name, `new lock ${d.name}: it does not exclude the old code during the transition, and its state is lost on unload or --replace`, x.low);
    else c.add('data-added', file, n!.startLine, d.name, `new ${isStatic(n!) ? 'static ' : ''}data ${d.name}${anno.length ? ` (${anno.join(', ')})` : ''}`, x.low);
    return;
  }
  if (!n) {
    c.add('removed-declaration', file, line, d.name, `data ${d.name} removed; the running kernel keeps its copy`, x.low);
    return;
  }
  const typeOf = (f: ParsedFile, dd: Decl) => withoutAnnotations(normalize(textOf(f, dd.start, dd.body ? dd.body.startIndex : dd.end).replace(/=\s*$/, '')));
  const initOf = (f: ParsedFile, dd: Decl) => (dd.body ? normalize(textOf(f, dd.body.startIndex, dd.body.endIndex)) : '');
  const anno = [...headerAnnotations(x.oldF, o), ...headerAnnotations(x.newF, n)];
  const init = anno.filter((a) => INIT_ANNOTATIONS.test(a));
  if (init.length) {
    c.add('init-code-changed', file, line, d.name, `${d.name} is ${[...new Set(init)].join('/')} data: used only during boot or load, then freed; a live patch cannot change it`, x.low);
    return;
  }
  const ot = typeOf(x.oldF, o);
  const nt = typeOf(x.newF, n);
  if (d.viaMacro && !o.body && !n.body) {
    // DEFINE_*(name, args): the arguments are the initial state.
    c.add('data-initializer-changed', file, line, d.name, `${d.viaMacro}(${d.name}, …) changed (\`${ot}\` → \`${nt}\`): the running kernel's object keeps its current state`, x.low);
    return;
  }
  if (ot !== nt) {
    c.add('data-type-changed', file, line, d.name, `${d.kind === 'extern' ? 'declaration' : 'type'} of ${d.name} changed (\`${ot}\` → \`${nt}\`)`, x.low);
    return;
  }
  const oi = initOf(x.oldF, o);
  const ni = initOf(x.newF, n);
  if (oi === ni) return;
  if (isConstData(n)) {
    const ops = /_operations\b|_ops\b|\bops\b/.test(nt) || /(?:^|, )\. \w+ = [a-z_]\w*(?= ,| })/.test(ni) && /_ops|operations|_fops|_ops$/.test(d.name + nt);
    if (ops) c.add('ops-table-changed', file, line, d.name, `operations table ${d.name} changed: the running kernel registered the old table, so the new copy would never be used`, x.low);
    else c.add('const-data-changed', file, line, d.name, `read-only ${d.name} changed: the patch can carry a new copy if only replaced functions use it; any unchanged user keeps reading the old one`, x.low);
    return;
  }
  c.add('data-initializer-changed', file, line, d.name, `initial value of ${isStatic(n) ? 'static ' : ''}${d.name} changed (\`${shorten(oi)}\` → \`${shorten(ni)}\`): the running kernel initialised it long ago`, x.low);
}

function shorten(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

async function compareDefine(x: Ctx): Promise<void> {
  const { c, file, o, n, line } = x;
  const d = (n ?? o)!;
  const fnLike = d.kind === 'macro';
  const note = x.header ? await x.tuNote() : '';
  if (!o) {
    const v = defineValue(x.newF, n!);
    const prefix = familyPrefix(d.name);
    const family = !fnLike && isConstantValue(v) && prefix
      ? x.oldF.decls.filter((e) => e.kind === 'define' && e.name !== d.name && e.name.startsWith(prefix) && isConstantValue(defineValue(x.oldF, e)))
      : [];
    if (family.length > 0) {
      c.add('constant-added', file, n!.startLine, d.name, `new constant ${d.name} = ${v} next to ${family.slice(0, 3).map((e) => e.name).join(', ')}${family.length > 3 ? ', …' : ''}: a new flag or value in an existing family, which existing data and unpatched code do not know`, x.low);
    } else {
      c.add('define-added', file, n!.startLine, d.name, `new ${fnLike ? 'macro' : '#define'} ${d.name}`, x.low);
    }
    return;
  }
  if (!n) {
    c.add('removed-declaration', file, line, d.name, `#define ${d.name} removed`, x.low);
    return;
  }
  const ov = defineValue(x.oldF, o);
  const nv = defineValue(x.newF, n);
  const oParams = normalize(o.node.childForFieldName('parameters')?.text ?? '');
  const nParams = normalize(n.node.childForFieldName('parameters')?.text ?? '');
  if (!fnLike && oParams === nParams && isConstantValue(ov) && isConstantValue(nv)) {
    c.add('constant-changed', file, line, d.name, `${d.name} changed from ${ov} to ${nv}: a constant stored in or compared with data changes meaning${note}`, x.low);
  } else {
    c.add('macro-changed', file, line, d.name, `macro ${d.name} changed: every use of it changes${x.header ? `; in a header, that reaches every TU that includes it${note}` : ''}`, x.low);
  }
}

function compareExport(x: Ctx): void {
  const { c, file, o, n, line } = x;
  const d = (n ?? o)!;
  if (!o) c.add('export-added', file, n!.startLine, d.name, `${n!.viaMacro}(${d.name}) added: a live patch cannot add __ksymtab entries to the running kernel`, x.low);
  else if (!n) c.add('export-changed', file, line, d.name, `${o.viaMacro}(${d.name}) removed: loaded modules keep using the export`, x.low);
  else c.add('export-changed', file, line, d.name, `export of ${d.name} changed (${o.viaMacro} → ${n.viaMacro})`, x.low);
}

function compareMacroCall(x: Ctx): void {
  const { c, file, o, n, line } = x;
  const d = (n ?? o)!;
  const callee = d.viaMacro ?? '';
  const state = !o ? 'added' : !n ? 'removed' : 'changed';
  if (/^(module_init|module_exit|\w*initcall\w*|__setup|early_param|core_param|__initcall|__exitcall|postcore_initcall|arch_initcall|subsys_initcall|fs_initcall|device_initcall|late_initcall|pure_initcall|console_initcall|security_initcall|module_driver|module_platform_driver\w*|module_\w+_driver)$/.test(callee)) {
    c.add('init-code-changed', file, line, d.name, `${d.name} ${state}: init/exit registration runs at boot or load, never again`, x.low);
  } else if (/^module_param\w*|^MODULE_PARM\w*|^core_param/.test(callee)) {
    c.add('data-initializer-changed', file, line, d.name, `module parameter ${d.name} ${state}: parameters are set at load time`, x.low);
  } else if (/^MODULE_(LICENSE|AUTHOR|DESCRIPTION|VERSION|ALIAS|SOFTDEP|INFO|IMPORT_NS|FIRMWARE)$/.test(callee)) {
    c.add('not-kernel-code', file, line, d.name, `${d.name} ${state}: module metadata, not code`, x.low);
    c.changes--;
  } else {
    c.add('unparsed-change', file, line, d.name, `top-level macro ${d.name} ${state}: it may define functions or data; read it by hand or run \`check\``, true);
  }
}
