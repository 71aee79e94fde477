// Which functions gcc inlined into which, read from the DWARF of a `-g` object.
//
// Source: the DIEs of the object's .debug_info (src/elf/dwarf.ts). An out-of-line function is a
// DW_TAG_subprogram with code (DW_AT_low_pc or DW_AT_ranges); everything gcc inlined into it is
// a DW_TAG_inlined_subroutine below it (lexical blocks in between), whose DW_AT_abstract_origin
// leads, possibly through further abstract origins or DW_AT_specification, to a DIE with the
// callee's DW_AT_name. Nested inlined subroutines make chains.
//
// Naming the out-of-line function: clones (`foo.isra.0`, `foo.constprop.0`, `foo.part.0`) are
// DW_TAG_subprogram DIEs with only DW_AT_abstract_origin → `foo` and DW_AT_low_pc, no
// DW_AT_linkage_name (gcc-12, measured). In a relocatable object DW_AT_low_pc is 0 plus a
// relocation in .rela.debug_info (an address alone cannot tell `.text.foo` from
// `.text.foo.isra.0`), so the relocation at the
// attribute's offset is read from the object itself: its symbol (a section symbol + addend, or
// a function symbol) names the ELF function. DW_AT_ranges (a function split into hot and
// `.cold` parts) is resolved the same way through the first address of its .debug_rnglists
// (DWARF 5) or .debug_ranges (DWARF 4) entry. Where no relocation resolves (an object without
// relocations for its DWARF), the DWARF name is used.
import { readElfFile } from '../elf/read.js';
import { DW_AT, DW_TAG, readUleb, walkDies, type DieWalk, type DwarfDie } from '../elf/dwarf.js';
import { SHT } from '../elf/constants.js';
import { relocationIndex, type RelocationIndex } from '../elf/relocation-index.js';
import type { ElfObject } from '../elf/types.js';
import { FunctionIndex } from './special-sections.js';

/** A callee whose DIE gives no name. */
export const UNKNOWN_CALLEE = '<unknown>';

/** A DIE's name, following abstract origins and specifications. */
function nameOf(at: (offset: number) => DwarfDie | undefined, die: DwarfDie | undefined): string | undefined {
  for (let i = 0; die && i < 16; i++) {
    if (die.name !== undefined) return die.name;
    const next = die.origin ?? die.specification;
    die = next === undefined ? undefined : at(next);
  }
  return undefined;
}

/**
 * A DW_TAG_subprogram without DW_AT_low_pc or DW_AT_ranges has no code of its own: declarations
 * and abstract instances (a kernel object's hundreds of functions from headers) are decoded only
 * when an inlined instance or a clone leads to them.
 */
const deferCodeless = (tag: number, attributes: readonly number[]) => tag === DW_TAG.subprogram && !attributes.includes(DW_AT.low_pc) && !attributes.includes(DW_AT.ranges);

interface DebugSections {
  obj: ElfObject;
  functions: FunctionIndex;
  /** Relocations of a debug section, by offset. */
  relocs: Map<string, RelocationIndex>;
  data: Map<string, Uint8Array>;
}

function debugSections(obj: ElfObject): DebugSections {
  const relocs = new Map<string, RelocationIndex>();
  const data = new Map<string, Uint8Array>();
  const wanted = new Set(['.debug_info', '.debug_rnglists', '.debug_ranges']);
  for (const s of obj.sections) if (wanted.has(s.name) && s.type !== SHT.NOBITS) data.set(s.name, s.data);
  for (const rs of obj.relocations) {
    const target = obj.sections[rs.target];
    if (target && wanted.has(target.name)) relocs.set(target.name, relocationIndex(rs));
  }
  return { obj, functions: new FunctionIndex(obj), relocs, data };
}

/** The ELF function an address field (in a debug section, at `offset`) points to. */
function functionAt(d: DebugSections, section: string, offset: number): string | undefined {
  const rel = d.relocs.get(section)?.at(offset);
  if (!rel) return undefined;
  const sym = d.obj.symbols[rel.symbol];
  if (!sym || sym.special || sym.shndx === 0) return undefined;
  const fn = d.functions.covering(sym.shndx, sym.value + rel.addend);
  return fn === undefined ? undefined : d.obj.symbols[fn]!.name;
}

