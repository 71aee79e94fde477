// Inlining read from DWARF (the DIEs of a -g object's .debug_info): which callees gcc inlined
// into each out-of-line function, as chains, with clones named by their ELF symbol.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { readElfFile } from '../../src/elf/index.js';
import { inliningDetail, inliningFromDies, readInlining } from '../../src/diff/inlining.js';
import { DW_TAG, readDies, walkDies, type DwarfDie } from '../../src/elf/dwarf.js';
import { bothReadings } from '../helpers/readelf-dies.js';

const KERNEL_FLAGS = ['-O2', '-c', '-ffunction-sections', '-fdata-sections', '-pg', '-mfentry', '-mrecord-mcount', '-fno-pic', '-mcmodel=kernel'];

const SOURCE = String.raw`
int sink;
static inline __attribute__((always_inline)) void c(int x) { sink += x * 7; }
static inline __attribute__((always_inline)) void b(int x) { c(x); sink ^= x; }
__attribute__((noinline)) int d(int x) { sink -= x; return sink; }
int a(int x) { b(x); b(x + 1); return sink; }
int e(int x) { { int y = x * 2; b(y); } return d(x); }
/* A constant argument makes gcc clone scale() as scale.constprop.0. */
static __attribute__((noinline)) int scale(int *p, int k) { c(k); return *p * k + sink; }
int use1(int v) { return scale(&v, 3); }
int use2(int v) { return scale(&v, 3) + 1; }
/* Two functions in one section: named through DW_AT_low_pc's relocation, not its value. */
__attribute__((noinline, section(".sched.text"))) int s1(int x) { b(x); return sink; }
__attribute__((noinline, section(".sched.text"))) int s2(int x) { sink = x; return d(x); }
`;

