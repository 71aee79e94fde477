// Special-section record layouts, inlining and instruction lengths on real kernel objects: Debian's 6.1 sources
// compiled with Debian's config and kbuild's own flags (objtool included) plus
// -ffunction-sections -fdata-sections, by src/target.
import { beforeAll, describe, expect, it } from 'vitest';
import { compileTargetObject, ensureTarget, TEST_ABI } from '../../src/target/index.js';
import { readElfFile, SHF, STT, type ElfObject } from '../../src/elf/index.js';
import { inliningDetail, inliningFromDies, readInlining } from '../../src/diff/inlining.js';
import { DW_TAG, walkDies } from '../../src/elf/dwarf.js';
import { bothReadings } from '../helpers/readelf-dies.js';
import { indexObject, isTextSection } from '../../src/diff/entities.js';
import { objdumpInstructionEnds, readInstructionEnds } from '../../src/diff/references.js';
import { specialSectionLayouts, splitSpecialSections, tracedFunctions, type SpecialSectionRecord } from '../../src/diff/special-sections.js';

const OBJECTS = ['fs/proc/cmdline.o', 'kernel/fork.o'];
const paths = new Map<string, string>();
const objects = new Map<string, ElfObject>();

beforeAll(async () => {
  const target = await ensureTarget({ abi: TEST_ABI, log: (l) => console.log(l) });
  for (const o of OBJECTS) {
    const path = await compileTargetObject(target, o);
    paths.set(o, path);
    objects.set(o, await readElfFile(path));
  }
});

/** Independent of the module: the FUNC symbol whose [value, value+size) holds `offset` of `section`. */
function functionAtLinear(obj: ElfObject, section: number, offset: bigint): string | undefined {
  return obj.symbols.find((s) => s.type === STT.FUNC && s.shndx === section && offset >= s.value && offset < s.value + s.size)?.name;
}

