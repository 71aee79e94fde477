// Text-level facts about declarations: their source text, signature, annotations, storage.
import { type Decl, type ParsedFile } from './decls.js';
import { normalize } from './mask.js';
// ---------------------------------------------------------------------------------------
// Helpers on declarations.

export const ANNOTATION_WORD = /\b(?:__init|__exit|__initdata|__exitdata|__initconst|__init_memblock|__initdata_memblock|__meminit|__meminitdata|__meminitconst|__net_init|__net_exit|__net_initdata|__ref|__refdata|__init_or_module|__head|__sched|__kprobes|__cpuidle|__irq_entry|__softirq_entry|__read_mostly|__ro_after_init|__cold|__hot|notrace|noinstr|__always_inline|noinline|__noinline|__must_check|__maybe_unused|__visible|asmlinkage|__latent_entropy|__weak|__used)\b/g;
export const INIT_ANNOTATIONS = /^(__init|__exit|__initdata|__exitdata|__initconst|__init_memblock|__initdata_memblock|__meminit|__meminitdata|__meminitconst|__net_init|__net_exit|__net_initdata|__init_or_module|__head)$/;
export const UNTRACEABLE = /^(notrace|noinstr)$/;

export function textOf(f: ParsedFile, from: number, to: number): string {
  return f.text.slice(from, to);
}

export function declText(f: ParsedFile, d: Decl): string {
  return normalize(textOf(f, d.start, d.end));
}

export function signatureOf(f: ParsedFile, d: Decl): string {
  const end = d.body ? d.body.startIndex : d.end;
  return normalize(textOf(f, d.start, end));
}

export function withoutAnnotations(sig: string): string {
  return sig.replace(ANNOTATION_WORD, '').replace(/\s+/g, ' ').trim();
}

/** A file-scope function/data declaration is static (internal linkage). */
export function isStatic(d: Decl): boolean {
  return d.node.namedChildren.some((c) => c.type === 'storage_class_specifier' && c.text === 'static');
}

export function isInline(f: ParsedFile, d: Decl): boolean {
  return /\b(inline|__always_inline|__inline__|__inline)\b/.test(textOf(f, d.start, d.body ? d.body.startIndex : d.end));
}

export function isConstData(d: Decl): boolean {
  return d.node.namedChildren.some((c) => c.type === 'type_qualifier' && c.text === 'const');
}

export function isHeader(file: string): boolean {
  return file.endsWith('.h');
}

