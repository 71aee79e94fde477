// The patch object: the replaced and new functions of one TU's patched build, the data and
// strings only they use, the special-section records that point into them, and every other
// reference turned into either an ordinary undefined symbol (an export: the module loader
// resolves it) or a placeholder `__cdm_klp_<N>` that the module stage turns into a livepatch
// relocation against `.klp.sym.<object>.<name>,<sympos>` after kbuild's link.
import { EnvironmentError, InputError } from '../common/errors.js';
import { SHF, SHN, SHT, STB, STT, readElfFile, type ElfObject, type ElfRelocation, type ElfSection, type ElfSymbol } from '../elf/index.js';
import type { ObjectDiff } from '../diff/index.js';
import { splitSpecialSections } from '../diff/special-sections.js';
import { lookup, type Export, type Kallsyms, type ModuleSymbols } from '../symbols/index.js';
import { PLACEHOLDER_PREFIX, PLACEHOLDER_SECTION, type KlpPlaceholder, type PatchPlan } from './types.js';

export type * from './types.js';

export interface LinkInput {
  /** The patched object of the TU. */
  patched: string;
  diff: ObjectDiff;
  /** 'vmlinux' or the module the TU belongs to. */
  object: string;
  kallsyms: Kallsyms;
  exports: Map<string, Export>;
  /** sympos of same-named functions told apart by run-pre matching (src/verify). */
  resolved?: Map<string, number>;
  /** For a TU of a loadable module: that module's shipped symbol table (sympos, what it defines). */
  moduleSymbols?: ModuleSymbols;
}

/**
 * Special sections whose records are carried for included functions. `.smp_locks` lists
 * LOCK-prefixed instructions that x86 may turn into plain ones on a uniprocessor; the module
 * loader takes a module's records for it (and skips any outside the module's .text), and the
 * instruction keeps its LOCK prefix either way.
 */
const CARRIED_RECORDS = new Set(['__bug_table', '__ex_table', '.smp_locks', '.static_call_sites']);
/** Records the first version cannot carry yet: refuse rather than produce a wrong module. */
const UNSUPPORTED_RECORDS = new Set(['__jump_table', '.altinstructions', '.parainstructions', '__dyndbg']);

