// From paired, compared entities to the differ's answer: which functions the patch replaces
// or adds, which data it touches, and what makes it impossible to live-patch.
import { SHF, SHT, machineName } from '../elf/index.js';
import type { Correlation, Side } from './correlate.js';
import { resolvedRelocations } from './correlate.js';
import type { Difference } from './compare.js';
import type { IndexedEntity } from './entities.js';
import { baseName, fragmentParent, pairsByUse } from './names.js';
import { exportedName, isDebugOrMetadata, isInitSection, isKnownSection, isRelRo } from './sections.js';
import type { SpecialSectionRecord } from './special-sections.js';
import { UNKNOWN_CALLEE, type InlinedInstance, type InliningDetail } from './inlining.js';
import { referrers, type CarriedReadOnly } from './rodata-escape.js';
import type { DataResult, FunctionResult, ObjectDiff, Problem, SpecialRecord } from './types.js';
import { byCodeUnit } from '../common/order.js';

export interface ClassifyInput {
  orig: Side;
  patched: Side;
  correlation: Correlation;
  /** compareEntities for a pair (original, its patched partner), asked once per pair. */
  compare: (o: IndexedEntity, p: IndexedEntity) => Difference | undefined;
  /** Function symbol indices with an fentry/patchable entry, per side. */
  traced: { orig: Set<number>; patched: Set<number> };
  special: { orig: SpecialSectionRecord[]; patched: SpecialSectionRecord[] };
  /**
   * Inlined callee chains and instances per function name, per side (empty without DWARF). The
   * patched side's is asked for the changed functions only when the edited functions are known
   * (all of them otherwise): it is read after the patched compile, while the user waits.
   */
  inlining: { orig: InliningDetail; patched: (only?: ReadonlySet<string>) => InliningDetail };
  /** Symbols that live in special sections (descriptors, export entries): not plain data. */
  specialSectionNames: (name: string) => boolean;
  /** Changed read-only data the patch carries, and the functions that read it (rodata-escape.ts). */
  readOnly?: CarriedReadOnly;
  /** Original functions whose only difference is a line number at a known sink. */
  lineOnly: Set<IndexedEntity>;
  /** Functions the source diff edits, when known (DiffOptions.editedFunctions). */
  editedFunctions?: ReadonlySet<string>;
}

/** Both sides' inlining, as read for this classification. */
interface Inlining { orig: InliningDetail; patched: InliningDetail }

const INFO_KINDS = new Set<Problem['kind']>(['removed-static-local']);