describe.each(OBJECTS)('special sections of %s', (name) => {
  let obj: ElfObject;
  let records: SpecialSectionRecord[];
  beforeAll(() => {
    obj = objects.get(name)!;
    records = splitSpecialSections(obj);
  });

  it('splits every special section present into whole records, relocations at the same offsets in each record', () => {
    const layouts = new Map(specialSectionLayouts(obj.header.machine).map((l) => [l.name, l]));
    const present = obj.sections.filter((s) => layouts.has(s.name));
    expect(present.length).toBeGreaterThan(3);
    for (const section of present) {
      const layout = layouts.get(section.name)!;
      const size = section.entsize > 0n ? Number(section.entsize) : layout.recordSize;
      expect(Number(section.size) % size, `${section.name}: size ${section.size} by ${size}`).toBe(0);
      const mine = records.filter((r) => r.sectionIndex === section.index);
      expect(mine.length * size, section.name).toBe(Number(section.size));
      const rs = obj.relocations.find((r) => r.target === section.index);
      if (!rs) continue;
      const perRecord = new Map<number, number[]>();
      for (const e of rs.entries) {
        const i = Math.floor(Number(e.offset) / size);
        perRecord.set(i, [...(perRecord.get(i) ?? []), Number(e.offset) % size].sort((a, b) => a - b));
      }
      const shapes = new Set([...perRecord.values()].map((o) => o.join(',')));
      expect([...shapes], `${section.name}: relocation offsets within records`).toHaveLength(1);
      expect(perRecord.size, `${section.name}: every record relocated`).toBe(mine.length);
      if (layout.codeFieldOffset !== undefined && !layout.codeInPair) {
        expect([...shapes][0]!.split(',').map(Number), section.name).toContain(layout.codeFieldOffset);
      }
    }
  });

  it('attributes every record whose code field points into code to a function in a .text* section', () => {
    let checked = 0;
    for (const r of records) {
      if (!r.target) continue;
      const target = obj.sections[r.target.sectionIndex]!;
      if ((target.flags & SHF.EXECINSTR) === 0n) {
        // Only __ADDRESSABLE() may point at data (static call keys, exported variables).
        expect(r.section, `${r.section}[${r.index}] points into ${target.name}`).toBe('.discard.addressable');
        continue;
      }
      expect(r.function, `${r.section}[${r.index}] → ${target.name}+${r.target.offset}`).toBeDefined();
      const fn = obj.symbols[r.functionSymbol!]!;
      expect(fn.name).toBe(r.function);
      // .text.<fn>, or a shared .sched.text / .init.text / .static_call.text (tracepoint trampolines).
      expect(obj.sections[fn.shndx]!.name).toMatch(/\.text(\.|$)/);
      // Same answer as a linear scan, except at a function's very end (ORC section terminators).
      const linear = functionAtLinear(obj, r.target.sectionIndex, BigInt(r.target.offset));
      if (linear !== undefined) expect(r.function).toBe(linear);
      else expect(BigInt(r.target.offset)).toBe(fn.value + fn.size);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('keeps .orc_unwind and .orc_unwind_ip in step', () => {
    const ip = records.filter((r) => r.section === '.orc_unwind_ip');
    const orc = records.filter((r) => r.section === '.orc_unwind');
    expect(ip.length).toBeGreaterThan(0);
    expect(orc.map((r) => r.function)).toEqual(ip.map((r) => r.function));
  });

  it('traced functions are exactly those listed in __mcount_loc (and those with call __fentry__ first)', () => {
    const mcount = obj.sections.find((s) => s.name === '__mcount_loc')!;
    const rs = obj.relocations.find((r) => r.target === mcount.index)!;
    const listed = new Set(rs.entries.map((e) => {
      const sym = obj.symbols[e.symbol]!;
      return functionAtLinear(obj, sym.shndx, sym.value + e.addend);
    }));
    expect(listed.has(undefined)).toBe(false);
    const traced = tracedFunctions(obj);
    expect(new Set([...traced].map((i) => obj.symbols[i]!.name))).toEqual(listed);
    // The fallback for objects without __mcount_loc agrees on the real object.
    const hidden: ElfObject = { ...obj, sections: obj.sections.map((s) => (s === mcount ? { ...s, name: '__mcount_loc.hidden' } : s)) };
    expect(tracedFunctions(hidden)).toEqual(traced);
  });
});

describe('kernel/fork.o', () => {
  it('copy_process has __bug_table, __jump_table or .orc_unwind_ip records', () => {
    const records = splitSpecialSections(objects.get('kernel/fork.o')!);
    const sections = new Set(records.filter((r) => r.function === 'copy_process').map((r) => r.section));
    expect(['__bug_table', '__jump_table', '.orc_unwind_ip'].some((s) => sections.has(s))).toBe(true);
    expect(sections.has('__mcount_loc')).toBe(true);
  });

  it('readInlining lists inlined callees of copy_process', async () => {
    const start = performance.now();
    const inlining = await readInlining(paths.get('kernel/fork.o')!);
    const ms = performance.now() - start;
    console.log(`readInlining(kernel/fork.o): ${ms.toFixed(0)} ms, ${inlining.size} functions`);
    const chains = inlining.get('copy_process')!;
    expect(chains.length).toBeGreaterThan(10);
    const direct = new Set(chains.filter((c) => c.length === 1).map((c) => c[0]));
    // copy_process → dup_task_struct (static, called once) is inlined in Debian's build.
    expect(direct.has('dup_task_struct')).toBe(true);
    expect(chains.some((c) => c.length >= 2)).toBe(true);
    // Clones are keyed by their ELF names.
    expect([...inlining.keys()].some((k) => /\.(constprop|isra|part)\.\d+$/.test(k))).toBe(true);
    expect(ms).toBeLessThan(10_000);
  });

  it.each(OBJECTS)('reads every DIE of %s as readelf does', async (name) => {
    const walk = walkDies(objects.get(name)!);
    const { dies } = walk;
    expect(dies.length).toBeGreaterThan(1000);
    const { ours, readelf } = await bothReadings(paths.get(name)!, dies);
    expect(ours.length).toBe(readelf.length);
    expect(ours).toEqual(readelf);
    // The inlining analysis reads only subprograms and inlined subroutines: same chains.
    const only = walkDies(objects.get(name)!, { tags: new Set([DW_TAG.subprogram, DW_TAG.inlined_subroutine]) });
    expect(only.dies.length).toBeLessThan(dies.length / 4);
    expect(inliningFromDies(only)).toEqual(inliningFromDies(walk));
    // Asked for some functions, the walk that jumps over the rest answers alike for those.
    const obj = objects.get(name)!;
    const all = inliningDetail(obj);
    const names = [...all.chains.keys()];
    for (const pick of [names.filter((_, i) => i % 7 === 0), names.filter((n) => (all.chains.get(n)?.length ?? 0) > 5).slice(0, 3)]) {
      const part = inliningDetail(obj, new Set(pick));
      expect([...part.chains.keys()].sort()).toEqual([...pick].sort());
      for (const n of pick) {
        expect(part.chains.get(n), n).toEqual(all.chains.get(n));
        expect(part.instances.get(n), n).toEqual(all.instances.get(n));
      }
    }
  });
});

describe.each(OBJECTS)('instruction ends of %s', (name) => {
  it('are the ones objdump decodes, in every text section', async () => {
    const obj = objects.get(name)!;
    const index = indexObject(obj, paths.get(name)!);
    const text = obj.sections.filter((s) => isTextSection(s) && s.data.length > 0).map((s) => s.index);
    expect(text.length).toBeGreaterThan(0);
    const [ours, objdump] = await Promise.all([readInstructionEnds(index, text), objdumpInstructionEnds(index, text)]);
    let count = 0;
    for (const i of text) {
      expect(ours.get(i)?.map(String), obj.sections[i]!.name).toEqual(objdump.get(i)?.map(String));
      count += ours.get(i)!.length;
    }
    expect(count).toBeGreaterThan(10);
  });
});