export async function linkPatchObject(input: LinkInput): Promise<{ elf: ElfObject; plan: PatchPlan }> {
  const p = await readElfFile(input.patched);
  const { diff } = input;
  const included = new Set<string>();
  const plan: PatchPlan = { placeholders: [], functions: [] };
  for (const f of diff.functions) {
    if (f.status === 'removed' || f.cause === 'line-numbers') continue;
    const name = f.patchedName ?? f.name;
    included.add(name);
    for (const frag of f.fragments ?? []) included.add(frag);
    if (f.status === 'changed' && !f.replacedVia) {
      plan.functions.push({ old_name: f.name, new_symbol: name, old_sympos: symposOfFunction(input, f.name, f.bind), object: input.object });
    }
  }
  if (plan.functions.length === 0) throw new InputError('nothing to patch: no function of the running kernel changes');

  const symByIndex = p.symbols;
  const funcSym = new Map<string, ElfSymbol>();
  for (const s of p.symbols) if (s.type === STT.FUNC && !s.special && s.shndx !== SHN.UNDEF) funcSym.set(s.name, s);
  const keep = new Set<number>();
  for (const name of included) {
    const s = funcSym.get(name);
    if (!s) throw new InputError(`${input.patched}: no function ${name}`);
    keep.add(s.shndx);
  }

  // Special-section records of included functions.
  const records = splitSpecialSections(p).filter((r) => r.function !== undefined && included.has(r.function));
  for (const r of records) {
    if (UNSUPPORTED_RECORDS.has(r.section)) {
      throw new EnvironmentError(`${r.function} has a ${r.section} record: carrying ${r.section} into a live patch is not supported yet`, 'check reports the verdict; build supports patches without jump labels, alternatives, static calls and dynamic debug for now');
    }
  }

  const relaOf = new Map<number, ElfRelocation[]>();
  for (const rs of p.relocations) relaOf.set(rs.target, [...(relaOf.get(rs.target) ?? []), ...rs.entries]);

  // Work list: included sections pull in the read-only data and strings they reference.
  const newData = new Set(diff.data.filter((d) => d.status === 'new' || d.carried).map((d) => d.name));
  const queue = [...keep];
  const out = new Map<number, ElfRelocation[]>(); // kept section → its rewritten relocations
  const placeholders = new Map<string, KlpPlaceholder>();
  const undefinedExports = new Map<string, number>(); // name → old symbol index (undefined)
  const placeholderFor = (name: string, type: KlpPlaceholder['type'], sympos: number, object = 'vmlinux'): KlpPlaceholder => {
    const key = `${object}:${name},${sympos}`;
    let ph = placeholders.get(key);
    if (!ph) {
      ph = { index: placeholders.size, name, object, sympos, type };
      placeholders.set(key, ph);
    }
    return ph;
  };
  type Target = { kind: 'keep'; symbol: number; addend: bigint } | { kind: 'export'; name: string; addend: bigint } | { kind: 'klp'; ph: KlpPlaceholder; addend: bigint };
  const rewritten = new Map<number, Array<{ rel: ElfRelocation; target: Target }>>();

  const drain = () => {
  while (queue.length) {
    const sec = queue.pop()!;
    if (rewritten.has(sec)) continue;
    const list: Array<{ rel: ElfRelocation; target: Target }> = [];
    rewritten.set(sec, list);
    for (const rel of relaOf.get(sec) ?? []) {
      const t = symByIndex[rel.symbol]!;
      if (t.index === 0) {
        list.push({ rel, target: { kind: 'keep', symbol: 0, addend: rel.addend } });
      } else if (!t.special && t.shndx === SHN.UNDEF) {
        if (exportedElsewhere(input, t.name)) list.push({ rel, target: { kind: 'export', name: t.name, addend: rel.addend } });
        else if (input.moduleSymbols?.byName.has(t.name)) {
          // Defined in another TU of the same module: resolved against the module when it loads.
          list.push({ rel, target: { kind: 'klp', ph: placeholderFor(t.name, 'NOTYPE', symposInModule(input, t.name), input.object), addend: rel.addend } });
        } else list.push({ rel, target: { kind: 'klp', ph: placeholderFor(t.name, 'NOTYPE', symposInVmlinux(input, t.name)), addend: rel.addend } });
      } else if (t.special) {
        throw new EnvironmentError(`${input.patched}: relocation against special symbol ${t.name} is not supported`);
      } else if (keep.has(t.shndx) || includeData(p.sections[t.shndx]!, t, p, newData)) {
        if (!keep.has(t.shndx)) {
          keep.add(t.shndx);
          queue.push(t.shndx);
        }
        list.push({ rel, target: { kind: 'keep', symbol: t.index, addend: rel.addend } });
      } else {
        // Existing code or data of the running kernel: name it for a livepatch relocation.
        const { sym, delta } = symbolAt(p, t, rel, p.sections[sec]!);
        if (!sym) throw new EnvironmentError(`${input.patched}: a reference from ${p.sections[sec]!.name} into ${p.sections[t.shndx]!.name} names no symbol`);
        const local = sym.bind === STB.LOCAL;
        const type = sym.type === STT.FUNC ? 'FUNC' : sym.type === STT.OBJECT ? 'OBJECT' : 'NOTYPE';
        if (!local && exportedElsewhere(input, sym.name)) {
          list.push({ rel, target: { kind: 'export', name: sym.name, addend: rel.addend - delta } });
        } else if (input.object !== 'vmlinux') {
          // The module's own code or data (its exports too: a normal relocation would make the
          // patch module depend on, and load, the module it patches).
          list.push({ rel, target: { kind: 'klp', ph: placeholderFor(sym.name, type, symposInModule(input, sym.name), input.object), addend: rel.addend - delta } });
        } else {
          const sympos = symposUnique(input, sym.name, (e) => (local ? /[a-z]/.test(e.type) : /[A-Z]/.test(e.type)));
          list.push({ rel, target: { kind: 'klp', ph: placeholderFor(sym.name, type, sympos), addend: rel.addend - delta } });
        }
      }
    }
  }
  };
  drain();
  void out;
  void undefinedExports;
  // Record fields that point outside the patch: a static call site's key. Compiled as vmlinux
  // code, the site names the key (__SCK__x); a module may only name an exported key, else the
  // trampoline (__SCT__x), from which the kernel looks the key up (objtool does the same for
  // modules). The call itself goes through the trampoline either way.
  const recordTargets = new Map<ElfRelocation, Target>();
  for (const r of records) {
    if (!CARRIED_RECORDS.has(r.section)) continue;
    for (const rel of relaOf.get(r.sectionIndex) ?? []) {
      if (rel.offset < BigInt(r.offset) || rel.offset >= BigInt(r.offset + r.size)) continue;
      const t = symByIndex[rel.symbol]!;
      if (keep.has(t.shndx)) continue;
      // A record's string (a __bug_table entry's file name) travels with the patch, as a
      // string the code uses does.
      if (!t.special && t.shndx !== SHN.UNDEF && includeData(p.sections[t.shndx]!, t, p, newData)) {
        keep.add(t.shndx);
        queue.push(t.shndx);
        continue;
      }
      let name = t.type === STT.SECTION ? symbolAt(p, t, rel, p.sections[r.sectionIndex]!).sym?.name : t.name;
      if (!name || t.special) throw new EnvironmentError(`${r.section} record of ${r.function} points outside the patch (${t.name || p.sections[t.shndx]?.name})`);
      if (r.section === '.static_call_sites' && name.startsWith('__SCK__') && !exportedElsewhere(input, name)) name = `__SCT__${name.slice('__SCK__'.length)}`;
      const addend = t.type === STT.SECTION ? rel.addend - symbolAt(p, t, rel, p.sections[r.sectionIndex]!).delta : rel.addend;
      recordTargets.set(rel, exportedElsewhere(input, name)
        ? { kind: 'export', name, addend }
        : { kind: 'klp', ph: placeholderFor(name, 'NOTYPE', symposInVmlinux(input, name)), addend });
    }
  }
  drain();
  plan.placeholders = [...placeholders.values()];
  const elf = assemble(p, [...keep].sort((a, b) => a - b), rewritten, included, plan.placeholders, records, recordTargets);
  return { elf, plan };
}