export function classify(input: ClassifyInput): ObjectDiff {
  const { orig, patched, correlation: c } = input;
  const problems: Problem[] = [];
  const functions = new Map<string, FunctionResult>();
  const firstDiff = new Map<IndexedEntity, Difference>();
  // Line-number-only differences are reported, but are not patch targets.
  const lineOnly: FunctionResult[] = [];

  // Functions: compare pairs; the unpaired are removed or new.
  const changedOrig: IndexedEntity[] = [];
  const byReference = new Set<IndexedEntity>();
  for (const o of orig.index.entities) {
    if (o.kind !== 'function') continue;
    const p = c.forward.get(o);
    if (!p) {
      if (!fragmentParent(o.name)) functions.set(o.name, result(o, 'removed', input));
      continue;
    }
    let d = input.compare(o, p);
    const reads = input.readOnly?.readers.get(o);
    if (reads && (!d || input.lineOnly.has(o))) {
      // Same code, but it reads a read-only object whose contents change: replaced, carrying
      // the new copy.
      const names = reads.map((x) => x.name);
      const at = o.relocations.find((r) => resolvedRelocations(orig, o).some((x) => x.rel === r && x.ref.kind === 'entity' && reads.includes(x.ref.entity)));
      d = { offset: at ? Number(at.offset - o.offset) : 0, what: `reads ${names.join(', ')}, whose contents change` };
      byReference.add(o);
      firstDiff.set(o, d);
      changedOrig.push(o);
    } else if (d && input.lineOnly.has(o)) {
      const r = result(o, 'changed', input);
      r.cause = 'line-numbers';
      r.firstDifference = d;
      lineOnly.push(r);
    } else if (d) {
      firstDiff.set(o, d);
      changedOrig.push(o);
    }
  }
  const newFunctions: IndexedEntity[] = [];
  for (const p of patched.index.entities) if (p.kind === 'function' && !c.backward.has(p)) newFunctions.push(p);

  // A changed or new .cold fragment changes its parent, which is the patch target.
  const parentOf = (name: string, side: Side): IndexedEntity | undefined => {
    const parent = fragmentParent(name);
    if (parent === undefined) return undefined;
    const e = side.index.byName.get(parent);
    return e && e.kind === 'function' ? e : undefined;
  };
  const changedTargets = new Map<IndexedEntity, string[]>();
  for (const o of changedOrig) {
    const parent = fragmentParent(o.name) !== undefined ? parentOf(o.name, orig) : o;
    if (!parent) continue;
    const list = changedTargets.get(parent) ?? [];
    if (parent !== o) list.push(o.name);
    changedTargets.set(parent, list);
  }
  for (const p of newFunctions) {
    if (fragmentParent(p.name) === undefined) continue;
    const parentPatched = parentOf(p.name, patched);
    const parent = parentPatched ? c.backward.get(parentPatched) : undefined;
    if (parent) changedTargets.set(parent, [...(changedTargets.get(parent) ?? []), p.name]);
  }

  const changedBases = new Set([...changedTargets.keys()].map((e) => baseName(e.name)));
  const viaCallers: FunctionResult[] = [];
  const changedPatched = new Set([...changedTargets.keys()].map((e) => c.forward.get(e)!.name));
  const inlining: Inlining = { orig: input.inlining.orig, patched: input.inlining.patched(input.editedFunctions ? changedPatched : undefined) };
  const inlinedInto = input.editedFunctions ? new Map() : inliningUse(inlining.patched, changedPatched);
  for (const [o, fragments] of changedTargets) {
    const p = c.forward.get(o)!;
    const r = result(o, 'changed', input);
    if (p.name !== o.name) r.patchedName = p.name;
    const d = firstDiff.get(o) ?? (fragments.length ? { offset: 0, what: `fragment ${fragments.join(', ')} changed` } : undefined);
    if (d) r.firstDifference = d;
    if (fragments.length) r.fragments = fragments;
    const located = d && firstDiff.has(o) ? calleeAtDifference(inlining, o, p, d) : undefined;
    const callees = inlinedChangedCallees(o.name, p.name, input, inlining, changedBases, inlinedInto);
    const edited = (name: string) => !input.editedFunctions || input.editedFunctions.has(baseName(name));
    if (located !== undefined && edited(located) && !callees.includes(located)) callees.unshift(located);
    r.cause = callees.length ? 'inlined' : byReference.has(o) ? 'reference' : 'edited';
    if (callees.length) r.callees = callees;
    functions.set(o.name, r);
    if (isInitSection(o.section)) {
      problems.push({ kind: 'changed-init', section: o.section, symbol: o.name, message: `${o.name} in ${o.section} changed: init code has already run and been freed; a live patch cannot change it` });
    } else if (!r.patchable) {
      const via = tracedCallers(orig, o, input);
      if (via) {
        r.replacedVia = via.map((f) => f.name);
        for (const caller of via) {
          if (changedTargets.has(caller) || functions.has(caller.name)) continue;
          const cr = result(caller, 'changed', input);
          cr.cause = 'reference';
          cr.callees = [o.name];
          cr.firstDifference = { offset: 0, what: `calls ${o.name}, which has no fentry and is replaced through its callers` };
          viaCallers.push(cr);
        }
      } else {
        problems.push({ kind: 'not-traceable', section: o.section, symbol: o.name, message: `${o.name} changed but has no fentry call (notrace, noinstr or an out-of-line inline) and is used where its callers cannot stand in for it (a caller without fentry, or its address taken): the livepatch core cannot redirect it` });
      }
    }
  }
  for (const r of viaCallers) if (!functions.has(r.name)) functions.set(r.name, r);
  // A new function's own .cold part is new too, and travels with it.
  const newFragments = new Map<string, string[]>();
  for (const f of newFunctions) {
    const parent = fragmentParent(f.name);
    if (parent !== undefined) newFragments.set(parent, [...(newFragments.get(parent) ?? []), f.name]);
  }
  for (const p of newFunctions) {
    if (fragmentParent(p.name) !== undefined) continue;
    const r = result(p, 'new', input);
    const fragments = newFragments.get(p.name);
    if (fragments) r.fragments = fragments;
    functions.set(p.name, r);
  }

  const data = classifyData(input, changedTargets, problems);
  problems.push(...newExports(input), ...unknownSections(input));

  const list = [...functions.values(), ...lineOnly].sort((a, b) => byCodeUnit(a.name, b.name));
  const changed = list.filter((f) => f.status === 'changed' && f.cause !== 'line-numbers' && !f.replacedVia).map((f) => f.name);
  const added = list.filter((f) => f.status === 'new').map((f) => f.name);
  const removed = list.filter((f) => f.status === 'removed').map((f) => f.name);
  const blocking = problems.filter((p) => !INFO_KINDS.has(p.kind));
  // New or carried data matters only through the functions that use it: with no function to
  // replace or add there is nothing to patch (a renumbered __ADDRESSABLE() entry, say).
  const verdict = blocking.length ? 'not-patchable' : changed.length || added.length ? 'patchable' : 'no-change';

  const included = new Set<string>();
  for (const f of list) if (f.status !== 'removed' && f.cause !== 'line-numbers') {
    included.add(f.patchedName ?? f.name);
    for (const frag of f.fragments ?? []) included.add(frag);
  }
  const specialRecords: SpecialRecord[] = input.special.patched
    .filter((r) => r.function !== undefined && included.has(r.function))
    .map((r) => ({ section: r.section, index: r.index, offset: r.offset, size: r.size, function: r.function! }));

  return {
    verdict,
    machine: machineName(orig.index.obj.header.machine),
    changed,
    new: added,
    removed,
    inlined: list.filter((f) => f.cause === 'inlined').map((f) => ({ function: f.name, callees: f.callees ?? [] })),
    data,
    problems: problems.map((p) => ({ ...p, severity: INFO_KINDS.has(p.kind) ? 'info' : 'block' })),
    functions: list,
    specialRecords,
  };
}

