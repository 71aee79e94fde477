// Lay out the patch object: kept sections whole, compacted sections as their pieces, the
// placeholder section, symbols (section symbols, kept locals, then globals) and relocations.
import { SHF, SHN, SHT, STB, STT, type ElfObject, type ElfRelocation, type ElfSection, type ElfSymbol } from '../elf/index.js';
import type { CompactedSections } from './pieces.js';
import { PLACEHOLDER_PREFIX, PLACEHOLDER_SECTION, type KlpPlaceholder } from './types.js';

/** Where a relocation of the patch object points. */
export type Target =
  /** A symbol of the patched object that the patch carries (or the null symbol). */
  | { kind: 'keep'; symbol: number; addend: bigint }
  /** An export the module loader resolves. */
  | { kind: 'export'; name: string; addend: bigint }
  /** Anything else of the running kernel: a livepatch relocation. */
  | { kind: 'klp'; ph: KlpPlaceholder; addend: bigint }
  /** Into a compacted section: `addend` is relative to the original section, within piece `from`. */
  | { kind: 'piece'; section: number; from: number; addend: bigint };

export interface Resolved {
  rel: ElfRelocation;
  target: Target;
}

export interface AssembleInput {
  patched: ElfObject;
  /** Kept sections (original indices, ascending) and their resolved relocations. */
  kept: number[];
  relocations: Map<number, Resolved[]>;
  /** Compacted sections and the resolved relocations of their pieces (by original offset). */
  pieces: CompactedSections;
  pieceRelocations: Map<number, Map<bigint, Resolved>>;
  /** Included functions: made global so the registration code can name them. */
  included: Set<string>;
  placeholders: KlpPlaceholder[];
}

