// What a relocation points at, named symbolically so the two builds can be compared: an
// entity (function or data object) plus an offset, an undefined external, a string literal by
// its contents, or a place in a section no symbol covers.
import { EM, SHF, SHN, SHT, STT, type ElfRelocation } from '../elf/index.js';
import { x86InstructionEnds } from './x86-length.js';
import { runTool } from '../build/exec.js';
import { entityAt, isTextSection, type IndexedEntity, type ObjectIndex } from './entities.js';
import { baseName } from './names.js';
import { pcAdjustRange } from './reloc-fields.js';

export type Reference =
  | { kind: 'entity'; entity: IndexedEntity; delta: bigint }
  | { kind: 'external'; name: string; addend: bigint }
  | { kind: 'string'; text: string; delta: bigint }
  | { kind: 'constant'; hex: string; delta: bigint }
  | { kind: 'place'; section: string; offset: bigint };

/** Instruction ends per text section, for the few relocations that need them. */
export type InstructionEnds = Map<number, bigint[]>;

function readCString(data: Uint8Array, offset: number): { start: number; text: string } {
  let start = offset;
  while (start > 0 && data[start - 1] !== 0) start--;
  let end = offset;
  while (end < data.length && data[end] !== 0) end++;
  return { start, text: Buffer.from(data.subarray(start, end)).toString('latin1') };
}

/**
 * Resolve `rel` (which applies to section `at`) in `index`. `ends` supplies exact instruction
 * boundaries where the PC adjustment is ambiguous; without them the smallest adjustment is used.
 */
export function resolveReference(index: ObjectIndex, at: number, rel: ElfRelocation, ends?: InstructionEnds): Reference {
  const { obj } = index;
  const sym = obj.symbols[rel.symbol]!;
  if (!sym.special && sym.shndx === SHN.UNDEF) return { kind: 'external', name: sym.name, addend: rel.addend };
  if (sym.special) return { kind: 'external', name: sym.name, addend: rel.addend };
  const section = obj.sections[sym.shndx]!;
  const direct = index.byName.get(sym.name);
  if (sym.type !== STT.SECTION && direct && direct.symbol === sym.index) return { kind: 'entity', entity: direct, delta: rel.addend };

  const base = sym.value + rel.addend;
  const inCode = isTextSection(obj.sections[at]!);
  const [lo, hi] = inCode ? pcAdjustRange(obj.header.machine, rel.type) : [0, 0];
  let adjust = BigInt(lo);
  if (lo !== hi) {
    const exact = instructionEnd(ends?.get(at), rel.offset);
    if (exact !== undefined) adjust = exact - rel.offset;
  }
  const target = base + adjust;

  if ((section.flags & SHF.MERGE) !== 0n && section.type !== SHT.NOBITS) {
    if ((section.flags & SHF.STRINGS) !== 0n && target >= 0n && target < BigInt(section.data.length)) {
      const { start, text } = readCString(section.data, Number(target));
      return { kind: 'string', text, delta: base - BigInt(start) };
    }
    const size = Number(section.entsize > 0n ? section.entsize : 1n);
    const t = Number(target);
    if (t >= 0 && t + size <= section.data.length) {
      const slot = t - (t % size);
      return { kind: 'constant', hex: Buffer.from(section.data.subarray(slot, slot + size)).toString('hex'), delta: base - BigInt(slot) };
    }
  }
  const entity = entityAt(index, sym.shndx, target);
  if (entity) return { kind: 'entity', entity, delta: base - entity.offset };
  return { kind: 'place', section: baseName(section.name), offset: base };
}

function instructionEnd(ends: bigint[] | undefined, offset: bigint): bigint | undefined {
  if (!ends) return undefined;
  let lo = 0;
  let hi = ends.length - 1;
  let found: bigint | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ends[mid]! > offset) {
      found = ends[mid];
      hi = mid - 1;
    } else lo = mid + 1;
  }
  return found;
}

/** Text sections holding a relocation whose target depends on the instruction's length. */
export function sectionsNeedingBoundaries(index: ObjectIndex): number[] {
  const { obj } = index;
  const needed = new Set<number>();
  for (const [at, rels] of index.relocationsOf) {
    if (!isTextSection(obj.sections[at]!)) continue;
    for (const rel of rels) {
      const [lo, hi] = pcAdjustRange(obj.header.machine, rel.type);
      if (lo === hi) continue;
      const sym = obj.symbols[rel.symbol]!;
      if (sym.special || sym.shndx === SHN.UNDEF || sym.type !== STT.SECTION) continue;
      // Ambiguous unless every possible instruction length lands in the same entity.
      const base = sym.value + rel.addend;
      const first = entityAt(index, sym.shndx, base + BigInt(lo));
      let same = first !== undefined;
      for (let k = lo + 1; same && k <= hi; k++) same = entityAt(index, sym.shndx, base + BigInt(k)) === first;
      if (!same) {
        needed.add(at);
        break;
      }
    }
  }
  return [...needed];
}

/**
 * Instruction end offsets of the given text sections: decoded here for x86-64 (x86-length.ts),
 * from `objdump -d` for the other machines.
 */
export async function readInstructionEnds(index: ObjectIndex, sections: number[], objdump = 'objdump'): Promise<InstructionEnds> {
  const ends: InstructionEnds = new Map();
  if (sections.length === 0) return ends;
  if (index.obj.header.machine === EM.X86_64) {
    for (const i of sections) ends.set(i, x86InstructionEnds(index.obj.sections[i]!.data));
    return ends;
  }
  return objdumpInstructionEnds(index, sections, objdump);
}

/** Instruction end offsets of the given text sections, as `objdump -d` decodes them. */
export async function objdumpInstructionEnds(index: ObjectIndex, sections: number[], objdump = 'objdump'): Promise<InstructionEnds> {
  const ends: InstructionEnds = new Map();
  if (sections.length === 0) return ends;
  const names = sections.map((i) => index.obj.sections[i]!.name);
  const args = ['-d', '--no-show-raw-insn', '-w', ...names.flatMap((n) => ['-j', n]), index.path];
  const { stdout } = await runTool(objdump, args);
  let current: bigint[] | undefined;
  let last: bigint | undefined;
  const byName = new Map(sections.map((i) => [index.obj.sections[i]!.name, i]));
  const sizeOf = (i: number) => index.obj.sections[i]!.size;
  let currentIndex = -1;
  for (const line of stdout.split('\n')) {
    const sec = /^Disassembly of section (.*):$/.exec(line);
    if (sec) {
      if (current && currentIndex >= 0) current.push(sizeOf(currentIndex));
      currentIndex = byName.get(sec[1]!) ?? -1;
      current = currentIndex >= 0 ? [] : undefined;
      if (current) ends.set(currentIndex, current);
      last = undefined;
      continue;
    }
    const m = /^\s+([0-9a-f]+):\t/.exec(line);
    if (m && current) {
      const start = BigInt('0x' + m[1]);
      // Each instruction's start is the previous one's end.
      if (last !== undefined && start > last) current.push(start);
      last = start;
    }
  }
  if (current && currentIndex >= 0) current.push(sizeOf(currentIndex));
  return ends;
}