/** Data a patch carries: strings and constants, new data, and read-only data carried as a new copy. */
function includeData(section: ElfSection, sym: ElfSymbol, obj: ElfObject, newData: Set<string>): boolean {
  if ((section.flags & SHF.EXECINSTR) !== 0n) return false;
  if ((section.flags & SHF.MERGE) !== 0n) return true;
  const named = sym.type === STT.SECTION ? obj.symbols.find((s) => s.shndx === section.index && (s.type === STT.OBJECT) && !s.special) : sym;
  if (named === undefined) return false;
  // Constants the compiler makes (a function's name for __func__, a switch table) have no
  // identity anyone compares: a copy is as good as the original, and their names repeat in
  // every TU (`__func__.25` five times in ext4.ko), so a reference could not name one anyway.
  if ((section.flags & SHF.WRITE) === 0n && COMPILER_CONSTANT.test(named.name)) return true;
  // A WARN_ONCE/pr_*_once flag: the patched function gets its own, so its warning may fire once
  // more after patching (harmless), and the name repeats in every TU anyway.
  if (named.bind === STB.LOCAL && /^(__already_done|__warned|__print_once)\.\d+$/.test(named.name)) return true;
  // An empty object (a lockdep __key.N without CONFIG_LOCKDEP) holds nothing to share.
  if (named.bind === STB.LOCAL && named.size === 0n && /^__key\.\d+$/.test(named.name)) return true;
  return newData.has(named.name);
}

const COMPILER_CONSTANT = /^(__func__|__FUNCTION__|__PRETTY_FUNCTION__|CSWTCH)\.\d+$/;