/** The function named by the first address of a range list (DWARF 5 .debug_rnglists, DWARF 4 .debug_ranges). */
function functionOfRanges(d: DebugSections, die: DwarfDie): string | undefined {
  const at = die.ranges!;
  const size = die.addressSize;
  if (die.version >= 5) {
    const bytes = d.data.get('.debug_rnglists');
    if (!bytes) return undefined;
    let pos = at;
    for (let guard = 0; guard < 1024 && pos < bytes.length; guard++) {
      const kind = bytes[pos++];
      switch (kind) {
        case 0x00: return undefined; // end_of_list
        case 0x05: // base_address
        case 0x06: // start_end
        case 0x07: { // start_length
          const fn = functionAt(d, '.debug_rnglists', pos);
          if (fn !== undefined) return fn;
          pos += size;
          if (kind === 0x06) pos += size;
          else if (kind === 0x07) pos = readUleb(bytes, pos)[1];
          break;
        }
        case 0x04: // offset_pair (relative to a base address already tried)
          pos = readUleb(bytes, readUleb(bytes, pos)[1])[1];
          break;
        case 0x01: pos = readUleb(bytes, pos)[1]; break; // base_addressx (.debug_addr: split DWARF)
        case 0x02: pos = readUleb(bytes, readUleb(bytes, pos)[1])[1]; break; // startx_endx
        case 0x03: pos = readUleb(bytes, readUleb(bytes, pos)[1])[1]; break; // startx_length
        default: return undefined;
      }
    }
    return undefined;
  }
  const bytes = d.data.get('.debug_ranges');
  if (!bytes) return undefined;
  for (let pos = at; pos + 2 * size <= bytes.length; pos += 2 * size) {
    const fn = functionAt(d, '.debug_ranges', pos);
    if (fn !== undefined) return fn;
    if (bytes.subarray(pos, pos + 2 * size).every((b) => b === 0)) return undefined;
  }
  return undefined;
}

/** One address range of an inlined instance: [lo, hi) in section `shndx`. */
export interface CodeRange { shndx: number; lo: bigint; hi: bigint }

/** An inlined instance: the chain of callees down to it (outermost first) and its code. */
export interface InlinedInstance { chain: string[]; ranges: CodeRange[] }

/** The place an address field (in a debug section, at `offset`) names, through its relocation. */
function placeAt(d: DebugSections, section: string, offset: number): { shndx: number; at: bigint } | undefined {
  const rel = d.relocs.get(section)?.at(offset);
  if (!rel) return undefined;
  const sym = d.obj.symbols[rel.symbol];
  if (!sym || sym.special || sym.shndx === 0) return undefined;
  return { shndx: sym.shndx, at: sym.value + rel.addend };
}

function readAddress(bytes: Uint8Array, pos: number, size: number, little: boolean): bigint {
  let v = 0n;
  for (let k = 0; k < size; k++) v |= BigInt(bytes[pos + k] ?? 0) << BigInt(8 * (little ? k : size - 1 - k));
  return v;
}