export function assemble(input: AssembleInput): ElfObject {
  const p = input.patched;
  const sections: ElfSection[] = [{ ...p.sections[0]!, size: 0n, link: 0, info: 0 }];
  const newIndex = new Map<number, number>();
  const add = (s: Omit<ElfSection, 'index'>): number => {
    const index = sections.length;
    sections.push({ ...s, index });
    return index;
  };
  for (const i of input.kept) {
    const s = p.sections[i]!;
    newIndex.set(i, add({ ...s, flags: s.flags & ~SHF.GROUP, offset: 0n }));
  }
  const pieceAt = new Map<number, Map<number, number>>(); // original section → piece from → output offset
  const compacted: Array<{ original: number; out: number; relocations: Resolved[] }> = [];
  for (const si of input.pieces.sections()) {
    const s = p.sections[si]!;
    const { pieces, size } = input.pieces.layout(si);
    const data = new Uint8Array(size);
    const at = new Map<number, number>();
    const relocations: Resolved[] = [];
    const byOffset = [...(input.pieceRelocations.get(si)?.values() ?? [])].sort((a, b) => (a.rel.offset < b.rel.offset ? -1 : a.rel.offset > b.rel.offset ? 1 : 0));
    for (const piece of pieces) {
      at.set(piece.from, piece.at);
      if (s.type !== SHT.NOBITS) data.set(s.data.subarray(piece.from, piece.from + piece.size), piece.at);
      for (const r of byOffset) {
        if (r.rel.offset >= BigInt(piece.from) && r.rel.offset < BigInt(piece.from + piece.size)) {
          relocations.push({ rel: { ...r.rel, offset: r.rel.offset - BigInt(piece.from) + BigInt(piece.at) }, target: r.target });
        }
      }
    }
    pieceAt.set(si, at);
    const out = add({ ...s, data, size: BigInt(size), offset: 0n, flags: s.flags & ~SHF.GROUP });
    newIndex.set(si, out);
    compacted.push({ original: si, out, relocations });
  }
  const phSection = input.placeholders.length ? add({
    name: PLACEHOLDER_SECTION, type: SHT.PROGBITS, flags: SHF.ALLOC, addr: 0n, size: BigInt(8 * input.placeholders.length), link: 0, info: 0,
    addralign: 8n, entsize: 0n, offset: 0n, data: new Uint8Array(8 * input.placeholders.length),
  }) : 0;

  // Symbols: null, section symbols, locals of kept sections, then globals.
  const symbols: ElfSymbol[] = [];
  const newSym = new Map<number, number>();
  const sectionSym = new Map<number, number>(); // original section → its section symbol in the output
  const push = (s: Omit<ElfSymbol, 'index'>) => {
    symbols.push({ ...s, index: symbols.length });
    return symbols.length - 1;
  };
  push({ name: '', value: 0n, size: 0n, bind: 0, type: 0, visibility: 0, other: 0, shndx: 0, special: false });
  for (const [oldI, newI] of newIndex) {
    const idx = push({ name: '', value: 0n, size: 0n, bind: STB.LOCAL, type: STT.SECTION, visibility: 0, other: 0, shndx: newI, special: false });
    sectionSym.set(oldI, idx);
    const secSym = p.symbols.find((s) => s.type === STT.SECTION && s.shndx === oldI && !s.special);
    if (secSym) newSym.set(secSym.index, idx);
  }
  for (const oldSec of input.kept) {
    for (const s of p.symbols) {
      if (s.special || s.shndx !== oldSec || s.type === STT.SECTION || s.bind !== STB.LOCAL || input.included.has(s.name)) continue;
      newSym.set(s.index, push({ ...s, shndx: newIndex.get(oldSec)! }));
    }
  }
  for (const oldSec of input.kept) {
    for (const s of p.symbols) {
      if (s.special || s.shndx !== oldSec || s.type === STT.SECTION) continue;
      if (s.bind === STB.LOCAL && !input.included.has(s.name)) continue;
      newSym.set(s.index, push({ ...s, bind: s.bind === STB.WEAK ? STB.WEAK : STB.GLOBAL, shndx: newIndex.get(oldSec)! }));
    }
  }
  const exportSym = new Map<string, number>();
  const phSym = new Map<number, number>();
  for (const [i, ph] of input.placeholders.entries()) {
    phSym.set(ph.index, push({ name: `${PLACEHOLDER_PREFIX}${ph.index}`, value: BigInt(8 * i), size: 8n, bind: STB.GLOBAL, type: STT.OBJECT, visibility: 0, other: 0, shndx: phSection, special: false }));
  }
  const entry = (r: Resolved): ElfRelocation => {
    const t = r.target;
    if (t.kind === 'keep') {
      if (t.symbol === 0) return { ...r.rel, symbol: 0, addend: t.addend };
      const n = newSym.get(t.symbol);
      if (n === undefined) throw new Error(`link: symbol ${p.symbols[t.symbol]!.name} of a kept section was not carried`);
      return { ...r.rel, symbol: n, addend: t.addend };
    }
    if (t.kind === 'piece') {
      const at = pieceAt.get(t.section)!.get(t.from)!;
      return { ...r.rel, symbol: sectionSym.get(t.section)!, addend: t.addend - BigInt(t.from) + BigInt(at) };
    }
    if (t.kind === 'export') {
      let n = exportSym.get(t.name);
      if (n === undefined) {
        n = push({ name: t.name, value: 0n, size: 0n, bind: STB.GLOBAL, type: STT.NOTYPE, visibility: 0, other: 0, shndx: SHN.UNDEF, special: false });
        exportSym.set(t.name, n);
      }
      return { ...r.rel, symbol: n, addend: t.addend };
    }
    return { ...r.rel, symbol: phSym.get(t.ph.index)!, addend: t.addend };
  };
  const pending: Array<{ target: number; entries: ElfRelocation[] }> = [];
  for (const oldSec of input.kept) {
    const list = input.relocations.get(oldSec) ?? [];
    if (list.length) pending.push({ target: newIndex.get(oldSec)!, entries: list.map(entry) });
  }
  for (const c of compacted) if (c.relocations.length) pending.push({ target: c.out, entries: c.relocations.map(entry) });

  const relocations: ElfObject['relocations'] = [];
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
