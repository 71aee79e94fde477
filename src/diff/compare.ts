// Comparing a paired entity across the two builds: its bytes with every relocated field
// masked, and its relocations symbolically (type, place, and target after correlation).
import type { Correlation, Side } from './correlate.js';
import { resolvedRelocations } from './correlate.js';
import { branchKey } from './branches.js';
import { bytesOf, type IndexedEntity } from './entities.js';
import { relocationField } from './reloc-fields.js';
import type { Reference } from './references.js';

export interface Difference {
  /** Offset within the entity of the first difference. */
  offset: number;
  what: string;
}

function key(ref: Reference, side: 'orig' | 'patched', c: Correlation): string {
  switch (ref.kind) {
    case 'entity': {
      // Name the target by its original-side name when it is paired, so both sides agree.
      const name = side === 'orig'
        ? (c.forward.has(ref.entity) ? ref.entity.name : `removed:${ref.entity.name}`)
        : (c.backward.get(ref.entity)?.name ?? `new:${ref.entity.name}`);
      return `${name}${sign(ref.delta)}`;
    }
    case 'external': return `${ref.name}${sign(ref.addend)}`;
    case 'string': return `${JSON.stringify(ref.text)}${sign(ref.delta)}`;
    case 'constant': return `const:${ref.hex}${sign(ref.delta)}`;
    case 'place': return `${ref.section}${sign(ref.offset)}`;
  }
}

const sign = (v: bigint) => (v === 0n ? '' : v < 0n ? `-0x${(-v).toString(16)}` : `+0x${v.toString(16)}`);

/** Per byte of a relocation's field, the bits to clear (by machine, endianness and type). */
const fieldMasks = new Map<string, number[]>();
function byteMasks(machine: number, endian: string, type: number): number[] {
  const k = `${machine}:${endian}:${type}`;
  let masks = fieldMasks.get(k);
  if (!masks) {
    const { width, mask } = relocationField(machine, type);
    masks = [];
    for (let i = 0; i < width; i++) masks.push(Number((mask >> BigInt(8 * (endian === 'little' ? i : width - 1 - i))) & 0xffn));
    fieldMasks.set(k, masks);
  }
  return masks;
}

function masked(side: Side, e: IndexedEntity): Uint8Array {
  const bytes = bytesOf(side.index, e).slice(); // a copy to mask (Uint8Array.from would iterate)
  const { machine, endian } = side.index.obj.header;
  // Branches to another function of a shared section: compared symbolically below.
  for (const b of side.branches?.get(e) ?? []) bytes.fill(0, b.offset, Math.min(bytes.length, b.offset + b.length));
  for (const rel of e.relocations) {
    const masks = byteMasks(machine, endian, rel.type);
    const at = Number(rel.offset - e.offset);
    for (let k = 0; k < masks.length && at + k < bytes.length; k++) bytes[at + k]! &= ~masks[k]! & 0xff;
  }
  return bytes;
}

/**
 * Whether the masked bytes are equal without masking them: the raw bytes are the same and both
 * sides mask the same places the same way (relocations of one type at the same offsets, no
 * branches blanked). Most paired functions of a one-hunk patch are such; copying and masking
 * each of them on the way to the verdict costs more than this.
 */
function sameMasking(orig: Side, o: IndexedEntity, patched: Side, p: IndexedEntity): boolean {
  if (o.size !== p.size || o.relocations.length !== p.relocations.length) return false;
  if (orig.branches?.get(o)?.length || patched.branches?.get(p)?.length) return false;
  const a = bytesOf(orig.index, o);
  const b = bytesOf(patched.index, p);
  if (Buffer.compare(a, b) !== 0) return false;
  for (let i = 0; i < o.relocations.length; i++) {
    const x = o.relocations[i]!;
    const y = p.relocations[i]!;
    if (x.type !== y.type || x.offset - o.offset !== y.offset - p.offset) return false;
  }
  return true;
}

/** undefined when the two are the same modulo relocation; else the first difference. */
export function compareEntities(orig: Side, o: IndexedEntity, patched: Side, p: IndexedEntity, c: Correlation): Difference | undefined {
  const diffs: Difference[] = [];
  if (o.size !== p.size) diffs.push({ offset: Number(o.size < p.size ? o.size : p.size), what: `size ${o.size} → ${p.size}` });
  if (!sameMasking(orig, o, patched, p)) {
    const a = masked(orig, o);
    const b = masked(patched, p);
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (a[i] !== b[i]) {
        diffs.push({ offset: i, what: `byte 0x${a[i]!.toString(16)} → 0x${b[i]!.toString(16)}` });
        break;
      }
    }
  }
  const r = compareRelocations(orig, o, patched, p, c);
  if (r) diffs.push(r);
  const br = compareBranches(orig, o, patched, p, c);
  if (br) diffs.push(br);
  if (diffs.length === 0) return undefined;
  return diffs.reduce((first, d) => (d.offset < first.offset ? d : first));
}

/** The first in-section branch (see branches.ts) whose place, instruction or target differs. */
function compareBranches(orig: Side, o: IndexedEntity, patched: Side, p: IndexedEntity, c: Correlation): Difference | undefined {
  const bo = orig.branches?.get(o) ?? [];
  const bp = patched.branches?.get(p) ?? [];
  for (let i = 0; i < Math.max(bo.length, bp.length); i++) {
    const x = bo[i];
    const y = bp[i];
    const kx = x ? branchKey(x, 'orig', c) : undefined;
    const ky = y ? branchKey(y, 'patched', c) : undefined;
    if (!x || !y || x.offset !== y.offset || x.length !== y.length || kx !== ky) {
      return { offset: Math.min(x?.offset ?? Infinity, y?.offset ?? Infinity), what: `branch ${kx ?? '(none)'} → ${ky ?? '(none)'}` };
    }
  }
  return undefined;
}

/** The first relocation that differs symbolically, or undefined when all agree. */
export function compareRelocations(orig: Side, o: IndexedEntity, patched: Side, p: IndexedEntity, c: Correlation): Difference | undefined {
  const diffs: Difference[] = [];
  const ro = resolvedRelocations(orig, o);
  const rp = resolvedRelocations(patched, p);
  const m = Math.max(ro.length, rp.length);
  for (let i = 0; i < m; i++) {
    const x = ro[i];
    const y = rp[i];
    if (!x || !y) {
      const r = (x ?? y)!;
      const at = Number(r.rel.offset - (x ? o.offset : p.offset));
      diffs.push({ offset: at, what: x ? `relocation to ${key(x.ref, 'orig', c)} removed` : `relocation to ${key(y!.ref, 'patched', c)} added` });
      break;
    }
    const xo = x.rel.offset - o.offset;
    const yo = y.rel.offset - p.offset;
    const kx = key(x.ref, 'orig', c);
    const ky = key(y.ref, 'patched', c);
    if (xo !== yo || x.rel.type !== y.rel.type || kx !== ky) {
      diffs.push({ offset: Number(xo < yo ? xo : yo), what: `reference ${kx} → ${ky}` });
      break;
    }
  }
  return diffs[0];
}
