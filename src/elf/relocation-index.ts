// The relocation at a given offset of a section, found by binary search over the offsets.
// Debug sections carry most of an object's relocations (15,000 in kernel/fork.o's .debug_info);
// a Map of them cost more to build than the few lookups a DWARF walk makes, and every reader
// of one relocation section shares one index.
import type { ElfRelocation, ElfRelocationSection } from './types.js';

export class RelocationIndex {
  private readonly offsets: Float64Array;
  private readonly order: Uint32Array | undefined;

  constructor(readonly entries: ElfRelocation[]) {
    this.offsets = new Float64Array(entries.length);
    let sorted = true;
    for (let i = 0; i < entries.length; i++) {
      this.offsets[i] = Number(entries[i]!.offset);
      if (i > 0 && this.offsets[i]! < this.offsets[i - 1]!) sorted = false;
    }
    // gas writes them in offset order; anything else is sorted here (last writer of an offset wins).
    if (!sorted) {
      const order = Uint32Array.from(entries.keys()).sort((a, b) => this.offsets[a]! - this.offsets[b]! || a - b);
      const offsets = Float64Array.from(order, (i) => this.offsets[i]!);
      this.offsets = offsets;
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
    return this.entries[this.order ? this.order[i]! : i];
  }
}

const indexes = new WeakMap<ElfRelocationSection, RelocationIndex>();

/** The (shared) index of one relocation section. */
export function relocationIndex(section: ElfRelocationSection): RelocationIndex {
  let index = indexes.get(section);
  if (!index) {
    index = new RelocationIndex(section.entries);
    indexes.set(section, index);
  }
  return index;
}