/** The function or object a (section symbol + addend) reference names, and its offset. */
function symbolAt(obj: ElfObject, t: ElfSymbol, rel: ElfRelocation, from: ElfSection): { sym: ElfSymbol | undefined; delta: bigint } {
  if (t.type !== STT.SECTION) return { sym: t, delta: 0n };
  const inCode = (from.flags & SHF.EXECINSTR) !== 0n;
  // PC-relative in code: the displacement is counted from the end of the instruction, which an
  // immediate operand (`cmpb $0x0, x(%rip)`) may put 1, 2 or 4 bytes past the displacement.
  // Only the naming depends on it: the relocation is rewritten as symbol + (addend - value).
  const tails = inCode && [2, 4].includes(rel.type) ? [4n, 5n, 6n, 8n] : [0n];
  for (const tail of tails) {
    const target = rel.addend + tail;
    const sym = obj.symbols.find((s) => s.shndx === t.shndx && !s.special && (s.type === STT.FUNC || s.type === STT.OBJECT) && s.value <= target && target < s.value + (s.size || 1n));
    if (sym) return { sym, delta: sym.value };
  }
  return { sym: undefined, delta: 0n };
}

/** An export the loader resolves: vmlinux's or another module's, never the patched module's own. */
function exportedElsewhere(input: LinkInput, name: string): boolean {
  const e = input.exports.get(name);
  if (!e) return false;
  return input.object === 'vmlinux' || (e.module !== input.object && !e.module.endsWith(`/${input.object}`) && !e.module.endsWith(`/${input.object.replace(/_/g, '-')}`));
}

/** sympos of a vmlinux symbol of any type (run-pre's choices apply only when the TU is vmlinux's). */
function symposInVmlinux(input: LinkInput, name: string): number {
  return symposUnique({ ...input, object: 'vmlinux', resolved: input.object === 'vmlinux' ? input.resolved : undefined }, name, () => true);
}

/** sympos in the module's own symbol table (the shipped .ko), run-pre's choice for duplicates. */
function symposInModule(input: LinkInput, name: string): number {
  const ms = input.moduleSymbols;
  if (!ms) throw new EnvironmentError(`${input.object}: the module's symbol table is needed to patch its code`, 'pass --modules-dir with the running kernel\'s modules');
  const all = ms.byName.get(name) ?? [];
  if (all.length === 0) throw new EnvironmentError(`${name} is not in ${ms.file}: the shipped module is not the one this tree builds`, 'pass the running kernel\'s modules (--modules-dir)');
  if (all.length === 1) return 0;
  const known = input.resolved?.get(name);
  if (known !== undefined) return known;
  throw new EnvironmentError(`${name} occurs ${all.length} times in ${ms.file} and run-pre matching did not tell them apart`);
}

function symposOfFunction(input: LinkInput, name: string, bind: 'local' | 'global' | 'weak'): number {
  if (input.object !== 'vmlinux') return symposInModule(input, name);
  return symposUnique(input, name, (e) => (bind === 'local' ? e.type === 't' : e.type === 'T' || e.type === 'W'));
}

function symposUnique(input: LinkInput, name: string, fits: (e: { type: string }) => boolean): number {
  const known = input.resolved?.get(name);
  if (known !== undefined) return known;
  const all = lookup(input.kallsyms, name, input.object === 'vmlinux' ? 'vmlinux' : input.object);
  if (all.length === 0) throw new EnvironmentError(`${name} is not in ${input.kallsyms.file}: the kallsyms dump is not from the kernel this tree builds`, 'pass the running kernel\'s /proc/kallsyms (read as root)');
  if (all.length === 1) return 0;
  const fit = all.map((e, i) => ({ e, i })).filter(({ e }) => fits(e));
  if (fit.length !== 1) {
    throw new EnvironmentError(`${name} occurs ${all.length} times in ${input.kallsyms.file} and ${fit.length} candidates fit: none of them was told apart by its bytes (run-pre matching only tells apart functions this TU defines; pass --vmlinux/--vmlinuz rather than --no-verify)`);
  }
  return fit[0]!.i + 1;
}

type RecordTarget = { kind: string; symbol?: number; name?: string; ph?: KlpPlaceholder; addend: bigint };
type Rewritten = Map<number, Array<{ rel: ElfRelocation; target: { kind: string; symbol?: number; name?: string; ph?: KlpPlaceholder; addend: bigint } }>>;

