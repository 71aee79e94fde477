// Kernel C before tree-sitter: annotation macros (`__init`, `__user`, `__must_check`,
// `__attribute__((…))`, …) are not C, and tree-sitter turns each into an ERROR node or, worse,
// a misread declaration (`static int __init foo(void)` parses as a declaration of `__init`
// followed by a function named `int`). We blank them out (same length, newlines kept, so every
// position stays valid) and remember which annotations each declaration carried from the
// original text. `SYSCALL_DEFINEn(name, …)` headers are rewritten to a plain function header.

/** Annotations that decide whether and how a function or object can be live-patched. */
export const SECTION_ANNOTATIONS = [
  '__init', '__exit', '__initdata', '__exitdata', '__initconst', '__init_memblock', '__initdata_memblock', '__meminit',
  '__meminitdata', '__meminitconst', '__net_init', '__net_exit', '__net_initdata', '__ref', '__refdata', '__init_or_module',
  '__head', '__sched', '__kprobes', '__cpuidle', '__irq_entry', '__softirq_entry', '__section', '__read_mostly',
  '__ro_after_init', '__cold', '__hot',
] as const;

export const TRACE_ANNOTATIONS = ['notrace', 'noinstr', '__no_sanitize_address', '__always_inline', 'noinline', '__noinline'] as const;

/** Annotations that change a struct's layout. */
export const LAYOUT_ANNOTATIONS = [
  '__packed', '__aligned', '__randomize_layout', '__no_randomize_layout', '____cacheline_aligned', '____cacheline_aligned_in_smp',
  '__cacheline_aligned', '__cacheline_aligned_in_smp', '____cacheline_internodealigned_in_smp', '__attribute_const__',
] as const;

/** Other annotation words that carry nothing for the analysis (sparse, compiler hints). */
const PLAIN_WORDS = [
  '__user', '__kernel', '__iomem', '__percpu', '__rcu', '__force', '__bitwise', '__must_check', '__maybe_unused', '__always_unused',
  '__used', '__weak', '__visible', 'asmlinkage', '__latent_entropy', '__noreturn', '__pure', '__nocfi', '__noclone',
  '__private', '__safe', '__nocast', '__iomem', '__deprecated', '__flatten', '__malloc', '__naked', '__noscs', '__randomize_layout',
  '__no_kcsan', '__no_sanitize_thread', '__no_kasan_or_inline', '__no_stack_protector', 'noinline_for_stack', '__fastcall',
  'fastcall', '__lockfunc', '__releases_shared', '__acquires_shared', '__inline', '__inline__', '__attribute_used__', '__ksym',
  '__bpf_kfunc', 'static_assert_unused', '__nonstring', '__alloc_size', '__diag', 'notrace', 'noinstr', '__always_inline',
  'noinline', '__noinline', ...SECTION_ANNOTATIONS.filter((a) => a !== '__section'), '__packed', '____cacheline_aligned',
  '____cacheline_aligned_in_smp', '__cacheline_aligned', '__cacheline_aligned_in_smp', '____cacheline_internodealigned_in_smp',
  '__attribute_const__', '__no_randomize_layout', '__ro_after_init', '__page_aligned_data', '__page_aligned_bss',
  '__cpuinit', '__devinit', '__devexit', '__exit_call', '__no_profile', '__nostackprotector', '__no_fgcse',
];

/** Annotations with an argument list: `__aligned(8)`, `__acquires(&lock)`, `__printf(1, 2)`. */
const CALL_WORDS = [
  '__attribute__', '__attribute', '__aligned', '__section', '__acquires', '__releases', '__must_hold', '__printf', '__scanf',
  '__alloc_size', '__counted_by', '__diag_ignore', '__cond_lock', '__no_sanitize_or_inline', '__assume_aligned', '__designated_init',
  '__malloc', '__nonnull', 'ACPI_INTERNAL_VAR_XFACE', '__guarded_by', '__pt_guarded_by', 'BTF_TYPE_TAG',
];