function result(e: IndexedEntity, status: FunctionResult['status'], input: ClassifyInput): FunctionResult {
  const traced = status === 'new' ? input.traced.patched : input.traced.orig;
  return { name: e.name, status, section: e.section, bind: e.bind, patchable: traced.has(e.symbol) };
}

/**
 * Callees DWARF says were inlined into `name` and that explain its change: a callee whose
 * out-of-line copy changed too, or one inlined into two or more changed functions and into no
 * unchanged one. The objects alone cannot tell an edit of a lone caller from an edit of a
 * callee inlined only there; the tree pipeline, which knows the hunks, can.
 */
function inlinedChangedCallees(origName: string, patchedName: string, input: ClassifyInput, inlining: Inlining, changedBases: Set<string>, inlinedInto: Map<string, { changed: number; unchanged: number }>): string[] {
  const chains = [...(inlining.patched.chains.get(patchedName) ?? []), ...(inlining.orig.chains.get(origName) ?? [])];
  const out: string[] = [];
  const nested = new Set<string>();
  for (const chain of chains) {
    // The outermost implicated callee of a chain explains the ones inlined inside it.
    let found: string | undefined;
    for (const callee of chain) {
      // DWARF may repeat a callee inside itself (lock_trace → lock_trace): one instance.
      if (callee === baseName(origName) || callee === found) continue;
      const use = inlinedInto.get(callee);
      const implicated = changedBases.has(baseName(callee)) || (input.editedFunctions
        ? input.editedFunctions.has(baseName(callee))
        : use !== undefined && use.changed >= 2 && use.unchanged === 0);
      if (!implicated) continue;
      if (found) nested.add(callee);
      else if (!out.includes(callee)) out.push(callee);
      found ??= callee;
    }
  }
  return out.filter((c) => !nested.has(c));
}

