// The diff stage: pair and compare two builds (original, patched) of one translation unit.
import { InputError } from '../common/errors.js';
import { readElfFile, SHT, STT, machineName, type ElfObject } from '../elf/index.js';
import { correlate, resolvedRelocations, type Correlation, type Side } from './correlate.js';
import { compareEntities, compareRelocations, type Difference } from './compare.js';
import type { IndexedEntity, ObjectIndex } from './entities.js';
import { disassemble, objdumpFor, onlyLineNumbersDiffer } from './line-sinks.js';
import { classify } from './classify.js';
import { readInternalBranches } from './branches.js';
import { carriedReadOnly } from './rodata-escape.js';
import { indexObject } from './entities.js';
import { inliningDetail, type InliningDetail } from './inlining.js';
import { readInstructionEnds, sectionsNeedingBoundaries } from './references.js';
import { isSpecialSection, splitSpecialSections, tracedFunctions, type SpecialSectionRecord } from './special-sections.js';
import type { ObjectDiff } from './types.js';

export type * from './types.js';

export interface DiffOptions {
  /** Read DWARF for inlining causes (default true; objects without -g simply have none). */
  inlining?: boolean;
  /**
   * Functions the source diff edits (the tree pipeline knows the hunks). When given, an inlined
   * callee explains a caller's change only if it is one of them (or its own copy changed), in
   * either build's inlining: gcc may stop inlining an edited callee, so the original's DWARF
   * holds the evidence. Without it, objects alone guess (a callee inlined only into changed
   * functions).
   */
  editedFunctions?: ReadonlySet<string>;
}

/** One side read and indexed: what the differ needs that does not depend on the other side. */
export interface PreparedObject {
  path: string;
  obj: ElfObject;
  side: Side;
  /**
   * DWARF inlining (absent without -g or when not asked for): of the functions in `only`, or of
   * all. Read at once, or on the first call when prepared with `inlining: 'on-demand'`.
   */
  inlining?: (only?: ReadonlySet<string>) => InliningDetail;
  /** Special-section records by function, and the functions ftrace can patch (__mcount_loc). */
  special: SpecialSectionRecord[];
  traced: Set<number>;
}

export interface PrepareOptions {
  /**
   * Read DWARF inlining now (true, the default), not at all (false), or when the differ asks,
   * for the functions it asks about ('on-demand': the patched side, read while the user waits).
   */
  inlining?: boolean | 'on-demand';
  /** The other build, already prepared: its instruction ends serve every section whose bytes are the same. */
  like?: PreparedObject;
  /**
   * Resolve every entity's relocations now rather than when pairing and comparing ask (the
   * original, while the patched side still compiles: half of that work is then done).
   */
  resolveAhead?: boolean;
}

/**
 * Read one build of the TU. The tree pipeline prepares the original while the patched side
 * still compiles, so only the patched side's reading is left once gcc is done.
 */
export async function prepareObject(path: string, opts: PrepareOptions = {}): Promise<PreparedObject> {
  const obj = await readElfFile(path);
  const index = indexObject(obj, path);
  const reused = opts.like ? sameInstructionEnds(index, opts.like.side) : new Map<number, bigint[]>();
  const ends = readInstructionEnds(index, sectionsNeedingBoundaries(index).filter((i) => !reused.has(i)));
  ends.catch(() => undefined); // awaited below, unless the DWARF walk throws first
  let inlining: PreparedObject['inlining'];
  if ((opts.inlining ?? true) !== false && hasDwarf(obj)) {
    if (opts.inlining === 'on-demand') inlining = (only) => inliningDetail(obj, only);
    else {
      // The DWARF walk is synchronous: it runs while objdump does.
      const all = inliningDetail(obj);
      inlining = () => all;
    }
  }
  const special = splitSpecialSections(obj);
  const side: Side = { index, ends: new Map([...reused, ...(await ends)]) };
  if (opts.resolveAhead) for (const e of index.entities) resolvedRelocations(side, e);
  return { path, obj, side, inlining, special, traced: tracedFunctions(obj) };
}

/**
 * Instruction ends of `index`'s text sections that hold exactly the bytes of the same-named
 * section of `other`, whose ends are known: decoding depends on the bytes alone, so a function
 * the patch left alone needs no second disassembly.
 */
function sameInstructionEnds(index: ObjectIndex, other: Side): Map<number, bigint[]> {
  const out = new Map<number, bigint[]>();
  const byName = new Map<string, number>();
  for (const i of other.ends.keys()) byName.set(other.index.obj.sections[i]!.name, i);
  for (const section of index.obj.sections) {
    const i = byName.get(section.name);
    if (i === undefined) continue;
    const theirs = other.index.obj.sections[i]!;
    if (Buffer.from(section.data.buffer, section.data.byteOffset, section.data.length).equals(theirs.data)) out.set(section.index, other.ends.get(i)!);
  }
  return out;
}

type ObjectInput = string | PreparedObject | Promise<PreparedObject>;