const WORD_RE = new RegExp(`\\b(?:${[...new Set(PLAIN_WORDS)].join('|')})\\b(?!\\s*\\()`, 'g');
const CALL_RE = new RegExp(`\\b(?:${CALL_WORDS.join('|')})\\s*\\(`, 'g');
/** Words that, with or without parentheses, are annotations we want to detect in a range. */
const DETECT_RE = new RegExp(
  `\\b(${[...new Set([...SECTION_ANNOTATIONS, ...TRACE_ANNOTATIONS, ...LAYOUT_ANNOTATIONS, '__attribute__'])].join('|')})\\b`,
  'g',
);

export interface Masked {
  /** Same length as the original; annotation macros replaced by spaces. */
  text: string;
  /** SYSCALL_DEFINE headers rewritten: start offset → the syscall's name and its macro. */
  syscalls: Map<number, { name: string; macro: string; header: string }>;
  /** DEFINE_PER_CPU-style definitions unwrapped: start offset → the macro. */
  perCpu: Map<number, string>;
}

const PERCPU_RE = /\b((?:DEFINE|DECLARE)_PER_CPU\w*)\s*\(/g;
const DEFINE_RE = /^([ \t]*(?:(?:static|extern|const)[ \t]+)*)((?:DEFINE|DECLARE)_\w+)\s*\(/gm;
const FOR_EACH_RE = /\b(\w*for_each\w*|\w*_foreach\w*)\s*\(/g;
/** `do { ... } while_each_thread(p, t);` closes a do-loop with a macro. */
const WHILE_EACH_RE = /\bwhile_each_\w+\s*\(/g;

function topLevelCommas(text: string, from: number, to: number): number[] {
  const out: number[] = [];
  let depth = 0;
  for (let i = from; i < to; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) out.push(i);
  }
  return out;
}

/** The index just past the parenthesis that matches the one at `open`, or -1. */
export function matchParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return i + 1;
    } else if (c === '"' || c === "'") {
      // Skip a literal.
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    }
  }
  return -1;
}

/**
 * Comments become spaces too (they are not changes, and a comment-out keyword would
 * otherwise be "detected"); string and character literals are kept.
 */
export function blankComments(text: string): string {
  if (!text.includes('/*') && !text.includes('//')) return text;
  return text.replace(LEXICAL_RE, (m) => (m[0] === '/' ? m.replace(/[^\n]/g, ' ') : m));
}

/** Literals (kept) and comments (blanked), in one left-to-right scan. */
const LEXICAL_RE = /"(?:\\[\s\S]|[^"\\\n])*"?|'(?:\\[\s\S]|[^'\\\n])*'?|\/\*[\s\S]*?(?:\*\/|$)|\/\/[^\n]*/g;

/** Edits collected by offset and applied once (each keeps the text's length). */
class Edits {
  private list: { at: number; text: string }[] = [];
  blank(source: string, from: number, to: number): void {
    this.list.push({ at: from, text: source.slice(from, to).replace(/[^\n]/g, ' ') });
  }
  put(at: number, text: string): void {
    this.list.push({ at, text });
  }
  apply(source: string): string {
    if (this.list.length === 0) return source;
    // Later edits win over earlier ones at the same place: apply in order onto a buffer.
    const buf = Buffer.from(source, 'utf16le');
    for (const e of this.list) buf.write(e.text, e.at * 2, 'utf16le');
    return buf.toString('utf16le');
  }
}

