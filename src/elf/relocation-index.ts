// The relocation at a given offset of a section, found by binary search over the offsets.
// Debug sections carry most of an object's relocations (15,000 in kernel/fork.o's .debug_info);
// a Map of them cost more to build than the few lookups a DWARF walk makes, and every reader
// of one relocation section shares one index. A section as read from a file is indexed from its
// raw offsets: only the entries looked up are decoded.
import { relocationTable, type RelocationTable } from './relocation-table.js';
import type { ElfRelocation, ElfRelocationSection } from './types.js';

export class RelocationIndex {
  private readonly offsets: Float64Array;
  private readonly order: Uint32Array | undefined;
  // One of the two: entries decoded on demand, or the list built in memory.
  private readonly table: RelocationTable | undefined;
  private readonly list: ElfRelocation[] | undefined;

  constructor(source: ElfRelocation[] | RelocationTable) {
    if (Array.isArray(source)) this.list = source;
    else this.table = source;
    const count = this.table ? this.table.count : this.list!.length;
    const offsets = new Float64Array(count);
    let sorted = true;
    for (let i = 0; i < count; i++) {
      offsets[i] = this.table ? this.table.offsetAt(i) : Number(this.list![i]!.offset);
      if (i > 0 && offsets[i]! < offsets[i - 1]!) sorted = false;
    }
    // gas writes them in offset order; anything else is sorted here (last writer of an offset wins).
    if (sorted) {
      this.offsets = offsets;
    } else {
      const order = Uint32Array.from({ length: count }, (_, i) => i).sort((a, b) => offsets[a]! - offsets[b]! || a - b);
      this.offsets = Float64Array.from(order, (i) => offsets[i]!);
      this.order = order;
    }
  }

  /** The relocation applied at `offset` (the last one listed, if several). */
  at(offset: number): ElfRelocation | undefined {
    const { offsets } = this;
    let lo = 0;
    let hi = offsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (offsets[mid]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    const i = lo - 1;
    if (i < 0 || offsets[i] !== offset) return undefined;
    const j = this.order ? this.order[i]! : i;
    return this.table ? this.table.entry(j) : this.list![j];
  }
}

const indexes = new WeakMap<ElfRelocationSection, RelocationIndex>();

/** The (shared) index of one relocation section. */
export function relocationIndex(section: ElfRelocationSection): RelocationIndex {
  let index = indexes.get(section);
  if (!index) {
    index = new RelocationIndex(relocationTable(section) ?? section.entries);
    indexes.set(section, index);
  }
  return index;
}