/** The code ranges of an inlined instance (DW_AT_low_pc + DW_AT_high_pc, or DW_AT_ranges). */
function instanceRanges(d: DebugSections, die: DwarfDie): CodeRange[] {
  if (die.lowPcAt !== undefined) {
    const start = placeAt(d, '.debug_info', die.lowPcAt);
    if (!start || !die.highPc) return [];
    const hi = die.highPc.isLength ? start.at + BigInt(die.highPc.value) : BigInt(die.highPc.value);
    return hi > start.at ? [{ shndx: start.shndx, lo: start.at, hi }] : [];
  }
  if (die.ranges === undefined) return [];
  const out: CodeRange[] = [];
  const size = die.addressSize;
  const little = d.obj.header.endian === 'little';
  if (die.version >= 5) {
    const bytes = d.data.get('.debug_rnglists');
    if (!bytes) return out;
    let base: { shndx: number; at: bigint } | undefined;
    let pos = die.ranges;
    for (let guard = 0; guard < 4096 && pos < bytes.length; guard++) {
      const kind = bytes[pos++];
      switch (kind) {
        case 0x00: return out;
        case 0x05: base = placeAt(d, '.debug_rnglists', pos); pos += size; break;
        case 0x04: {
          const [a, p1] = readUleb(bytes, pos);
          const [b, p2] = readUleb(bytes, p1);
          pos = p2;
          if (base && b > a) out.push({ shndx: base.shndx, lo: base.at + BigInt(a), hi: base.at + BigInt(b) });
          break;
        }
        case 0x06: {
          const start = placeAt(d, '.debug_rnglists', pos);
          const end = placeAt(d, '.debug_rnglists', pos + size);
          pos += 2 * size;
          if (start && end && end.shndx === start.shndx && end.at > start.at) out.push({ shndx: start.shndx, lo: start.at, hi: end.at });
          break;
        }
        case 0x07: {
          const start = placeAt(d, '.debug_rnglists', pos);
          const [len, p1] = readUleb(bytes, pos + size);
          pos = p1;
          if (start && len > 0) out.push({ shndx: start.shndx, lo: start.at, hi: start.at + BigInt(len) });
          break;
        }
        case 0x01: pos = readUleb(bytes, pos)[1]; break;
        case 0x02: case 0x03: pos = readUleb(bytes, readUleb(bytes, pos)[1])[1]; break;
        default: return out;
      }
    }
    return out;
  }
  const bytes = d.data.get('.debug_ranges');
  if (!bytes) return out;
  for (let pos = die.ranges; pos + 2 * size <= bytes.length; pos += 2 * size) {
    // In a relocatable object both ends of an entry are relocated (RELA: the raw bytes are 0).
    const start = placeAt(d, '.debug_ranges', pos);
    const end = placeAt(d, '.debug_ranges', pos + size);
    if (!start && !end) {
      if (readAddress(bytes, pos, size, little) === 0n && readAddress(bytes, pos + size, size, little) === 0n) return out;
      continue;
    }
    if (start && end && start.shndx === end.shndx && end.at > start.at) out.push({ shndx: start.shndx, lo: start.at, hi: end.at });
  }
  return out;
}

/**
 * Build the result from parsed DIEs. `elfName(die)` names an out-of-line function by its ELF
 * symbol where it can; the DWARF name is the fallback.
 */
export function inliningFromDies(
  { dies, at }: DieWalk,
  elfName: (die: DwarfDie) => string | undefined = () => undefined,
  instances?: { ranges: (die: DwarfDie) => CodeRange[]; out: Map<string, InlinedInstance[]> },
): Map<string, string[][]> {
  const result = new Map<string, string[][]>();
  const seen = new Map<string, Set<string>>();

  // Walk in document order with a stack of (depth, die).
  const stack: DwarfDie[] = [];
  let owner: { die: DwarfDie; key: string } | undefined;
  let ownerDepth = -1;
  for (const die of dies) {
    while (stack.length && stack[stack.length - 1]!.depth >= die.depth) stack.pop();
    if (owner && die.depth <= ownerDepth) {
      owner = undefined;
      ownerDepth = -1;
    }
    stack.push(die);
    const hasCode = die.lowPcAt !== undefined || die.ranges !== undefined;
    if (die.tag === DW_TAG.subprogram && hasCode) {
      const key = elfName(die) ?? nameOf(at, die);
      if (key !== undefined) {
        owner = { die, key };
        ownerDepth = die.depth;
        if (!result.has(key)) {
          result.set(key, []);
          seen.set(key, new Set());
        }
      } else {
        owner = undefined;
        ownerDepth = -1;
      }
      continue;
    }
    if (die.tag !== DW_TAG.inlined_subroutine || !owner) continue;
    // The chain: inlined subroutines on the stack between the owner and this DIE.
    const chain: string[] = [];
    let i = stack.length - 1;
    while (i >= 0 && stack[i] !== owner.die) i--;
    for (let j = i + 1; j < stack.length; j++) {
      const s = stack[j]!;
      if (s.tag !== DW_TAG.inlined_subroutine) continue;
      chain.push(nameOf(at, (s.origin === undefined ? undefined : at(s.origin)) ?? s) ?? UNKNOWN_CALLEE);
    }
    if (instances) {
      const ranges = instances.ranges(die);
      if (ranges.length) {
        const list = instances.out.get(owner.key) ?? [];
        list.push({ chain, ranges });
        instances.out.set(owner.key, list);
      }
    }
    const text = chain.join('\0');
    const done = seen.get(owner.key)!;
    if (!done.has(text)) {
      done.add(text);
      result.get(owner.key)!.push(chain);
    }
  }
  return result;
}

