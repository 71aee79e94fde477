// A relocation section read lazily: its entries are decoded the first time they are asked for.
// A kernel object's relocations are mostly DWARF's (18,000 of kernel/fork.o's 20,000); the
// differ reads a few hundred of those, by offset, and the writer none. Symbol indices are still
// checked for every entry when the object is read, so a bad one is found there.
import { ByteReader } from './bytes.js';
import { REL_SIZE, RELA_SIZE } from './constants.js';
import type { ElfRelocation, ElfRelocationSection } from './types.js';

/** Entry-wise access to a section read by readRelocationTable (its entries undecoded until asked). */
export interface RelocationTable {
  count: number;
  /** r_offset of entry `i`, without decoding the entry. */
  offsetAt(i: number): number;
  /** Entry `i`, decoded once (the same object `entries[i]` is). */
  entry(i: number): ElfRelocation;
}

const TABLE = Symbol('relocation table');

/** The lazy table behind a section that readRelocationTable made; undefined for one built in memory. */
export function relocationTable(section: ElfRelocationSection): RelocationTable | undefined {
  return (section as { [TABLE]?: RelocationTable })[TABLE];
}

/**
 * The relocation section `index` (applying to section `target`) from its bytes. `badSymbol`
 * is told of the first entry whose symbol index is not below `symbolCount`.
 */
export function readRelocationTable(index: number, target: number, data: Uint8Array, rela: boolean, endian: 'little' | 'big', symbolCount: number, badSymbol: (entry: number, symbol: number) => void): ElfRelocationSection {
  const size = rela ? RELA_SIZE : REL_SIZE;
  const r = new ByteReader(data, endian);
  const count = data.length / size;
  const little = endian === 'little';
  const table = new LazyTable(r, count, size, rela, little);
  // One field per entry, read inline: in a fresh process this loop runs before V8 optimizes
  // anything, where two method calls per entry of .rela.debug_info cost milliseconds.
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let at = little ? 12 : 8, i = 0; i < count; at += size, i++) {
    const symbol = view.getUint32(at, little);
    if (symbol >= symbolCount) badSymbol(i, symbol);
  }
  let entries: ElfRelocation[] | undefined;
  const section = { section: index, target, rela } as ElfRelocationSection;
  Object.defineProperty(section, 'entries', {
    enumerable: true,
    configurable: true,
    get: () => (entries ??= Array.from({ length: count }, (_, i) => table.entry(i))),
    set: (list: ElfRelocation[]) => {
      entries = list;
    },
  });
  Object.defineProperty(section, TABLE, { value: table, enumerable: false });
  return section;
}

/** A class, not closures per section: V8's optimized code for its callers then serves every section. */
class LazyTable implements RelocationTable {
  private readonly decoded: ElfRelocation[];
  constructor(private readonly r: ByteReader, readonly count: number, private readonly size: number, private readonly rela: boolean, private readonly little: boolean) {
    this.decoded = new Array(count);
  }
  // Two 32-bit halves, not a bigint: the index reads every offset of .rela.debug_info.
  offsetAt(i: number): number {
    const at = i * this.size;
    return this.little ? this.r.u32(at + 4) * 2 ** 32 + this.r.u32(at) : this.r.u32(at) * 2 ** 32 + this.r.u32(at + 4);
  }
  /** r_info's high half: the symbol index. */
  symbolAt(i: number): number {
    return this.r.u32(i * this.size + (this.little ? 12 : 8));
  }
  entry(i: number): ElfRelocation {
    let e = this.decoded[i];
    if (!e) {
      const { r, little } = this;
      const at = i * this.size;
      e = { offset: r.u64(at), type: r.u32(at + (little ? 8 : 12)), symbol: this.symbolAt(i), addend: this.rela ? r.i64(at + 16) : 0n };
      this.decoded[i] = e;
    }
    return e;
  }
}
