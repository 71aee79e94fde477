// Source analysis of one patched tree: for every file the patches touch, parse the original
// and the patched text, find the top-level declarations the changed lines touch, compare
// old and new structurally (normalized tokens: comments and layout are not changes) and
// turn each difference into findings with file:line, kind, severity, message and remedy.
import { changedLineRanges, type FileChange, type LineRange } from '../patch/index.js';
import { parseC, headerAnnotations, type Decl, type ParsedFile } from './decls.js';
import { KINDS, type FindingKind, type Severity } from './kinds.js';
import { blankComments, normalize } from './mask.js';
import { INIT_ANNOTATIONS, UNTRACEABLE, textOf, declText, signatureOf, withoutAnnotations, isStatic, isInline, isHeader } from './decl-text.js';
import { SLEEP_CALL, UNBOUNDED_LOOP, ALWAYS_ON_STACK, bodyFacts } from './body.js';
import { compareDefine, compareStruct, shorten, syscallHeader, compareSignatureOnly, compareEnum, compareTypedef, compareData, compareExport, compareMacroCall } from './compare-decls.js';

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


function touches(d: Decl, ranges: LineRange[], side: 'old' | 'new'): boolean {
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
function addedLinesIn(ranges: LineRange[], from: number, to: number): number[] {
  const out: number[] = [];
  for (const r of ranges) for (let l = r.newStart; l < r.newStart + r.newLines; l++) if (l >= from && l <= to) out.push(l);
  return out;
}

/** Where an old line sits in the patched file. */
function newLineOf(ranges: LineRange[], oldLine: number): number {
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

export class Collector {
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
  const r = changedLineRanges(fc.before ?? '', fc.after ?? '');
  return r[0] ? Math.max(1, r[0].newStart) : null;
}

async function analyzeCFile(c: Collector, fc: FileChange, file: string, opts: AnalyzeOptions): Promise<void> {
  const before = fc.before ?? '';
  const after = fc.after ?? '';
  const oldF = parseC(before);
  const newF = parseC(after);
  const ranges = changedLineRanges(before, after);
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

function strayLines(oldF: ParsedFile, newF: ParsedFile, ranges: LineRange[]): { line: number; text: string; preproc: boolean }[] {
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

export interface Ctx {
  c: Collector;
  file: string;
  oldF: ParsedFile;
  newF: ParsedFile;
  o?: Decl;
  n?: Decl;
  line: number;
  low: boolean;
  header: boolean;
  ranges: LineRange[];
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