/**
 * For each out-of-line function in the object (named by its ELF symbol where the DWARF's
 * relocations tell it, else by DW_AT_name / DW_AT_linkage_name of its DW_TAG_subprogram that
 * has code, i.e. DW_AT_low_pc or DW_AT_ranges), the functions inlined into it, as chains:
 * [['b'], ['b','c']] means b was inlined into it and c into that inlined b. Functions without
 * inlined callees map to []. An object without DWARF gives an empty map.
 */
export async function readInlining(objectPath: string): Promise<Map<string, string[][]>> {
  return (await readInliningDetail(objectPath)).chains;
}

export interface InliningDetail {
  /** As readInlining. */
  chains: Map<string, string[][]>;
  /** Per out-of-line function: each inlined instance with its code ranges (section offsets). */
  instances: Map<string, InlinedInstance[]>;
}

/**
 * readInlining plus where each inlined instance's code lies, for an object already read. With
 * `only` (ELF function names), just those functions' entries: the walk jumps over every other
 * function's body and every type by DW_AT_sibling, which for a kernel object is most of
 * .debug_info. A callee it cannot name that way (its DIE sat in a skipped subtree) sends it
 * back to the whole walk, so the answer for those functions is the same either way.
 */
export function inliningDetail(obj: ElfObject, only?: ReadonlySet<string>): InliningDetail {
  if (!obj.sections.some((s) => s.name === '.debug_info')) return { chains: new Map(), instances: new Map() };
  const d = debugSections(obj);
  const elfName = (die: DwarfDie) => {
    if (die.lowPcAt !== undefined) return functionAt(d, '.debug_info', die.lowPcAt);
    if (die.ranges !== undefined) return functionOfRanges(d, die);
    return undefined;
  };
  // Inside the unit, only the bodies of functions in `only` (an unnamed one, to be safe); below
  // depth 1 everything met is inside such a body.
  const descend = only && ((die: DwarfDie) => {
    if (die.depth !== 1) return true;
    if (die.tag !== DW_TAG.subprogram) return false;
    const name = elfName(die);
    return name === undefined ? die.lowPcAt !== undefined || die.ranges !== undefined : only.has(name);
  });
  // Only these two tags take part (origins lead to subprograms); everything else is skipped.
  const walk = walkDies(obj, { tags: new Set([DW_TAG.subprogram, DW_TAG.inlined_subroutine]), descend, defer: deferCodeless });
  const instances = new Map<string, InlinedInstance[]>();
  const chains = inliningFromDies(walk, elfName, { ranges: (die) => instanceRanges(d, die), out: instances });
  if (!only) return { chains, instances };
  if ([...chains.values()].some((list) => list.some((chain) => chain.includes(UNKNOWN_CALLEE)))) return inliningDetail(obj);
  // Functions met on the way but not asked for were not looked into.
  for (const name of chains.keys()) if (!only.has(name)) chains.delete(name);
  for (const name of instances.keys()) if (!only.has(name)) instances.delete(name);
  return { chains, instances };
}

/** inliningDetail of the object at `objectPath`. */
export async function readInliningDetail(objectPath: string): Promise<InliningDetail> {
  return inliningDetail(await readElfFile(objectPath));
}
