// The patch object: the replaced and new functions of one TU's patched build, the data and
// strings only they use, the special-section records that point into them, and every other
// reference turned into either an ordinary undefined symbol (an export: the module loader
// resolves it) or a placeholder `__cdm_klp_<N>` that the module stage turns into a livepatch
// relocation against `.klp.sym.<object>.<name>,<sympos>` after kbuild's link.
import { EnvironmentError, InputError } from '../common/errors.js';
import { SHN, STB, STT, readElfFile, type ElfObject, type ElfRelocation, type ElfSymbol } from '../elf/index.js';
import type { ObjectDiff } from '../diff/index.js';
import { splitSpecialSections } from '../diff/special-sections.js';
import { assemble, type Resolved, type Target } from './assemble.js';
import { Placeholders, exportedElsewhere, symposInModule, symposInVmlinux, symposOfFunction, symposUnique, type NamingInput } from './names.js';
import { unloadHazards } from './hazards.js';
import { CompactedSections } from './pieces.js';
import { carryRecords, checkRecordField, isCompacted, recordFieldName } from './records.js';
import { aimedOffsets, includeData, symbolAt } from './select.js';
import type { KlpPlaceholder, PatchPlan } from './types.js';

export type * from './types.js';
export { separateGlobals, type LinkedObject } from './combine.js';

export interface LinkInput extends NamingInput {
  /** The patched object of the TU. */
  patched: string;
  diff: ObjectDiff;
  /** Number of the first placeholder (the module's earlier patch objects use the ones below). */
  firstPlaceholder?: number;
  /** New global functions and data that another patch object of the same module defines. */
  patchGlobals?: Set<string>;
}

/** A record field being resolved: which special section, and the function whose record it is. */
interface Field {
  section: string;
  owner: string;
}

