// The relocation at an offset, by binary search: checked against a linear search over every
// relocation section of a real gcc object, in gas's order and shuffled.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { readElfFile, type ElfRelocation } from '../../src/elf/index.js';
import { RelocationIndex, relocationIndex } from '../../src/elf/relocation-index.js';

const SOURCE = String.raw`
static int counter[4];
static const char *names[] = { "one", "two", "three" };
int pick(int i) { counter[i & 3]++; return names[i % 3][0] + counter[1]; }
int twice(int i) { return pick(i) + pick(i + 1); }
`;

/** The last relocation listed at `offset`, found by looking at each. */
function linear(entries: ElfRelocation[], offset: number): ElfRelocation | undefined {
  let found: ElfRelocation | undefined;
  for (const e of entries) if (Number(e.offset) === offset) found = e;
  return found;
}

it('finds every relocation of a gcc -g object, in order or not, and nothing between them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdm-relindex-'));
  writeFileSync(join(dir, 'r.c'), SOURCE);
  await execa('gcc', ['-O2', '-g', '-c', '-ffunction-sections', '-fdata-sections', join(dir, 'r.c'), '-o', join(dir, 'r.o')]);
  const obj = await readElfFile(join(dir, 'r.o'));
  const debugInfo = obj.relocations.find((rs) => obj.sections[rs.target]!.name === '.debug_info');
  expect(debugInfo!.entries.length).toBeGreaterThan(20);
  for (const rs of obj.relocations) {
    const shuffled = [...rs.entries].reverse();
    // Two relocations at one offset: the later one listed is the one that applies.
    if (shuffled.length) shuffled.push({ ...shuffled[0]!, addend: shuffled[0]!.addend + 1n });
    for (const entries of [rs.entries, shuffled]) {
      const index = entries === rs.entries ? relocationIndex(rs) : new RelocationIndex(entries);
      const last = Math.max(0, ...entries.map((e) => Number(e.offset)));
      for (let offset = 0; offset <= last + 1; offset++) expect(index.at(offset)).toBe(linear(entries, offset));
    }
  }
  expect(relocationIndex(debugInfo!)).toBe(relocationIndex(debugInfo!));
});