/** Lay out the patch object: kept sections, their relocations, symbols, placeholders. */
function assemble(p: ElfObject, kept: number[], rewritten: Rewritten, included: Set<string>, placeholders: KlpPlaceholder[], records: ReturnType<typeof splitSpecialSections>, recordTargets: Map<ElfRelocation, RecordTarget>): ElfObject {
  const sections: ElfSection[] = [{ ...p.sections[0]!, size: 0n, link: 0, info: 0 }];
  const newIndex = new Map<number, number>();
  const add = (s: Omit<ElfSection, 'index'>): number => {
    const index = sections.length;
    sections.push({ ...s, index });
    return index;
  };
  for (const i of kept) {
    const s = p.sections[i]!;
    newIndex.set(i, add({ ...s, flags: s.flags & ~SHF.GROUP, offset: 0n }));
  }
  // Carried special-section records, compacted per section.
  const bySection = new Map<number, typeof records>();
  for (const r of records) if (CARRIED_RECORDS.has(r.section)) bySection.set(r.sectionIndex, [...(bySection.get(r.sectionIndex) ?? []), r]);
  const recordRelocs = new Map<number, Array<{ rel: ElfRelocation; target: { kind: string; symbol?: number; name?: string; ph?: KlpPlaceholder; addend: bigint } }>>();
  for (const [si, recs] of bySection) {
    const s = p.sections[si]!;
    const data = new Uint8Array(recs.reduce((n, r) => n + r.size, 0));
    const rels: Array<{ rel: ElfRelocation; target: { kind: string; symbol?: number; addend: bigint } }> = [];
    let at = 0;
    const src = p.relocations.filter((rs) => rs.target === si).flatMap((rs) => rs.entries);
    for (const r of recs) {
      data.set(s.data.subarray(r.offset, r.offset + r.size), at);
      for (const rel of src) {
        if (rel.offset >= BigInt(r.offset) && rel.offset < BigInt(r.offset + r.size)) {
          const sym = p.symbols[rel.symbol]!;
          const moved = { ...rel, offset: rel.offset - BigInt(r.offset) + BigInt(at) };
          const outside = recordTargets.get(rel);
          if (outside) rels.push({ rel: moved, target: outside });
          else if (!kept.includes(sym.shndx)) throw new EnvironmentError(`${s.name} record of ${r.function} points outside the patch (${sym.name || p.sections[sym.shndx]?.name})`);
          else rels.push({ rel: moved, target: { kind: 'keep', symbol: rel.symbol, addend: rel.addend } });
        }
      }
      at += r.size;
    }
    const ni = add({ ...s, data, size: BigInt(data.length), offset: 0n, flags: s.flags & ~SHF.GROUP });
    recordRelocs.set(ni, rels);
  }
  const phSection = placeholders.length ? add({
    name: PLACEHOLDER_SECTION, type: SHT.PROGBITS, flags: SHF.ALLOC, addr: 0n, size: BigInt(8 * placeholders.length), link: 0, info: 0,
    addralign: 8n, entsize: 0n, offset: 0n, data: new Uint8Array(8 * placeholders.length),
  }) : 0;

  // Symbols: null, section symbols and locals of kept sections, then globals.
  const symbols: ElfSymbol[] = [];
  const newSym = new Map<number, number>();
  const push = (s: Omit<ElfSymbol, 'index'>) => {
    symbols.push({ ...s, index: symbols.length });
    return symbols.length - 1;
  };
  push({ name: '', value: 0n, size: 0n, bind: 0, type: 0, visibility: 0, other: 0, shndx: 0, special: false });
  for (const [oldI, newI] of newIndex) {
    const secSym = p.symbols.find((s) => s.type === STT.SECTION && s.shndx === oldI && !s.special);
    const idx = push({ name: '', value: 0n, size: 0n, bind: STB.LOCAL, type: STT.SECTION, visibility: 0, other: 0, shndx: newI, special: false });
    if (secSym) newSym.set(secSym.index, idx);
  }
  for (const [oldSec] of newIndex) {
    for (const s of p.symbols) {
      if (s.special || s.shndx !== oldSec || s.type === STT.SECTION || s.bind !== STB.LOCAL || included.has(s.name)) continue;
      newSym.set(s.index, push({ ...s, shndx: newIndex.get(oldSec)! }));
    }
  }
  // Globals: included functions (global so the registration code can name them), kept globals.
  for (const [oldSec] of newIndex) {
    for (const s of p.symbols) {
      if (s.special || s.shndx !== oldSec || s.type === STT.SECTION) continue;
      if (s.bind === STB.LOCAL && !included.has(s.name)) continue;
      newSym.set(s.index, push({ ...s, bind: s.bind === STB.WEAK ? STB.WEAK : STB.GLOBAL, shndx: newIndex.get(oldSec)! }));
    }
  }
  const exportSym = new Map<string, number>();
  const phSym = new Map<number, number>();
  for (const ph of placeholders) {
    phSym.set(ph.index, push({ name: `${PLACEHOLDER_PREFIX}${ph.index}`, value: BigInt(8 * ph.index), size: 8n, bind: STB.GLOBAL, type: STT.OBJECT, visibility: 0, other: 0, shndx: phSection, special: false }));
  }
  const symFor = (t: { kind: string; symbol?: number; name?: string; ph?: KlpPlaceholder }): number => {
    if (t.kind === 'keep') {
      if (t.symbol === 0) return 0;
      const n = newSym.get(t.symbol!);
      if (n === undefined) throw new Error(`link: symbol ${p.symbols[t.symbol!]!.name} of a kept section was not carried`);
      return n;
    }
    if (t.kind === 'export') {
      let n = exportSym.get(t.name!);
      if (n === undefined) {
        n = push({ name: t.name!, value: 0n, size: 0n, bind: STB.GLOBAL, type: STT.NOTYPE, visibility: 0, other: 0, shndx: SHN.UNDEF, special: false });
        exportSym.set(t.name!, n);
      }
      return n;
    }
    return phSym.get(t.ph!.index)!;
  };
  const relocations: ElfObject['relocations'] = [];
  const relaSections: Array<[number, Array<{ rel: ElfRelocation; target: { kind: string; symbol?: number; name?: string; ph?: KlpPlaceholder; addend: bigint } }>]> = [];
  for (const [oldSec, list] of rewritten) if (newIndex.has(oldSec) && list.length) relaSections.push([newIndex.get(oldSec)!, list]);
  for (const [ni, list] of recordRelocs) if (list.length) relaSections.push([ni, list]);
  const pending: Array<{ target: number; entries: ElfRelocation[] }> = [];
  for (const [target, list] of relaSections) {
    pending.push({ target, entries: list.map(({ rel, target: t }) => ({ offset: rel.offset, type: rel.type, symbol: symFor(t), addend: t.addend })) });
  }
  const symtabIndex = sections.length + pending.length;
  for (const r of pending) {
    const index = add({
      name: `.rela${sections[r.target]!.name}`, type: SHT.RELA, flags: SHF.INFO_LINK, addr: 0n, size: 0n, link: symtabIndex, info: r.target,
      addralign: 8n, entsize: 24n, offset: 0n, data: new Uint8Array(0),
    });
    relocations.push({ section: index, target: r.target, rela: true, entries: r.entries });
  }
  const symtab = add({ name: '.symtab', type: SHT.SYMTAB, flags: 0n, addr: 0n, size: 0n, link: sections.length + 1, info: 0, addralign: 8n, entsize: 24n, offset: 0n, data: new Uint8Array(0) });
  add({ name: '.strtab', type: SHT.STRTAB, flags: 0n, addr: 0n, size: 0n, link: 0, info: 0, addralign: 1n, entsize: 0n, offset: 0n, data: new Uint8Array(0) });
  add({ name: '.shstrtab', type: SHT.STRTAB, flags: 0n, addr: 0n, size: 0n, link: 0, info: 0, addralign: 1n, entsize: 0n, offset: 0n, data: new Uint8Array(0) });
  add({ name: '.note.GNU-stack', type: SHT.PROGBITS, flags: 0n, addr: 0n, size: 0n, link: 0, info: 0, addralign: 1n, entsize: 0n, offset: 0n, data: new Uint8Array(0) });
  if (symtab !== symtabIndex) throw new Error('link: symbol table index drifted');
  return { header: p.header, sections, symtab, symbols, relocations, groups: [] };
}
