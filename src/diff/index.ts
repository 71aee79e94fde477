// The diff stage: pair and compare two builds (original, patched) of one translation unit.
import { InputError } from '../common/errors.js';
import { readElfFile, SHT, STT, machineName, type ElfObject } from '../elf/index.js';
import { correlate, type Correlation, type Side } from './correlate.js';
import { compareEntities, compareRelocations } from './compare.js';
import type { IndexedEntity } from './entities.js';
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
  /** DWARF inlining (absent without -g or when not asked for). */
  inlining?: InliningDetail;
  /** Special-section records by function, and the functions ftrace can patch (__mcount_loc). */
  special: SpecialSectionRecord[];
  traced: Set<number>;
}

/**
 * Read one build of the TU. The tree pipeline prepares the original while the patched side
 * still compiles, so only the patched side's reading is left once gcc is done.
 */
export async function prepareObject(path: string, opts: Pick<DiffOptions, 'inlining'> = {}): Promise<PreparedObject> {
  const obj = await readElfFile(path);
  const index = indexObject(obj, path);
  const ends = readInstructionEnds(index, sectionsNeedingBoundaries(index));
  ends.catch(() => undefined); // awaited below, unless the DWARF walk throws first
  // The DWARF walk is synchronous: it runs while objdump does.
  const inlining = (opts.inlining ?? true) && hasDwarf(obj) ? inliningDetail(obj) : undefined;
  const special = splitSpecialSections(obj);
  return { path, obj, side: { index, ends: await ends }, inlining, special, traced: tracedFunctions(obj) };
}

type ObjectInput = string | PreparedObject | Promise<PreparedObject>;

export async function diffObjects(origInput: ObjectInput, patchedInput: ObjectInput, opts: DiffOptions = {}): Promise<ObjectDiff> {
  const prepare = (x: ObjectInput) => (typeof x === 'string' ? prepareObject(x, opts) : x);
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
  const [inlOrig, inlPatched] = o.inlining && p.inlining ? [o.inlining, p.inlining] : [none, none];
  const machine = origObj.header.machine;
  await readInternalBranches(orig, patched, correlation, objdumpFor(machine), (o, p) => compareEntities(orig, o, patched, p, correlation) !== undefined);
  const lineOnly = await lineNumberOnlyChanges(orig, patched, correlation);
  const readOnly = await carriedReadOnly(orig, patched, correlation, (name) => isSpecialSection(machine, name));
  return classify({
    lineOnly,
    orig, patched, correlation,
    traced: { orig: o.traced, patched: p.traced },
    special: { orig: o.special, patched: p.special },
    inlining: { orig: inlOrig.chains, patched: inlPatched.chains },
    inlinedInstances: { orig: inlOrig.instances, patched: inlPatched.instances },
    specialSectionNames: (name) => isSpecialSection(machine, name),
    readOnly,
    editedFunctions: opts.editedFunctions,
  });
}

/** Paired functions whose relocations agree and whose bytes differ only at line sinks. */
async function lineNumberOnlyChanges(orig: Side, patched: Side, c: Correlation): Promise<Set<IndexedEntity>> {
  const candidates: Array<[IndexedEntity, IndexedEntity]> = [];
  for (const [o, p] of c.forward) {
    if (o.kind !== 'function' || o.size !== p.size) continue;
    if (compareEntities(orig, o, patched, p, c) && !compareRelocations(orig, o, patched, p, c)) candidates.push([o, p]);
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