describe('readInlining', () => {
  let dir: string;
  let path: string;
  let inlining: Map<string, string[][]>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cdm-inlining-'));
    writeFileSync(join(dir, 'inl.c'), SOURCE);
    path = join(dir, 'inl.o');
    await execa('gcc', [...KERNEL_FLAGS, '-g', join(dir, 'inl.c'), '-o', path]);
    inlining = await readInlining(path);
  });

  it('reports a static inline chain a → b → c as chains, two levels deep', () => {
    expect(inlining.get('a')).toEqual([['b'], ['b', 'c']]);
    // A lexical block between the function and the inlined call changes nothing.
    expect(inlining.get('e')).toEqual([['b'], ['b', 'c']]);
  });

  it('does not report noinline callees, and lists functions with nothing inlined as []', () => {
    expect(inlining.get('d')).toEqual([]);
    expect(inlining.get('s2')).toEqual([]);
    expect(inlining.get('use1')).toEqual([]);
    for (const chains of inlining.values()) for (const chain of chains) expect(chain).not.toContain('d');
    // Inlined-only functions have no code of their own.
    expect(inlining.has('b')).toBe(false);
    expect(inlining.has('c')).toBe(false);
  });

  it('names clones and functions in shared sections by their ELF symbol', async () => {
    const obj = await readElfFile(path);
    const functions = obj.symbols.filter((s) => s.type === 2 && s.shndx !== 0).map((s) => s.name).sort();
    expect(functions).toContain('scale.constprop.0');
    expect([...inlining.keys()].sort()).toEqual(functions);
    expect(inlining.get('scale.constprop.0')).toEqual([['c']]);
    expect(inlining.get('s1')).toEqual([['b'], ['b', 'c']]);
  });

  it('falls back to DWARF names when no relocation names the function', async () => {
    const byName = inliningFromDies(walkDies(await readElfFile(path)));
    expect(byName.get('scale')).toEqual([['c']]);
    expect(byName.get('a')).toEqual([['b'], ['b', 'c']]);
  });

  it.each([['-gdwarf-5'], ['-gdwarf-4'], ['-gdwarf-4 -gstrict-dwarf'], ['-gdwarf-2']])('reads every DIE as readelf does (%s)', async (flags) => {
    const object = join(dir, `inl${flags.replace(/\W+/g, '_')}.o`);
    await execa('gcc', [...KERNEL_FLAGS, ...flags.split(' '), join(dir, 'inl.c'), '-o', object]);
    const all = walkDies(await readElfFile(object));
    const { dies } = all;
    expect(dies.length).toBeGreaterThan(20);
    const { ours, readelf } = await bothReadings(object, dies);
    expect(ours).toEqual(readelf);
    // What the inlining analysis reads (two tags, plus bare enclosing DIEs) gives the same chains.
    expect(inliningFromDies(walkDies(await readElfFile(object), { tags: new Set([DW_TAG.subprogram, DW_TAG.inlined_subroutine]) }))).toEqual(inliningFromDies(all));
  });

  it('leaves deferred DIEs undecoded until asked for by offset: the same DIEs, the same chains', async () => {
    const obj = await readElfFile(path);
    const tags = new Set([DW_TAG.subprogram, DW_TAG.inlined_subroutine]);
    // Functions without code (b and c, inlined only) are the ones the inlining analysis defers.
    const codeless = (tag: number, attrs: readonly number[]) => tag === DW_TAG.subprogram && !attrs.includes(0x11) && !attrs.includes(0x55);
    const walk = walkDies(obj, { tags, defer: codeless });
    const eager = walkDies(obj, { tags });
    const decoded = eager.dies;
    const deferred = decoded.filter((d) => d.tag === DW_TAG.subprogram && d.lowPcAt === undefined && d.ranges === undefined);
    expect(deferred.map((d) => d.name)).toEqual(expect.arrayContaining(['b', 'c']));
    // Walked into (no descend here), a deferred DIE is listed bare, for the nesting only.
    for (const d of deferred) expect(walk.dies.find((w) => w.offset === d.offset)?.name).toBeUndefined();
    // Asked for, each kept DIE is what the eager walk decoded (a deferred one without its depth).
    for (const d of decoded.filter((x) => tags.has(x.tag))) expect({ ...walk.at(d.offset), depth: d.depth }).toEqual(d);
    expect(inliningFromDies(walk)).toEqual(inliningFromDies(eager));
    expect(inliningFromDies(walk).get('a')).toEqual([['b'], ['b', 'c']]);
  });

  it.each([['-gdwarf-5'], ['-gdwarf-4'], ['-gdwarf-2']])('reads one function by jumping over the others (%s): same chains and instances', async (flags) => {
    const object = join(dir, `only${flags.replace(/\W+/g, '_')}.o`);
    await execa('gcc', [...KERNEL_FLAGS, ...flags.split(' '), join(dir, 'inl.c'), '-o', object]);
    const obj = await readElfFile(object);
    const tags = new Set([DW_TAG.subprogram, DW_TAG.inlined_subroutine]);
    // DW_AT_sibling lets the walk skip whole subtrees (all but the last child's, which has none).
    const deep = (dies: DwarfDie[]) => dies.filter((d) => d.depth >= 2).length;
    const top = readDies(obj, tags, (die) => die.depth === 0);
    expect(deep(top)).toBeLessThan(deep(readDies(obj, tags)) / 2);
    const all = inliningDetail(obj);
    for (const name of all.chains.keys()) {
      const one = inliningDetail(obj, new Set([name]));
      expect([...one.chains.keys()]).toEqual([name]);
      expect(one.chains.get(name), name).toEqual(all.chains.get(name));
      expect(one.instances.get(name), name).toEqual(all.instances.get(name));
    }
    expect(inliningDetail(obj, new Set()).chains.size).toBe(0);
  });

  // DW_AT_decl_line is never decoded (stepped over by its form): an unknown form there is
  // still malformed DWARF, for a DIE the walk keeps (a function) and one it skips (a parameter).
  it.each([['a DW_TAG_subprogram', 0x2e], ['a DW_TAG_formal_parameter', 0x05]])('an unknown form in %s\'s abbreviation is a malformed object', async (_what, tag) => {
    const obj = await readElfFile(path);
    const abbrev = obj.sections.find((s) => s.name === '.debug_abbrev')!.data;
    let pos = 0;
    const uleb = () => {
      let v = 0;
      for (let shift = 0; ; shift += 7) {
        const b = abbrev[pos++]!;
        v += (b & 0x7f) * 2 ** shift;
        if (!(b & 0x80)) return v;
      }
    };
    let patched = false;
    while (!patched && pos < abbrev.length) {
      if (uleb() === 0) continue; // the end of a unit's table
      const t = uleb();
      pos++; // DW_CHILDREN
      for (;;) {
        const at = uleb();
        const formAt = pos;
        const form = uleb();
        if (at === 0 && form === 0) break;
        if (form === 0x21) uleb(); // implicit_const's value (sleb, same length)
        if (t === tag && at === 0x3b && !patched && pos === formAt + 1) {
          abbrev[formAt] = 0x7f;
          patched = true;
        }
      }
    }
    expect(patched).toBe(true);
    expect(() => readDies(obj, new Set([DW_TAG.subprogram, DW_TAG.inlined_subroutine]))).toThrow(/\.debug_info: DIE at 0x[0-9a-f]+: unknown attribute form 0x7f/);
  });

  it('gives an empty map for an object without DWARF', async () => {
    await execa('gcc', [...KERNEL_FLAGS, join(dir, 'inl.c'), '-o', join(dir, 'nodebug.o')]);
    expect((await readInlining(join(dir, 'nodebug.o'))).size).toBe(0);
  });
});
