// Sections the patch carries only in part: a special section's records of the included
// functions, the replacement instructions of their alternatives, the dynamic-debug
// descriptors their pr_debug calls use. Each kept piece is a byte range of the original
// section; the output section is the pieces in their original order, packed.

export interface Piece {
  /** Offset in the original section. */
  from: number;
  size: number;
  /** Offset in the output section (set by layout()). */
  at: number;
}

export class CompactedSections {
  private readonly bySection = new Map<number, Map<number, Piece>>();
  private pending: Array<{ section: number; piece: Piece }> = [];

  /** Keep bytes [from, from + size) of a section; false when already kept. */
  add(section: number, from: number, size: number): boolean {
    let pieces = this.bySection.get(section);
    if (!pieces) this.bySection.set(section, (pieces = new Map()));
    const old = pieces.get(from);
    if (old && old.size >= size) return false;
    for (const p of pieces.values()) {
      if (p.from !== from && from < p.from + p.size && p.from < from + size) {
        throw new Error(`link: pieces [${p.from}, +${p.size}) and [${from}, +${size}) of section ${section} overlap`);
      }
    }
    const piece = { from, size, at: 0 };
    pieces.set(from, piece);
    this.pending.push({ section, piece });
    return true;
  }

  /** The kept piece holding `offset` (its end included: a label just past the last byte). */
  find(section: number, offset: number): Piece | undefined {
    for (const p of this.bySection.get(section)?.values() ?? []) if (p.from <= offset && offset <= p.from + p.size) return p;
    return undefined;
  }

  /** Pieces added since the last call, for their relocations to be resolved. */
  takePending(): Array<{ section: number; piece: Piece }> {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  sections(): number[] {
    return [...this.bySection.keys()].sort((a, b) => a - b);
  }

  /** The pieces of a section in original order, each with its output offset; and the output size. */
  layout(section: number, alignment = 1): { pieces: Piece[]; size: number } {
    const pieces = [...(this.bySection.get(section)?.values() ?? [])].sort((a, b) => a.from - b.from);
    let at = 0;
    for (const p of pieces) {
      at = Math.ceil(at / alignment) * alignment;
      p.at = at;
      at += p.size;
    }
    return { pieces, size: at };
  }
}