/**
 * The callee whose inlined code holds the first difference of a changed function: the
 * innermost DW_TAG_inlined_subroutine instance whose address ranges cover the first differing
 * byte, in the patched build (else the original one; up to there both builds are the same).
 * This is where the change shows: nearly always a change of that callee, though an edit of the
 * caller that changes what it passes to an inlined callee shows there too.
 */
function calleeAtDifference(inlining: Inlining, o: IndexedEntity, p: IndexedEntity, d: Difference): string | undefined {
  const inner = (list: InlinedInstance[] | undefined, e: IndexedEntity) => {
    const at = e.offset + BigInt(d.offset);
    let best: InlinedInstance | undefined;
    for (const inst of list ?? []) {
      if (!inst.ranges.some((r) => r.shndx === e.sectionIndex && r.lo <= at && at < r.hi)) continue;
      if (!best || inst.chain.length > best.chain.length) best = inst;
    }
    const callee = best?.chain[best.chain.length - 1];
    return callee === undefined || callee === UNKNOWN_CALLEE || callee === baseName(o.name) ? undefined : callee;
  };
  return inner(inlining.patched.instances.get(p.name), p) ?? inner(inlining.orig.instances.get(o.name), o);
}

/** For each inlined callee: how many changed and unchanged functions of the patched build inline it. */
function inliningUse(patched: InliningDetail, changedPatchedNames: Set<string>): Map<string, { changed: number; unchanged: number }> {
  const use = new Map<string, { changed: number; unchanged: number }>();
  for (const [fn, chains] of patched.chains) {
    const callees = new Set(chains.flat());
    for (const callee of callees) {
      const u = use.get(callee) ?? { changed: 0, unchanged: 0 };
      if (changedPatchedNames.has(fn)) u.changed++;
      else u.unchanged++;
      use.set(callee, u);
    }
  }
  return use;
}

/**
 * The traced functions through which an untraced changed function can be replaced: every
 * reference to it must come from a traced function's code (a call), none from data (its
 * address escaping into an ops table cannot be redirected by replacing callers).
 */
function tracedCallers(side: Side, target: IndexedEntity, input: ClassifyInput): IndexedEntity[] | undefined {
  const users = referrers(side, target);
  if (users.length === 0) return undefined;
  for (const u of users) {
    if (u.kind !== 'function' || !input.traced.orig.has(u.symbol) || isInitSection(u.section)) return undefined;
  }
  return users;
}