export async function diffObjects(origInput: ObjectInput, patchedInput: ObjectInput, opts: DiffOptions = {}): Promise<ObjectDiff> {
  const prepare = (x: ObjectInput) => (typeof x === 'string' ? prepareObject(x, { inlining: opts.inlining }) : x);
  const [o, p] = await Promise.all([prepare(origInput), prepare(patchedInput)]);
  const { path: origPath, obj: origObj, side: orig } = o;
  const { path: patchedPath, obj: patchedObj, side: patched } = p;
  checkComparable(origPath, origObj, patchedPath, patchedObj);
  const correlation = correlate(orig, patched);
  const named = (x: ElfObject) => x.symbols.filter((s) => (s.type === STT.FUNC || s.type === STT.OBJECT) && !s.special && s.shndx !== 0);
  if (correlation.forward.size === 0 && named(origObj).length > 0 && named(patchedObj).length > 0) {
    throw new InputError(`${origPath} and ${patchedPath} share no function or data names: they are not two builds of one translation unit`);
  }
  const none: InliningDetail = { chains: new Map(), instances: new Map() };
  // Read alike on both sides: when one build has no DWARF, neither side's inlining is used.
  const both = o.inlining && p.inlining ? { orig: o.inlining, patched: p.inlining } : undefined;
  const machine = origObj.header.machine;
  await readInternalBranches(orig, patched, correlation, objdumpFor(machine), (o, p) => compareEntities(orig, o, patched, p, correlation) !== undefined);
  // From here on the comparison of a pair cannot change (the internal branches are read).
  const compared = new Map<IndexedEntity, Difference | undefined>();
  const compare = (o: IndexedEntity, p: IndexedEntity) => {
    if (!compared.has(o)) compared.set(o, compareEntities(orig, o, patched, p, correlation));
    return compared.get(o);
  };
  const lineOnly = await lineNumberOnlyChanges(orig, patched, correlation, compare);
  const readOnly = await carriedReadOnly(orig, patched, correlation, (name) => isSpecialSection(machine, name), compare);
  return classify({
    lineOnly,
    orig, patched, correlation, compare,
    traced: { orig: o.traced, patched: p.traced },
    special: { orig: o.special, patched: p.special },
    inlining: { orig: both ? both.orig() : none, patched: (only) => (both ? both.patched(only) : none) },
    specialSectionNames: (name) => isSpecialSection(machine, name),
    readOnly,
    editedFunctions: opts.editedFunctions,
  });
}

/** Paired functions whose relocations agree and whose bytes differ only at line sinks. */
async function lineNumberOnlyChanges(orig: Side, patched: Side, c: Correlation, compare: (o: IndexedEntity, p: IndexedEntity) => Difference | undefined): Promise<Set<IndexedEntity>> {
  const candidates: Array<[IndexedEntity, IndexedEntity]> = [];
  for (const [o, p] of c.forward) {
    if (o.kind !== 'function' || o.size !== p.size) continue;
    if (compare(o, p) && !compareRelocations(orig, o, patched, p, c)) candidates.push([o, p]);
  }
  const found = new Set<IndexedEntity>();
  const objdump = objdumpFor(orig.index.obj.header.machine);
  if (candidates.length === 0 || !objdump) return found;
  const [da, db] = await Promise.all([
    disassemble(orig.index, [...new Set(candidates.map(([o]) => o.section))], objdump),
    disassemble(patched.index, [...new Set(candidates.map(([, p]) => p.section))], objdump),
  ]);
  for (const [o, p] of candidates) {
    const a = da.get(o.section);
    const b = db.get(p.section);
    if (a && b && onlyLineNumbersDiffer({ index: orig.index, e: o, insns: a }, { index: patched.index, e: p, insns: b })) found.add(o);
  }
  return found;
}

function hasDwarf(obj: ElfObject): boolean {
  return obj.sections.some((s) => s.name === '.debug_info');
}

function checkComparable(origPath: string, orig: ElfObject, patchedPath: string, patched: ElfObject) {
  if (orig.header.machine !== patched.header.machine || orig.header.endian !== patched.header.endian) {
    throw new InputError(`${origPath} is ${machineName(orig.header.machine)} (${orig.header.endian}-endian) but ${patchedPath} is ${machineName(patched.header.machine)} (${patched.header.endian}-endian): compare two builds for one architecture`);
  }
  for (const [path, obj] of [[origPath, orig], [patchedPath, patched]] as const) {
    // Without -ffunction-sections every function shares .text and cannot be replaced alone.
    const text = obj.sections.findIndex((s) => s.name === '.text' && s.type === SHT.PROGBITS);
    const inText = obj.symbols.filter((s) => s.type === STT.FUNC && !s.special && s.shndx === text).length;
    if (text > 0 && inText >= 2) {
      throw new InputError(`${path}: ${inText} functions share .text: the object was compiled without -ffunction-sections`, 'compile with -ffunction-sections -fdata-sections (kbuild: KCFLAGS="-ffunction-sections -fdata-sections")');
    }
  }
}
