// Comparing an old and a new declaration by kind: struct bodies, signatures, enums, typedefs,
// #defines, global data, exports and macro calls; each difference becomes findings in the
// collector of analyze.ts, which decides which declarations a diff touches.
import { headerAnnotations, type Decl, type Node, type ParsedFile } from './decls.js';
import { normalize } from './mask.js';
import { INIT_ANNOTATIONS, textOf, declText, withoutAnnotations, isStatic, isConstData } from './decl-text.js';
import { type Member, membersOf, structBody, structAttributes, lcs, enumeratorsOf, defineValue, isConstantValue, familyPrefix } from './shapes.js';
import type { Ctx } from './analyze.js';

export function syscallHeader(f: ParsedFile, d: Decl): string {
  return f.masked.syscalls.get(d.start)?.header ?? '';
}

export function compareSignatureOnly(x: Ctx): void {
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

export async function compareStruct(x: Ctx): Promise<void> {
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

export function compareEnum(x: Ctx): void {
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

export function compareTypedef(x: Ctx): void {
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

export function compareData(x: Ctx): void {
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

export function shorten(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

export async function compareDefine(x: Ctx): Promise<void> {
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

export function compareExport(x: Ctx): void {
  const { c, file, o, n, line } = x;
  const d = (n ?? o)!;
  if (!o) c.add('export-added', file, n!.startLine, d.name, `${n!.viaMacro}(${d.name}) added: a live patch cannot add __ksymtab entries to the running kernel`, x.low);
  else if (!n) c.add('export-changed', file, line, d.name, `${o.viaMacro}(${d.name}) removed: loaded modules keep using the export`, x.low);
  else c.add('export-changed', file, line, d.name, `export of ${d.name} changed (${o.viaMacro} → ${n.viaMacro})`, x.low);
}

export function compareMacroCall(x: Ctx): void {
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