function classifyData(input: ClassifyInput, changedTargets: Map<IndexedEntity, string[]>, problems: Problem[]): DataResult[] {
  const { orig, patched, correlation: c } = input;
  const data: DataResult[] = [];
  const changedNames = new Set([...changedTargets.keys()].map((e) => e.name));
  for (const f of changedTargets.values()) for (const n of f) changedNames.add(n);
  // Data in a section the differ does not know is reported once, as that section's
  // unknown-section problem (unknownSections), not again as changed data.
  const understood = (section: string) => isKnownSection(section) || isDebugOrMetadata(section);
  // .modinfo is the module loader's key=value text (license, parameter descriptions): never
  // runtime data, so nothing a live patch replaces or needs.
  const skipped = (e: IndexedEntity) => e.kind !== 'data' || input.specialSectionNames(e.section) || !understood(e.section) || e.section === '.modinfo';
  for (const o of orig.index.entities) {
    if (skipped(o)) continue;
    const p = c.forward.get(o);
    const section = orig.index.obj.sections[o.sectionIndex]!;
    if (!p) {
      data.push({ name: o.name, section: o.section, status: 'removed' });
      if (pairsByUse(o.name) && /\.\d+$/.test(o.name) && !isDynamicDebugDescriptor(o)
        && !/^(__func__|__already_done|CSWTCH|__key|__print_once|_rs|descriptor)\./.test(o.name)) {
        const users = referrers(orig, o).filter((u) => u.kind === 'function').map((u) => u.name);
        if (users.length) problems.push({ kind: 'removed-static-local', section: o.section, symbol: o.name, message: `static local ${baseName(o.name)} (used by ${users.join(', ')}) is gone from the patched build: its current value in the running kernel is not carried over` });
      }
      continue;
    }
    const d = input.compare(o, p);
    if (!d) continue;
    // .data.rel.ro* is writable only until relocation (s390x's PIE kernel puts const tables
    // holding pointers there): read-only data for every purpose here.
    const writable = (section.flags & SHF.WRITE) !== 0n && !isRelRo(o.section);
    if (isInitSection(o.section)) {
      problems.push({ kind: 'changed-init', section: o.section, symbol: o.name, message: `${o.name} in ${o.section} changed: init data is used only at boot or module load` });
    } else if (section.type === SHT.NOBITS) {
      if (o.size !== p.size) problems.push({ kind: 'changed-bss-size', section: o.section, symbol: o.name, message: `${o.name} changes size (${o.size} → ${p.size} bytes): the running kernel's storage cannot grow; use a shadow variable` });
      else continue;
    } else if (writable) {
      problems.push({ kind: 'changed-data', section: o.section, symbol: o.name, message: `existing data ${o.name} in ${o.section} changes (${d.what} at offset ${d.offset}): the running kernel keeps its current value; use a callback to update it, or a shadow variable` });
    } else {
      // Carried only by the rule of rodata-escape.ts: local, no data referrers, and no function
      // lets its address escape (its readers are then replaced).
      const users = referrers(orig, o).filter((u) => !changedNames.has(u.name));
      if (!input.readOnly?.carried.has(o)) {
        const who = o.bind !== 'local' ? 'global, so other translation units may use it'
          : users.length ? `also used by ${users.map((u) => u.name).join(', ')}, which the patch does not replace`
          : 'its address escapes from the code that uses it (stored, passed or returned), so the old copy stays reachable';
        problems.push({ kind: 'changed-rodata-shared', section: o.section, symbol: o.name, message: `read-only ${o.name} changes but is ${who}: the running kernel keeps using the old copy` });
      } else {
        data.push({ name: o.name, section: o.section, status: 'changed', carried: true });
        continue;
      }
    }
    data.push({ name: o.name, section: o.section, status: 'changed' });
  }
  for (const p of patched.index.entities) {
    if (skipped(p) || c.backward.has(p)) continue;
    data.push({ name: p.name, section: p.section, status: 'new' });
  }
  return data;
}

/**
 * A pr_debug's dynamic-debug descriptor (`__UNIQUE_ID_ddebug*`, in `__dyndbg`): a descriptor
 * that goes away went with its pr_debug (or its format changed), it holds no state that a
 * patch would have to carry over, so it is never reported as a removed static local.
 */
function isDynamicDebugDescriptor(e: IndexedEntity): boolean {
  return e.name.startsWith('__UNIQUE_ID_ddebug') || e.section.startsWith('__dyndbg');
}

function newExports(input: ClassifyInput): Problem[] {
  const names = (side: Side) => {
    const out = new Set<string>();
    for (const s of side.index.obj.symbols) {
      const n = exportedName(s.name, 'symbol');
      if (n !== undefined) out.add(n);
    }
    for (const s of side.index.obj.sections) {
      const n = exportedName(s.name, 'section');
      if (n !== undefined) out.add(n);
    }
    return out;
  };
  const before = names(input.orig);
  return [...names(input.patched)].filter((n) => !before.has(n)).map((n) => ({
    kind: 'new-export' as const, symbol: n,
    message: `the patch exports ${n}: a live patch cannot add to the kernel's export table`,
  }));
}

function unknownSections(input: ClassifyInput): Problem[] {
  const problems: Problem[] = [];
  const origByName = new Map(input.orig.index.obj.sections.map((s) => [s.name, s]));
  for (const s of input.patched.index.obj.sections) {
    if (isKnownSection(s.name) || isDebugOrMetadata(s.name) || input.specialSectionNames(s.name)) continue;
    const o = origByName.get(s.name);
    if (o && Buffer.compare(Buffer.from(o.data), Buffer.from(s.data)) === 0 && o.size === s.size) continue;
    problems.push({ kind: 'unknown-section', section: s.name, message: `section ${s.name} ${o ? 'changed' : 'is new'} and create-diff-module does not know what it holds; it cannot be carried into a live patch` });
  }
  return problems;
}
