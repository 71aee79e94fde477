// Top-level declarations of a C file, as tree-sitter sees it after masking: functions,
// struct/union/enum types, typedefs, data, #defines, top-level macro invocations
// (EXPORT_SYMBOL, DEFINE_PER_CPU, module_init, …), and the regions tree-sitter could not
// parse. Each carries its range in the original text and whether it parsed cleanly.
import { createRequire } from 'node:module';
import type Parser from 'tree-sitter';
import { annotationsIn, blankComments, mask, normalize, syscallOf, type Masked } from './mask.js';

type Node = Parser.SyntaxNode;

export type DeclKind =
  | 'function' | 'prototype' | 'struct' | 'union' | 'enum' | 'typedef' | 'data' | 'extern'
  | 'define' | 'macro' | 'export' | 'macro-call' | 'include' | 'unparsed';

export interface Decl {
  kind: DeclKind;
  name: string;
  /** kind:name, with #n for the n-th repeat (alternatives under #ifdef). */
  key: string;
  /** Offsets in the original text. */
  start: number;
  end: number;
  /** 1-based lines. */
  startLine: number;
  endLine: number;
  node: Node;
  /** ERROR or MISSING nodes inside: analysed as well as possible, with lower confidence. */
  hasError: boolean;
  /** Preprocessor conditions around it, outermost first. */
  conditions: string[];
  /** The function's body node (functions) or the initializer (data). */
  body?: Node;
  /** For SYSCALL_DEFINE bodies: the syscall's name. */
  syscall?: { name: string; macro: string; compat: boolean };
  /** For function-defining macros (BPF_CALL_2(name, …) { … }): the macro. */
  viaMacro?: string;
}

export interface ParsedFile {
  text: string;
  masked: Masked;
  tree: Parser.Tree;
  decls: Decl[];
  /** 0-based offset of the start of each line. */
  lineStarts: number[];
}

let parser: Parser | undefined;
/**
 * The native parser is loaded on first use, not at start-up: commands that never parse C
 * (build's later stages, diff-objects, inspect) do not pay for it, and check parses while gcc runs.
 */
function getParser(): Parser {
  if (!parser) {
    const require = createRequire(import.meta.url);
    const TreeSitter = require('tree-sitter') as typeof Parser;
    parser = new TreeSitter();
    parser.setLanguage(require('tree-sitter-c') as Parser.Language);
  }
  return parser;
}

/** tree-sitter's default buffer is 32 KiB; kernel files are bigger. */
function bufferSize(text: string): number {
  return Math.max(64 * 1024, 2 ** Math.ceil(Math.log2(text.length * 2 + 1)));
}

export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