const SYSCALL_RE = /\b((?:COMPAT_)?SYSCALL_DEFINE)(\d)\s*\(\s*(\w+)/g;

export function mask(original: string): Masked {
  const text = blankComments(original);
  const edits = new Edits();
  for (const m of text.matchAll(WORD_RE)) edits.blank(text, m.index, m.index + m[0].length);
  for (const m of text.matchAll(CALL_RE)) {
    const open = m.index + m[0].length - 1;
    const end = matchParen(text, open);
    if (end > 0) edits.blank(text, m.index, end);
  }
  // `DEFINE_PER_CPU(struct foo *, name)` → `struct foo * name`: a declaration tree-sitter reads.
  const perCpu = new Map<number, string>();
  for (const m of text.matchAll(PERCPU_RE)) {
    const open = m.index + m[0].length - 1;
    const end = matchParen(text, open);
    if (end < 0) continue;
    const comma = topLevelCommas(text, open + 1, end - 1);
    if (comma.length !== 1) continue;
    edits.blank(text, m.index, open + 1);
    edits.put(comma[0]!, ' ');
    edits.put(end - 1, ' ');
    perCpu.set(m.index, m[1]!);
  }
  // `static DEFINE_MUTEX(name);`, `DEFINE_RATELIMIT_STATE(rs, HZ, 10);` → `DEFINE_X name;`: data.
  for (const m of text.matchAll(DEFINE_RE)) {
    if (/PER_CPU/.test(m[2]!)) continue;
    const open = m.index + m[0].length - 1;
    const end = matchParen(text, open);
    if (end < 0 || !/^\s*;/.test(text.slice(end, end + 20))) continue;
    const commas = topLevelCommas(text, open + 1, end - 1);
    edits.put(open, ' ');
    edits.blank(text, commas[0] ?? end - 1, end);
  }
  // Iterator macros (`list_for_each_entry(pos, head, member) {`) become `for(;;)`.
  for (const m of text.matchAll(FOR_EACH_RE)) {
    const open = m.index + m[0].length - 1;
    const end = matchParen(text, open);
    if (end < 0) continue;
    const after = text.slice(end, end + 200).trimStart();
    if (after.startsWith(';') || after.startsWith(')') || after.startsWith(',') || after.startsWith('\\')) continue;
    edits.blank(text, m.index, end);
    edits.put(m.index, 'for(;;)');
  }
  // ... and `} while_each_thread(p, t);` becomes `} while(0);`.
  for (const m of text.matchAll(WHILE_EACH_RE)) {
    const open = m.index + m[0].length - 1;
    const end = matchParen(text, open);
    if (end < 0 || !/^\s*;/.test(text.slice(end, end + 20))) continue;
    edits.blank(text, m.index, end);
    edits.put(m.index, 'while(0)');
  }
  const syscalls = new Map<number, { name: string; macro: string; header: string }>();
  for (const m of text.matchAll(SYSCALL_RE)) {
    // Only definitions at the start of a line (not the macro's own definition or a mention).
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    if (text.slice(lineStart, m.index).trim() !== '') continue;
    const open = text.indexOf('(', m.index);
    const end = matchParen(text, open);
    if (end < 0) continue;
    const name = m[3]!;
    const compat = m[1]!.startsWith('COMPAT_');
    const replacement = `long ${compat ? '__cs_' : '__sy_'}${name}()`;
    if (replacement.length > end - m.index) continue;
    edits.blank(text, m.index, end);
    edits.put(m.index, replacement);
    syscalls.set(m.index, { name, macro: `${m[1]}${m[2]}`, header: normalize(original.slice(m.index, end)) });
  }
  return { text: edits.apply(text), syscalls, perCpu };
}

/** Syscall function name as written in masked text → the syscall's name. */
export function syscallOf(fnName: string): { name: string; compat: boolean } | undefined {
  const m = /^__(sy|cs)_(\w+)$/.exec(fnName);
  return m ? { name: m[2]!, compat: m[1] === 'cs' } : undefined;
}

/** The layout/section/trace annotations written in a range of the original text. */
export function annotationsIn(original: string): string[] {
  const found: string[] = [];
  const text = blankComments(original);
  for (const m of text.matchAll(DETECT_RE)) {
    let word = m[1]!;
    if (word === '__attribute__' || word === '__aligned' || word === '__section') {
      const open = text.indexOf('(', m.index);
      const end = open >= 0 && /^\s*$/.test(text.slice(m.index + m[0].length, open)) ? matchParen(text, open) : -1;
      if (end > 0) word = normalize(text.slice(m.index, end));
    }
    found.push(word);
  }
  return found;
}

/**
 * C text without comments, with whitespace collapsed to single spaces between tokens that
 * need one: two spellings that differ only in comments and layout normalize the same.
 */
export function normalize(code: string): string {
  const text = blankComments(code);
  const tokens = text.match(/"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|[A-Za-z_]\w*|\d[\w.]*|\\\n|->|\+\+|--|<<=?|>>=?|[<>=!]=|&&|\|\||[-+*/%&|^]=|##|\.\.\.|\S/g) ?? [];
  return tokens.filter((t) => t !== '\\\n' && t !== '\\').join(' ');
}
