// The relocation-list alignment that pairs data by use (correlate.ts) matches a common prefix
// without its LCS table. The pairs it returns must be exactly those of the whole-table walk:
// checked against that walk written out here, on lists with many ties (a three-token alphabet)
// and on the shape the pipeline meets (two long lists that differ in one place).
import { describe, expect, it } from 'vitest';
import { align } from '../../src/diff/correlate.js';

/** The longest-common-subsequence walk over the full table, preferring to advance in `a` on ties. */
function wholeTableAlign(a: string[], b: string[]): Array<[number, number]> {
  const n = a.length;
  const m = b.length;
  const t = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) t[i]![j] = a[i] === b[j] ? t[i + 1]![j + 1]! + 1 : Math.max(t[i + 1]![j]!, t[i]![j + 1]!);
  const out: Array<[number, number]> = [];
  for (let i = 0, j = 0; i < n && j < m;) {
    if (a[i] === b[j]) out.push([i++, j++]);
    else if (t[i + 1]![j]! >= t[i]![j + 1]!) i++;
    else j++;
  }
  return out;
}

/** A deterministic generator, so a failure names a reproducible case. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe('align', () => {
  it('pairs exactly as the whole-table walk on random lists with ties', () => {
    const rnd = lcg(7);
    const list = (len: number) => Array.from({ length: len }, () => 'xyz'[Math.floor(rnd() * 3)]!);
    for (let k = 0; k < 500; k++) {
      const a = list(Math.floor(rnd() * 12));
      const b = rnd() < 0.5 ? [...a.slice(0, Math.floor(rnd() * a.length)), ...list(Math.floor(rnd() * 6))] : list(Math.floor(rnd() * 12));
      expect(align(a, b), `${a.join('')} / ${b.join('')}`).toEqual(wholeTableAlign(a, b));
    }
  });

  it('pairs exactly as the whole-table walk when one place of a long list changed', () => {
    const a = Array.from({ length: 300 }, (_, i) => `R_X86_64_PLT32:X:f${i % 40}`);
    const b = [...a.slice(0, 180), 'R_X86_64_32S:E:new_data', ...a.slice(181)];
    const pairs = align(a, b);
    expect(pairs).toEqual(wholeTableAlign(a, b));
    expect(pairs).toHaveLength(299);
    expect(align(a, a)).toEqual(a.map((_, i) => [i, i]));
    expect(align([], b)).toEqual([]);
  });
});
