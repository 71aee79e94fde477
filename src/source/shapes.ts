// The shapes declarations are compared by: struct/union members, enumerators, #define values.
import { lineOf, declaratorName, type Decl, type Node, type ParsedFile } from './decls.js';
import { annotationsIn, normalize } from './mask.js';
import { textOf } from './decl-text.js';
// ---------------------------------------------------------------------------------------
// Struct/union members.

export interface Member {
  name: string;
  sig: string;
  line: number;
  /** The enclosing anonymous union/struct, when there is one ('' at top level). */
  container: string;
}

export function membersOf(f: ParsedFile, body: Node, prefix: string, container: string, out: Member[], anon: { n: number }): void {
  for (const c of body.namedChildren) {
    if (c.type === 'comment') continue;
    if (c.type.startsWith('preproc_')) {
      if (c.type === 'preproc_def' || c.type === 'preproc_function_def' || c.type === 'preproc_call') continue;
      const cond = c.childForFieldName('condition') ?? c.childForFieldName('name');
      const inner = { namedChildren: c.namedChildren.filter((x) => x !== cond) } as unknown as Node;
      membersOf(f, inner, prefix, container, out, anon);
      continue;
    }
    if (c.type === 'field_declaration') {
      const type = c.childForFieldName('type');
      const declarators = c.childrenForFieldName('declarator');
      const nestedBody = type?.childForFieldName('body');
      if (nestedBody && type && (type.type === 'struct_specifier' || type.type === 'union_specifier')) {
        if (declarators.length === 0) {
          // Anonymous struct/union: its members live in the enclosing namespace.
          membersOf(f, nestedBody, prefix, `${type.type === 'union_specifier' ? 'union' : 'struct'}#${++anon.n}`, out, anon);
          continue;
        }
        for (const d of declarators) {
          const name = declaratorName(d) ?? '?';
          membersOf(f, nestedBody, `${prefix}${name}.`, container, out, anon);
          out.push({ name: prefix + name, sig: `${type.type}{…} ${normalize(textOf(f, d.startIndex, d.endIndex)).replace(new RegExp(`\\b${name}\\b`), '@')}`, line: lineOf(f.lineStarts, d.startIndex), container });
        }
        continue;
      }
      const bitfield = c.namedChildren.find((x) => x.type === 'bitfield_clause');
      const typeEnd = declarators[0]?.startIndex ?? bitfield?.startIndex ?? c.endIndex;
      const typeText = normalize(textOf(f, c.startIndex, typeEnd));
      // Trailing annotations (`____cacheline_aligned`) sit after the declarator.
      const trailer = normalize(textOf(f, (declarators.at(-1) ?? bitfield ?? c).endIndex, c.endIndex));
      if (declarators.length === 0) {
        out.push({ name: `${prefix}:${lineOf(f.lineStarts, c.startIndex)}`, sig: normalize(textOf(f, c.startIndex, c.endIndex)), line: lineOf(f.lineStarts, c.startIndex), container });
        continue;
      }
      for (const d of declarators) {
        const name = declaratorName(d) ?? normalize(d.text);
        const decl = normalize(textOf(f, d.startIndex, d.endIndex)).replace(new RegExp(`\\b${name.replace(/\W/g, '\\$&')}\\b`), '@');
        out.push({ name: prefix + name, sig: `${typeText} ${decl} ${trailer}`.trim(), line: lineOf(f.lineStarts, d.startIndex), container });
      }
      continue;
    }
    // A macro or something unparsable in the body: a member of its own, compared as text.
    const text = normalize(textOf(f, c.startIndex, c.endIndex));
    out.push({ name: `${prefix}<${text}>`, sig: text, line: lineOf(f.lineStarts, c.startIndex), container });
  }
}

export function structBody(d: Decl): Node | undefined {
  const n = d.node;
  const spec = n.type === 'struct_specifier' || n.type === 'union_specifier' ? n : n.childForFieldName('type');
  return spec?.childForFieldName('body') ?? undefined;
}

