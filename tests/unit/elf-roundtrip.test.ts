// The ELF model against real gcc output for every architecture whose compiler is installed:
// read → write → read gives the same model, binutils accept what we write, and `inspect`
// agrees with readelf.
import { describe, expect, it, beforeAll } from 'vitest';
import { buildCorpus, type CorpusObject } from '../helpers/corpus.js';
import { binutilsComplaints, comparableModel, roundTrip } from '../helpers/elf-roundtrip.js';
import { readelf } from '../helpers/readelf.js';
import { compareWithReadelf } from '../helpers/compare.js';
import { inspectReport } from '../../src/cli/inspect.js';
import { readElfFile, readSectionBytes, EM, SHT } from '../../src/elf/index.js';

let corpus: CorpusObject[] = [];
beforeAll(async () => {
  corpus = await buildCorpus({ requireAll: process.env.CI === 'true' });
}, 120_000);

describe('ELF corpus', () => {
  it('covers x86_64, aarch64, ppc64le and s390x (big-endian) when the cross compilers are installed', async () => {
    const machines = new Set<number>();
    for (const o of corpus) machines.add((await readElfFile(o.path)).header.machine);
    expect(machines.has(EM.X86_64)).toBe(true);
    if (process.env.CI === 'true') expect([...machines].sort((a, b) => a - b)).toEqual([EM.PPC64, EM.S390, EM.X86_64, EM.AARCH64].sort((a, b) => a - b));
    const s390 = corpus.find((o) => o.variant.name === 's390x');
    if (s390) expect((await readElfFile(s390.path)).header.endian).toBe('big');
  });

  it('readSectionBytes finds the bytes readElf reads, by name, reading only the headers', async () => {
    for (const o of corpus) {
      const obj = await readElfFile(o.path);
      const seen = new Set<string>();
      for (const section of obj.sections.slice(1)) {
        if (seen.has(section.name) || section.type === SHT.NOBITS) continue; // the first of a name is the one found
        seen.add(section.name);
        expect(Buffer.from((await readSectionBytes(o.path, section.name))!).equals(Buffer.from(section.data)), `${o.variant.name} ${section.name}`).toBe(true);
      }
      expect(await readSectionBytes(o.path, '.no-such-section')).toBeUndefined();
    }
  });

  it('round-trips every object to the same model, accepted by readelf, objdump and ld -r', async () => {
    for (const o of corpus) {
      const rt = roundTrip(o.path);
      expect(comparableModel(rt.rewritten), `${o.variant.name} ${o.source}`).toEqual(comparableModel(rt.original));
      expect(await binutilsComplaints(rt.rewrittenPath, o.variant.prefix), `${o.variant.name} ${o.source}`).toEqual([]);
    }
  });

  it('inspect lists the same sections, symbols and relocations as readelf, original and rewritten', async () => {
    for (const o of corpus) {
      for (const path of [o.path, roundTrip(o.path).rewrittenPath]) {
        const report = inspectReport(path, await readElfFile(path));
        const view = await readelf(path);
        // The parser must have seen the tables, or an empty comparison would prove nothing.
        expect(view.sections.length).toBeGreaterThan(10);
        expect(view.symbols.length).toBeGreaterThan(5);
        if (o.source !== 'comdat.cc') expect(view.relocations.size).toBeGreaterThan(3);
        expect(compareWithReadelf(report, view), `${o.variant.name} ${o.source}`).toEqual([]);
      }
    }
  });

  it('reads COMDAT groups from C++ objects', async () => {
    const cxx = corpus.find((o) => o.source === 'comdat.cc')!;
    const obj = await readElfFile(cxx.path);
    expect(obj.groups.length).toBeGreaterThanOrEqual(2);
    for (const g of obj.groups) {
      expect(g.flags & 1).toBe(1);
      expect(g.members.every((m) => obj.sections[m]!.name.startsWith('.text._Z'))).toBe(true);
    }
  });

  it('keeps section attributes: two functions share .sched.text and two flags share .data.once', async () => {
    const o = corpus.find((c) => c.source === 'sections.c' && c.variant.name === 'x86_64')!;
    const obj = await readElfFile(o.path);
    const inSection = (name: string) => {
      const idx = obj.sections.findIndex((s) => s.name === name);
      return obj.symbols.filter((s) => s.shndx === idx && !s.special && s.type !== 3).map((s) => s.name).sort();
    };
    expect(inSection('.sched.text')).toEqual(['wait_a', 'wait_b']);
    expect(inSection('.data.once')).toEqual(['done_a', 'done_b']);
  });
});
