// Pairing the entities of the original and the patched object. Named functions and data pair
// by name, ignoring the digits of compiler suffixes; names made by a counter (static locals,
// __UNIQUE_ID_*, __already_done.N) pair by use: the same reference, at the same place in the
// code of a paired function, in both builds.
import type { ElfRelocation } from '../elf/index.js';
import type { BranchMap } from './branches.js';
import type { IndexedEntity, ObjectIndex } from './entities.js';
import { baseName, pairsByUse } from './names.js';
import { resolveReference, type InstructionEnds, type Reference } from './references.js';

export interface Side {
  index: ObjectIndex;
  ends: InstructionEnds;
  /** Relocation-free branches between functions of a shared section (read lazily, see branches.ts). */
  branches?: BranchMap;
}

export interface Correlation {
  /** original → patched */
  forward: Map<IndexedEntity, IndexedEntity>;
  /** patched → original */
  backward: Map<IndexedEntity, IndexedEntity>;
}

function pair(c: Correlation, o: IndexedEntity, p: IndexedEntity) {
  c.forward.set(o, p);
  c.backward.set(p, o);
}

export function correlate(orig: Side, patched: Side): Correlation {
  const c: Correlation = { forward: new Map(), backward: new Map() };
  const groups = (side: Side) => {
    const map = new Map<string, IndexedEntity[]>();
    for (const e of side.index.entities) {
      if (pairsByUse(e.name)) continue;
      const key = `${e.kind}:${baseName(e.name)}`;
      const list = map.get(key) ?? [];
      list.push(e);
      map.set(key, list);
    }
    return map;
  };
  const og = groups(orig);
  const pg = groups(patched);
  for (const [key, os] of og) {
    const ps = pg.get(key);
    if (!ps) continue;
    if (os.length === 1 && ps.length === 1) {
      pair(c, os[0]!, ps[0]!);
      continue;
    }
    // Several clones of one base name (foo.constprop.0, foo.constprop.1): exact names only.
    for (const o of os) {
      const p = ps.find((x) => x.name === o.name);
      if (p) pair(c, o, p);
    }
  }
  pairByUse(orig, patched, c);
  return c;
}

type Resolved = { rel: ElfRelocation; ref: Reference };

const resolved = new WeakMap<Side, Map<IndexedEntity, Resolved[]>>();

/** `e`'s relocations resolved in its build (kept: pairing, comparing and classifying each ask). */
export function resolvedRelocations(side: Side, e: IndexedEntity): Resolved[] {
  let bySide = resolved.get(side);
  if (!bySide) {
    bySide = new Map();
    resolved.set(side, bySide);
  }
  let list = bySide.get(e);
  if (!list) {
    list = e.relocations.map((rel) => ({ rel, ref: resolveReference(side.index, e.sectionIndex, rel, side.ends) }));
    bySide.set(e, list);
  }
  return list;
}

const signatures = new WeakMap<IndexedEntity, string>();

/**
 * For data named by a counter, the strings it points at: a dynamic-debug descriptor is known
 * by its format string, so an added pr_debug does not steal an existing descriptor's pair.
 */
function signature(side: Side, e: IndexedEntity): string {
  let sig = signatures.get(e);
  if (sig === undefined) {
    sig = e.kind === 'data' && pairsByUse(e.name)
      ? e.relocations.map((rel) => resolveReference(side.index, e.sectionIndex, rel, side.ends)).filter((r) => r.kind === 'string').map((r) => (r as { text: string }).text).join('|')
      : '';
    signatures.set(e, sig);
  }
  return sig;
}

/** A correlation-free description of a reference, good enough to align two relocation lists. */
function shapeOf(side: Side, ref: Reference): string {
  switch (ref.kind) {
    case 'entity': return `E:${baseName(ref.entity.name)}${pairsByUse(ref.entity.name) ? `{${signature(side, ref.entity)}}` : ''}`;
    case 'external': return `X:${ref.name}`;
    case 'string': return `S:${ref.text}`;
    case 'constant': return `C:${ref.hex}`;
    case 'place': return `P:${ref.section}`;
  }
}

/** Longest common subsequence of two token lists, as index pairs. */
export function align(a: string[], b: string[]): Array<[number, number]> {
  const n = a.length;
  const m = b.length;
  // A common prefix is matched pair by pair (the walk below takes equal tokens as it meets
  // them), so only what follows it needs the table: for a function changed in one place, a
  // fraction of the n × m cells.
  const out: Array<[number, number]> = [];
  let p = 0;
  while (p < n && p < m && a[p] === b[p]) out.push([p, p++]);
  if (p === n || p === m) return out;
  const w = m - p + 1;
  const cell = (i: number, j: number) => (i - p) * w + (j - p);
  const table = new Uint32Array((n - p + 1) * w);
  for (let i = n - 1; i >= p; i--) {
    for (let j = m - 1; j >= p; j--) {
      table[cell(i, j)] = a[i] === b[j] ? table[cell(i + 1, j + 1)]! + 1 : Math.max(table[cell(i + 1, j)]!, table[cell(i, j + 1)]!);
    }
  }
  let i = p;
  let j = p;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push([i, j]);
      i++;
      j++;
    } else if (table[cell(i + 1, j)]! >= table[cell(i, j + 1)]!) i++;
    else j++;
  }
  return out;
}

function pairByUse(orig: Side, patched: Side, c: Correlation) {
  // Walk paired entities; newly paired data may itself reference by-use entities, so repeat.
  const visited = new Set<IndexedEntity>();
  const unpairedByUse = (e: IndexedEntity) => !c.forward.has(e) && pairsByUse(e.name);
  const tokens = (side: Side, list: Resolved[]) => list.map(({ rel, ref }) => `${rel.type}:${shapeOf(side, ref)}`);
  let queue = [...c.forward.entries()];
  while (queue.length > 0) {
    const next: Array<[IndexedEntity, IndexedEntity]> = [];
    for (const [o, p] of queue) {
      if (visited.has(o)) continue;
      visited.add(o);
      const ro = resolvedRelocations(orig, o);
      // Nothing to pair through o unless it uses an unpaired by-use entity (most functions):
      // then neither the alignment nor the reference shapes are needed.
      if (!ro.some(({ ref }) => ref.kind === 'entity' && unpairedByUse(ref.entity))) continue;
      const rp = resolvedRelocations(patched, p);
      for (const [i, j] of align(tokens(orig, ro), tokens(patched, rp))) {
        const a = ro[i]!.ref;
        const b = rp[j]!.ref;
        if (a.kind !== 'entity' || b.kind !== 'entity') continue;
        const x = a.entity;
        const y = b.entity;
        if (!unpairedByUse(x) || c.backward.has(y) || !pairsByUse(y.name)) continue;
        if (x.kind !== y.kind || baseName(x.name) !== baseName(y.name)) continue;
        pair(c, x, y);
        next.push([x, y]);
      }
    }
    queue = next;
  }
}