export function structSpec(d: Decl): Node | undefined {
  const n = d.node;
  return n.type === 'struct_specifier' || n.type === 'union_specifier' || n.type === 'enum_specifier' ? n : n.childForFieldName('type') ?? undefined;
}

/** Layout attributes of the struct itself (not of its members). */
export function structAttributes(f: ParsedFile, d: Decl): string[] {
  const spec = structSpec(d);
  const body = structBody(d);
  if (!spec || !body) return [];
  const head = textOf(f, spec.startIndex, body.startIndex);
  const tail = textOf(f, body.endIndex, d.end);
  return [...annotationsIn(head), ...annotationsIn(tail)].filter((a) => /packed|aligned|randomize_layout|cacheline/.test(a)).sort();
}

/** Longest common subsequence of two name lists (for reorder detection). */
export function lcs(a: string[], b: string[]): Set<string> {
  const dp: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) dp[i]![j] = a[i] === b[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  const keep = new Set<string>();
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      keep.add(a[i]!);
      i++;
      j++;
    } else if (dp[i + 1]![j]! >= dp[i]![j + 1]!) i++;
    else j++;
  }
  return keep;
}

// ---------------------------------------------------------------------------------------
// Enumerators.

export interface Enumerator {
  name: string;
  value: string;
  line: number;
}

export function enumeratorsOf(f: ParsedFile, d: Decl): Enumerator[] {
  const body = structSpec(d)?.childForFieldName('body');
  if (!body) return [];
  const out: Enumerator[] = [];
  let base = '0';
  let k = 0;
  const walk = (n: Node) => {
    for (const c of n.namedChildren) {
      if (c.type === 'enumerator') {
        const name = c.childForFieldName('name')?.text ?? '?';
        const v = c.childForFieldName('value');
        if (v) {
          base = normalize(textOf(f, v.startIndex, v.endIndex));
          k = 0;
        }
        const num = /^-?(0x[0-9a-f]+|\d+)[ul]*$/i.test(base) ? Number.parseInt(base.replace(/[ul]+$/i, '')) : NaN;
        const value = k === 0 ? base : Number.isFinite(num) ? String(num + k) : `${base} + ${k}`;
        out.push({ name, value, line: lineOf(f.lineStarts, c.startIndex) });
        k++;
      } else if (c.type.startsWith('preproc_')) walk(c);
    }
  };
  walk(body);
  return out;
}

// ---------------------------------------------------------------------------------------
// Defines.

export const CONSTANT_MACROS = /^(BIT|BIT_ULL|BIT_MASK|GENMASK|GENMASK_ULL|_BITUL|_BITULL|_AC|_UL|_ULL|UL|ULL|sizeof|SZ_\w+|__GFP_\w+|___GFP_\w+)$/;

export function defineValue(f: ParsedFile, d: Decl): string {
  const v = d.node.childForFieldName('value');
  return v ? normalize(textOf(f, v.startIndex, v.endIndex)) : '';
}

/** A value that is a number or an expression of numbers and other constants: data, not code. */
export function isConstantValue(v: string): boolean {
  if (v === '') return false;
  const tokens = v.split(' ');
  let hasNumber = false;
  for (const t of tokens) {
    if (/^\d/.test(t)) hasNumber = true;
    else if (/^[A-Za-z_]\w*$/.test(t)) {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(t) && !CONSTANT_MACROS.test(t)) return false;
    } else if (!/^(\(|\)|\||&|\^|~|<<|>>|\+|-|\*|\/|%|,)$/.test(t)) return false;
  }
  return hasNumber || tokens.some((t) => /^[A-Z_][A-Z0-9_]*$/.test(t));
}

export function familyPrefix(name: string): string | undefined {
  const i = name.lastIndexOf('_');
  if (i < 1) return undefined;
  return name.slice(0, i + 1);
}

