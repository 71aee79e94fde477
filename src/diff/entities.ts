// The differ's view of one object: functions and data objects as symbol-sized byte ranges,
// looked up by section and offset, with the relocations that fall inside each.
import { SHF, SHN, SHT, STB, STT, type ElfObject, type ElfRelocation, type ElfSection } from '../elf/index.js';
import { isLocalLabel } from './names.js';
import type { Entity } from './types.js';

export interface IndexedEntity extends Entity {
  /** Relocations inside [offset, offset + size), ordered by offset. */
  relocations: ElfRelocation[];
}

export interface ObjectIndex {
  obj: ElfObject;
  path: string;
  entities: IndexedEntity[];
  /** By symbol name (names are unique among a TU's definitions). */
  byName: Map<string, IndexedEntity>;
  /** Per section index: entities sorted by offset. */
  bySection: Map<number, IndexedEntity[]>;
  /** Relocations applying to each section, sorted by offset; none for .debug_* sections (most of an object's relocations; DWARF is read where needed). */
  relocationsOf: Map<number, ElfRelocation[]>;
}

const bindName = (b: number): Entity['bind'] => (b === STB.GLOBAL ? 'global' : b === STB.WEAK ? 'weak' : 'local');

export function isTextSection(s: ElfSection): boolean {
  return (s.flags & SHF.EXECINSTR) !== 0n;
}

export function indexObject(obj: ElfObject, path: string): ObjectIndex {
  const relocationsOf = new Map<number, ElfRelocation[]>();
  for (const rs of obj.relocations) {
    if (obj.sections[rs.target]?.name.startsWith('.debug_')) continue;
    const list = relocationsOf.get(rs.target) ?? [];
    list.push(...rs.entries);
    relocationsOf.set(rs.target, list);
  }
  for (const list of relocationsOf.values()) list.sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));

  const entities: IndexedEntity[] = [];
  for (const sym of obj.symbols) {
    if (sym.special || sym.shndx === SHN.UNDEF || sym.name === '' || isLocalLabel(sym.name)) continue;
    if (sym.type !== STT.FUNC && sym.type !== STT.OBJECT && sym.type !== STT.TLS) continue;
    const section = obj.sections[sym.shndx]!;
    if (section.type === SHT.GROUP) continue;
    const kind = sym.type === STT.FUNC || isTextSection(section) ? 'function' : 'data';
    // Data without a size (an asm label) spans the rest of its section.
    const size = sym.size > 0n ? sym.size : kind === 'data' ? section.size - sym.value : 0n;
    const relocations = (relocationsOf.get(sym.shndx) ?? []).filter((r) => r.offset >= sym.value && r.offset < sym.value + size);
    entities.push({
      kind, name: sym.name, symbol: sym.index, section: section.name, sectionIndex: sym.shndx,
      offset: sym.value, size, bind: bindName(sym.bind), relocations,
    });
  }
  const byName = new Map<string, IndexedEntity>();
  const bySection = new Map<number, IndexedEntity[]>();
  for (const e of entities) {
    if (!byName.has(e.name)) byName.set(e.name, e);
    const list = bySection.get(e.sectionIndex) ?? [];
    list.push(e);
    bySection.set(e.sectionIndex, list);
  }
  for (const list of bySection.values()) list.sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  return { obj, path, entities, byName, bySection, relocationsOf };
}

/** The entity whose range covers `offset` in section `shndx` (binary search). */
export function entityAt(index: ObjectIndex, shndx: number, offset: bigint): IndexedEntity | undefined {
  const list = index.bySection.get(shndx);
  if (!list) return undefined;
  let lo = 0;
  let hi = list.length - 1;
  let found: IndexedEntity | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const e = list[mid]!;
    if (e.offset <= offset) {
      found = e;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found && offset < found.offset + (found.size > 0n ? found.size : 1n)) return found;
  return undefined;
}

export function bytesOf(index: ObjectIndex, e: Entity): Uint8Array {
  const s = index.obj.sections[e.sectionIndex]!;
  if (s.type === SHT.NOBITS) return new Uint8Array(0);
  return s.data.subarray(Number(e.offset), Number(e.offset + e.size));
}