export async function linkPatchObject(input: LinkInput): Promise<{ elf: ElfObject; plan: PatchPlan }> {
  const p = await readElfFile(input.patched);
  const { diff } = input;
  const included = new Set<string>();
  const plan: PatchPlan = { placeholders: [], functions: [], hazards: [], namespaces: [] };
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

  const funcSym = new Map<string, ElfSymbol>();
  for (const s of p.symbols) if (s.type === STT.FUNC && !s.special && s.shndx !== SHN.UNDEF) funcSym.set(s.name, s);
  const keep = new Set<number>();
  const queue: number[] = [];
  for (const name of included) {
    const s = funcSym.get(name);
    if (!s) throw new InputError(`${input.patched}: no function ${name}`);
    if (!keep.has(s.shndx)) queue.push(s.shndx);
    keep.add(s.shndx);
  }

  const records = splitSpecialSections(p);
  const recordsOf = groupBy(records, (r) => r.sectionIndex);
  const pieces = new CompactedSections();
  carryRecords(records, included, pieces);

  const relaOf = groupBy(p.relocations.flatMap((rs) => rs.entries.map((rel) => ({ rs, rel }))), (x) => x.rs.target, (x) => x.rel);
  const newData = new Set(diff.data.filter((d) => d.status === 'new' || d.carried).map((d) => d.name));
  const placeholders = new Placeholders(input.firstPlaceholder);
  const module = (name: string, type: KlpPlaceholder['type']) => placeholders.get(name, type, symposInModule(input, name), input.object);
  const vmlinux = (name: string, type: KlpPlaceholder['type'], sympos = symposInVmlinux(input, name)) => placeholders.get(name, type, sympos, 'vmlinux');

  /** A symbol no section of the patch defines: an export, the patched module's, or vmlinux's. */
  const undefinedTarget = (name: string, addend: bigint): Target => {
    // New in the patch, defined by its object for another TU: the module's own link resolves it.
    if (exportedElsewhere(input, name) || input.patchGlobals?.has(name)) return { kind: 'export', name, addend };
    // Defined in another TU of the same module: resolved against the module when it loads.
    if (input.object !== 'vmlinux' && input.moduleSymbols?.byName.has(name)) return { kind: 'klp', ph: module(name, 'NOTYPE'), addend };
    return { kind: 'klp', ph: vmlinux(name, 'NOTYPE'), addend };
  };

  /** Existing code or data of the running kernel, defined in this TU: name it. */
  const existingTarget = (sym: ElfSymbol, addend: bigint): Target => {
    const local = sym.bind === STB.LOCAL;
    const type = sym.type === STT.FUNC ? 'FUNC' : sym.type === STT.OBJECT ? 'OBJECT' : 'NOTYPE';
    if (!local && exportedElsewhere(input, sym.name)) return { kind: 'export', name: sym.name, addend };
    // The module's own code or data (its exports too: a normal relocation would make the patch
    // module depend on, and load, the module it patches).
    if (input.object !== 'vmlinux') return { kind: 'klp', ph: module(sym.name, type), addend };
    const sympos = symposUnique(input, sym.name, (e) => (local ? /[a-z]/.test(e.type) : /[A-Z]/.test(e.type)));
    return { kind: 'klp', ph: vmlinux(sym.name, type, sympos), addend };
  };

  /** A reference into a compacted section: the piece holding it, added if it is a record of its own. */
  const pieceTarget = (t: ElfSymbol, rel: ElfRelocation, from: number): Target => {
    for (const aimed of aimedOffsets(rel, p.sections[from]!)) {
      const offset = Number(t.value + aimed);
      let piece = pieces.find(t.shndx, offset);
      if (!piece) {
        const record = recordsOf.get(t.shndx)?.find((r) => r.offset <= offset && offset < r.offset + r.size);
        if (record) {
          pieces.add(t.shndx, record.offset, record.size);
          piece = pieces.find(t.shndx, offset);
        }
      }
      if (piece) return { kind: 'piece', section: t.shndx, from: piece.from, addend: t.value + rel.addend };
    }
    throw new EnvironmentError(`${input.patched}: a reference from ${p.sections[from]!.name} into ${p.sections[t.shndx]!.name} (+${rel.addend}) names no record of it`);
  };

  const resolve = (rel: ElfRelocation, from: number, field?: Field): Target => {
    const t = p.symbols[rel.symbol]!;
    if (t.index === 0) return { kind: 'keep', symbol: 0, addend: rel.addend };
    if (t.special) throw new EnvironmentError(`${input.patched}: relocation against special symbol ${t.name} is not supported`);
    if (t.shndx === SHN.UNDEF) {
      const name = field ? recordFieldName(field.section, t.name, (n) => exportedElsewhere(input, n)) : t.name;
      return undefinedTarget(name, rel.addend);
    }
    const section = p.sections[t.shndx]!;
    if (isCompacted(section.name)) return pieceTarget(t, rel, from);
    if (keep.has(t.shndx) || includeData(section, t, p, newData)) {
      if (!keep.has(t.shndx)) {
        keep.add(t.shndx);
        queue.push(t.shndx);
      }
      return { kind: 'keep', symbol: t.index, addend: rel.addend };
    }
    const { sym, delta } = symbolAt(p, t, rel, p.sections[from]!);
    if (!sym) throw new EnvironmentError(`${input.patched}: a reference from ${p.sections[from]!.name} into ${section.name} names no symbol`);
    if (field) {
      const renamed = recordFieldName(field.section, sym.name, (n) => exportedElsewhere(input, n));
      if (renamed !== sym.name) return undefinedTarget(renamed, rel.addend - delta);
    }
    return existingTarget(sym, rel.addend - delta);
  };

  const relocations = new Map<number, Resolved[]>();
  const pieceRelocations = new Map<number, Map<bigint, Resolved>>();
  const owners = new Map<string, string>();
  for (const r of records) if (r.function !== undefined) owners.set(`${r.sectionIndex}:${r.offset}`, r.function);
  for (;;) {
    const sec = queue.pop();
    if (sec !== undefined) {
      relocations.set(sec, (relaOf.get(sec) ?? []).map((rel) => ({ rel, target: resolve(rel, sec) })));
      continue;
    }
    const pending = pieces.takePending();
    if (pending.length === 0) break;
    for (const { section, piece } of pending) {
      const name = p.sections[section]!.name;
      const field = { section: name, owner: owners.get(`${section}:${piece.from}`) ?? `a record in ${name}` };
      let resolved = pieceRelocations.get(section);
      if (!resolved) pieceRelocations.set(section, (resolved = new Map()));
      for (const rel of relaOf.get(section) ?? []) {
        if (rel.offset < BigInt(piece.from) || rel.offset >= BigInt(piece.from + piece.size) || resolved.has(rel.offset)) continue;
        const target = resolve(rel, section, field);
        if (target.kind === 'klp') checkRecordField(name, field.owner, target.ph.name, target.ph.object);
        resolved.set(rel.offset, { rel, target });
      }
    }
  }
  plan.placeholders = placeholders.list();
  const used = [...relocations.values(), ...[...pieceRelocations.values()].map((m) => [...m.values()])].flat();
  plan.namespaces = [...new Set(used.flatMap((r) => (r.target.kind === 'export' ? [input.exports.get(r.target.name)?.namespace ?? ''] : [])).filter(Boolean))].sort();
  const kept = [...keep].sort((a, b) => a - b);
  plan.hazards = unloadHazards({ patched: p, diff, kept, relocations, included, newData });
  const elf = assemble({ patched: p, kept, relocations, pieces, pieceRelocations, included, placeholders: plan.placeholders });
  return { elf, plan };
}

/** Items by key, in their order, without copying a growing list per item. */
function groupBy<T, K, V = T>(items: T[], key: (x: T) => K, value: (x: T) => V = (x) => x as unknown as V): Map<K, V[]> {
  const out = new Map<K, V[]>();
  for (const x of items) {
    const k = key(x);
    const list = out.get(k);
    if (list) list.push(value(x));
    else out.set(k, [value(x)]);
  }
  return out;
}