export function lineOf(lineStarts: number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

export function parseC(text: string): ParsedFile {
  const masked = mask(text);
  const tree = getParser().parse(masked.text, undefined, { bufferSize: bufferSize(masked.text) });
  const lineStarts = lineStartsOf(text);
  const decls = collectDecls(tree.rootNode, text, masked, lineStarts);
  return { text, masked, tree, decls, lineStarts };
}

/** The declared name under a declarator (through pointers, arrays, parentheses, functions). */
export function declaratorName(node: Node | null | undefined): string | undefined {
  let n: Node | null | undefined = node;
  for (let guard = 0; n && guard < 20; guard++) {
    if (n.type === 'identifier' || n.type === 'field_identifier' || n.type === 'type_identifier') return n.text;
    if (n.type === 'parenthesized_declarator') {
      n = n.namedChildren.find((c) => c.type !== 'comment');
      continue;
    }
    const d = n.childForFieldName('declarator');
    if (d) {
      n = d;
      continue;
    }
    return n.namedChildren.find((c) => c.type === 'identifier' || c.type === 'field_identifier')?.text;
  }
  return undefined;
}

function hasFunctionDeclarator(node: Node | null): boolean {
  let n: Node | null = node;
  while (n) {
    if (n.type === 'function_declarator') return true;
    if (n.type === 'parenthesized_declarator') n = n.namedChildren[0] ?? null;
    else n = n.childForFieldName('declarator');
  }
  return false;
}

const RECOVERABLE = new Set([
  'function_definition', 'declaration', 'type_definition', 'struct_specifier', 'union_specifier', 'enum_specifier', 'preproc_def',
  'preproc_function_def', 'preproc_include', 'preproc_if', 'preproc_ifdef', 'expression_statement', 'comment',
]);

const TYPE_BODY: Record<string, DeclKind> = { struct_specifier: 'struct', union_specifier: 'union', enum_specifier: 'enum' };

function typeBody(spec: Node | null): { kind: DeclKind; name: string } | undefined {
  if (!spec || !(spec.type in TYPE_BODY)) return undefined;
  if (!spec.childForFieldName('body')) return undefined;
  return { kind: TYPE_BODY[spec.type]!, name: spec.childForFieldName('name')?.text ?? '' };
}

/** A first guess at what an unparsable region declares: the first `name(` or else the first word. */
function guessName(text: string): string {
  const clean = normalize(text);
  const call = /([A-Za-z_]\w*) \(/.exec(clean);
  const word = /[A-Za-z_]\w*/.exec(clean);
  return call?.[1] ?? word?.[0] ?? '?';
}

function collectDecls(root: Node, text: string, masked: Masked, lineStarts: number[]): Decl[] {
  const out: Decl[] = [];
  const seen = new Map<string, number>();
  const add = (kind: DeclKind, name: string, node: Node, conditions: string[], extra: Partial<Decl> = {}, range?: [number, number]) => {
    const base = `${kind}:${name}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    let start = range?.[0] ?? node.startIndex;
    // `noinstr void f(void)`: masked annotations before the node belong to it.
    const lineStart = masked.text.lastIndexOf('\n', start - 1) + 1;
    if (/^[ \t]*$/.test(masked.text.slice(lineStart, start))) {
      const lead = /\S/.exec(blankComments(text.slice(lineStart, start)));
      if (lead) start = lineStart + lead.index;
    }
    let end = range?.[1] ?? node.endIndex;
    // `struct x { … } __packed;`: the masked annotation and the `;` belong to it.
    const trailer = /^[ \t\n]*;/.exec(masked.text.slice(end, end + 400));
    if (trailer && kind !== 'function') end += trailer[0].length;
    out.push({
      kind, name, key: n ? `${base}#${n}` : base, start, end,
      startLine: lineOf(lineStarts, start), endLine: lineOf(lineStarts, Math.max(start, end - 1)),
      node, hasError: node.hasError || !!extra.hasError, conditions, ...extra,
    });
  };

  const visit = (items: Node[], conditions: string[]) => {
    for (let i = 0; i < items.length; i++) {
      const node = items[i]!;
      switch (node.type) {
        case 'comment':
        case ';':
        case '#endif':
          break;
        case 'preproc_if':
        case 'preproc_ifdef':
        case 'preproc_elif':
        case 'preproc_elifdef':
        case 'preproc_else': {
          const cond = node.type === 'preproc_else' ? 'else' : normalize(text.slice(node.startIndex, (node.childForFieldName('condition') ?? node.childForFieldName('name') ?? node).endIndex));
          const inner = node.namedChildren.filter((c) => c !== node.childForFieldName('condition') && c !== node.childForFieldName('name') && c !== node.childForFieldName('alternative'));
          visit(inner, [...conditions, cond]);
          const alt = node.childForFieldName('alternative');
          if (alt) visit([alt], conditions);
          break;
        }
        case 'preproc_def':
          add('define', node.childForFieldName('name')?.text ?? '?', node, conditions);
          break;
        case 'preproc_function_def':
          add('macro', node.childForFieldName('name')?.text ?? '?', node, conditions);
          break;
        case 'preproc_include':
          add('include', normalize(node.childForFieldName('path')?.text ?? node.text), node, conditions);
          break;
        case 'preproc_call':
        case 'preproc_undef':
          break;
        case 'function_definition': {
          const name = declaratorName(node.childForFieldName('declarator')) ?? guessName(text.slice(node.startIndex, node.endIndex));
          const sc = syscallOf(name);
          const info = sc ? masked.syscalls.get(node.startIndex) ?? [...masked.syscalls.values()].find((s) => s.name === sc.name) : undefined;
          add('function', sc ? sc.name : name, node, conditions, {
            body: node.childForFieldName('body') ?? undefined,
            ...(sc ? { syscall: { name: sc.name, macro: info?.macro ?? 'SYSCALL_DEFINE', compat: sc.compat } } : {}),
          });
          break;
        }
        case 'declaration':
          declaration(node, conditions);
          break;
        case 'type_definition': {
          const body = typeBody(node.childForFieldName('type'));
          const names = node.childrenForFieldName('declarator').map((d) => declaratorName(d) ?? '?');
          if (body) add(body.kind, body.name || names[0] || '?', node, conditions);
          for (const n of names) add('typedef', n, node, conditions);
          break;
        }
        case 'struct_specifier':
        case 'union_specifier':
        case 'enum_specifier': {
          const body = typeBody(node);
          // Without a body it is a forward declaration: nothing to compare.
          if (body) add(body.kind, body.name || `@${lineOf(lineStarts, node.startIndex)}`, node, conditions);
          break;
        }
        case 'expression_statement': {
          const call = node.namedChildren[0];
          const next = items[i + 1];
          if (call?.type === 'call_expression') {
            const callee = call.childForFieldName('function')?.text ?? '?';
            const args = call.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
            const first = args[0] ? normalize(text.slice(args[0].startIndex, args[0].endIndex)) : '';
            if (next?.type === 'compound_statement' && /^[A-Z_][A-Z0-9_]*$/.test(callee)) {
              // A function-defining macro: `BPF_CALL_2(name, …) { … }`.
              add('function', first || callee, node, conditions, { body: next, viaMacro: callee, hasError: next.hasError }, [node.startIndex, next.endIndex]);
              i++;
            } else if (/^EXPORT_(SYMBOL|PER_CPU_SYMBOL|INDIRECT_CALLABLE|STATIC_CALL)/.test(callee)) {
              add('export', first, node, conditions, { viaMacro: callee });
            } else if (/^(DEFINE|DECLARE)_/.test(callee)) {
              // DEFINE_PER_CPU(type, name), DEFINE_STATIC_KEY_FALSE(name), …: data.
              const name = /PER_CPU/.test(callee) && args[1] ? normalize(args[1].text) : first;
              add('data', name, node, conditions, { viaMacro: callee });
            } else {
              add('macro-call', `${callee}(${first})`, node, conditions, { viaMacro: callee });
            }
          } else {
            add('unparsed', guessName(text.slice(node.startIndex, node.endIndex)), node, conditions, { hasError: true });
          }
          break;
        }
        case 'ERROR': {
          // tree-sitter gave up somewhere inside (often a whole #ifndef guard): take the
          // declarations it did recover, and make each run of leftovers an unparsed region.
          const before = out.length;
          let run: Node[] = [];
          const flush = () => {
            const named = run.filter((r) => r.isNamed && r.type !== 'comment');
            if (named.length) {
              const from = run[0]!.startIndex;
              const to = run[run.length - 1]!.endIndex;
              if (/[^\s]/.test(masked.text.slice(from, to).replace(/#\s*(ifn?def|if|else|elif|endif)\b[^\n]*/g, ''))) {
                add('unparsed', guessName(text.slice(from, to)), named[0]!, conditions, { hasError: true }, [from, to]);
              }
            }
            run = [];
          };
          for (const ch of node.children) {
            if (RECOVERABLE.has(ch.type)) {
              flush();
              visit([ch], conditions);
            } else if (ch.type === ';' && run.length === 0) {
              continue;
            } else run.push(ch);
          }
          flush();
          // Recovered declarations keep their own parse state: each parsed cleanly or not.
          void before;
          break;
        }
        default:
          add('unparsed', guessName(text.slice(node.startIndex, node.endIndex)), node, conditions, { hasError: true });
      }
    }
  };

  const declaration = (node: Node, conditions: string[]) => {
    const typeNode = node.childForFieldName('type');
    const body = typeBody(typeNode);
    if (body) add(body.kind, body.name || `@${lineOf(lineStarts, node.startIndex)}`, node, conditions);
    const declarators = node.childrenForFieldName('declarator');
    const isExtern = node.namedChildren.some((c) => c.type === 'storage_class_specifier' && c.text === 'extern');
    for (const d of declarators) {
      let name = declaratorName(d) ?? '?';
      const value = d.type === 'init_declarator' ? d.childForFieldName('value') ?? undefined : undefined;
      // `static DEFINE_SPINLOCK(lock);` reads as a declaration of type DEFINE_SPINLOCK.
      const macroType = typeNode?.type === 'type_identifier' && /^(DEFINE|DECLARE)_|^LIST_HEAD$|^HLIST_HEAD$/.test(typeNode.text)
        ? typeNode.text
        : [...masked.perCpu].find(([at]) => at >= node.startIndex && at < d.startIndex)?.[1];
      if (hasFunctionDeclarator(d) && !value) add('prototype', name, node, conditions);
      else add(isExtern ? 'extern' : 'data', name, node, conditions, { body: value, ...(macroType ? { viaMacro: macroType } : {}) });
      if (name === '?') name = guessName(node.text);
    }
  };

  visit(root.namedChildren, []);
  return out;
}

/** What annotations (sections, tracing, layout) a declaration's header carries. */
export function headerAnnotations(file: ParsedFile, d: Decl): string[] {
  const end = d.body && d.kind === 'function' ? d.body.startIndex : d.end;
  return annotationsIn(file.text.slice(d.start, end));
}

export type { Node };
