// Changed read-only data that a patch may carry as a new copy.
//
// A changed const object (a table fix) changes the behaviour of every function that reads it,
// though their code is identical. The patch can replace those functions and give them a new
// copy of the object when nothing else can reach the old copy; otherwise the running kernel
// keeps using the old one (changed-rodata-shared). The rule, sound by construction:
//
//   the object is carried iff it is local (not global, weak or exported: another translation
//   unit could hold its address), no data references it (an ops table registered through a
//   struct, a pointer in .data/.toc), and in every function that references it the address
//   never escapes: it is used only to read memory, never stored, passed to a call, returned,
//   or jumped through.
//
// The last condition is checked on the disassembly of each referencing function by a small
// forward data-flow analysis over registers (per machine, from objdump): the instruction that
// materialises the address (x86-64 `lea`/`mov $sym`, aarch64 `adrp`/`add :lo12:`, ppc64
// `addis`/`addi @toc`, s390x `larl`) starts tracking its destination register; derived values
// (register copies, address arithmetic) are tracked too; a tracked register used as the base or
// index of a load is fine; any other use (a store of its value, an argument register at a
// call or tail call, the return register at a return, an indirect jump while anything is
// tracked, an instruction this analysis does not understand) counts as an escape. Branch
// targets are followed, so loops and joins are covered (states are unions). When in doubt the
// answer is "escapes", which only ever turns a carried copy into a reported problem.
import { EM } from '../elf/index.js';
import { runTool } from '../build/exec.js';
import { SHF, SHT } from '../elf/index.js';
import type { Correlation, Side } from './correlate.js';
import { resolvedRelocations } from './correlate.js';
import { compareEntities } from './compare.js';
import { entityAt, isTextSection, type IndexedEntity } from './entities.js';
import { isDebugOrMetadata, isInitSection, isKnownSection, isRelRo } from './sections.js';

interface Insn { offset: bigint; end: bigint; mnemonic: string; ops: string[]; target?: bigint }

interface MachineModel {
  regs(op: string): string[];
  isMemory(op: string): boolean;
  /** Index of the destination operand, or -1. */
  dest(insn: Insn): number;
  args: string[];
  ret: string;
  callerSaved: Set<string>;
  kind(insn: Insn): 'call' | 'ret' | 'condret' | 'jump' | 'cond' | 'indirect' | 'nop' | undefined;
  isStore(insn: Insn): boolean;
  isCompare(insn: Insn): boolean;
  /** Address arithmetic whose memory-operand registers flow into the destination (lea). */
  isLea(insn: Insn): boolean;
  /** What the instruction holding the relocation does with the object's address. */
  materialize(insn: Insn): 'track' | 'read' | 'escape';
}

function splitOperands(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function x86Reg(name: string): string {
  let m = /^r(\d+)[dwb]?$/.exec(name);
  if (m) return `r${m[1]}`;
  m = /^[re]?([abcd])[xlh]$/.exec(name);
  if (m) return `${m[1]}x`;
  m = /^[re]?(si|di|bp|sp|ip)l?$/.exec(name);
  return m ? m[1]! : name;
}

const X86: MachineModel = {
  regs: (op) => [...op.matchAll(/%([a-z0-9]+)/g)].map((m) => x86Reg(m[1]!)),
  isMemory: (op) => op.includes('(') && !op.startsWith('$'),
  dest: (i) => (i.ops.length >= 2 && !X86.isCompare(i) ? i.ops.length - 1 : /^(inc|dec|neg|not|pop|set)/.test(i.mnemonic) && i.ops.length === 1 ? 0 : -1),
  args: ['di', 'si', 'dx', 'cx', 'r8', 'r9'],
  ret: 'ax',
  callerSaved: new Set(['ax', 'cx', 'dx', 'si', 'di', 'r8', 'r9', 'r10', 'r11']),
  kind(i) {
    const m = i.mnemonic;
    if (/^(nop|endbr|int3|ud2)/.test(m)) return 'nop';
    if (/^call/.test(m)) return 'call';
    if (/^ret/.test(m)) return 'ret';
    if (/^jmp/.test(m)) return i.ops[0]?.startsWith('*') ? 'indirect' : 'jump';
    if (/^j/.test(m)) return 'cond';
    return undefined;
  },
  isStore: (i) => i.ops.length >= 2 && X86.isMemory(i.ops[i.ops.length - 1]!) && !X86.isCompare(i),
  isCompare: (i) => /^(cmp|test|bt[^scr]?$|bt$)/.test(i.mnemonic),
  isLea: (i) => /^lea/.test(i.mnemonic),
  materialize(i) {
    if (/^lea/.test(i.mnemonic)) return 'track';
    if (i.ops.some((o) => o.startsWith('$'))) {
      if (X86.isCompare(i)) return 'read';
      const last = i.ops[i.ops.length - 1]!;
      return /^mov/.test(i.mnemonic) && i.ops.length === 2 && last.startsWith('%') ? 'track' : 'escape';
    }
    return 'read'; // a memory operand: the object's contents are read
  },
};

const A64: MachineModel = {
  regs: (op) => [...op.matchAll(/\b[xw](\d+)\b/g)].map((m) => `x${m[1]}`),
  isMemory: (op) => op.startsWith('['),
  dest: (i) => (A64.isCompare(i) || A64.isStore(i) || A64.kind(i) ? -1 : 0),
  args: ['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7'],
  ret: 'x0',
  callerSaved: new Set(Array.from({ length: 19 }, (_, k) => `x${k}`)),
  kind(i) {
    const m = i.mnemonic;
    if (/^(nop|hint|bti|paciasp|autiasp)/.test(m)) return 'nop';
    if (m === 'bl' || m === 'blr') return 'call';
    if (m === 'ret') return 'ret';
    if (m === 'br') return 'indirect';
    if (m === 'b') return 'jump';
    if (/^b\./.test(m) || /^(cbz|cbnz|tbz|tbnz)$/.test(m)) return 'cond';
    return undefined;
  },
  isStore: (i) => /^st/.test(i.mnemonic),
  isCompare: (i) => /^(cmp|cmn|tst|ccmp|ccmn|fcmp|cbz|cbnz|tbz|tbnz)$/.test(i.mnemonic),
  isLea: () => false,
  materialize(i) {
    if (i.mnemonic === 'adrp' || i.mnemonic === 'adr' || i.mnemonic === 'add') return 'track';
    if (/^ld/.test(i.mnemonic)) return 'read';
    return 'escape';
  },
};

const PPC: MachineModel = {
  regs: (op) => [...op.matchAll(/\br(\d+)\b/g)].map((m) => `r${m[1]}`),
  isMemory: (op) => /\(r\d+\)/.test(op),
  dest: (i) => (PPC.isCompare(i) || PPC.isStore(i) || PPC.kind(i) || /^mt/.test(i.mnemonic) ? -1 : 0),
  args: ['r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10'],
  ret: 'r3',
  callerSaved: new Set(['r0', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10', 'r11', 'r12']),
  kind(i) {
    const m = i.mnemonic;
    if (m === 'nop' || m === 'ori' && i.ops.join() === 'r0,r0,0') return 'nop';
    if (m === 'bl' || m === 'bctrl' || m === 'bla') return 'call';
    if (m === 'blr') return 'ret';
    if (/^b.*lr$/.test(m)) return 'condret';
    if (/^b.*ctr$/.test(m)) return 'indirect';
    if (m === 'b' || m === 'ba') return 'jump';
    if (/^b/.test(m)) return 'cond';
    return undefined;
  },
  isStore: (i) => /^st/.test(i.mnemonic),
  isCompare: (i) => /^(cmp|tw|td)/.test(i.mnemonic),
  isLea: () => false,
  materialize(i) {
    if (/^(addis|addi|ori|oris|la)$/.test(i.mnemonic)) return 'track';
    if (/^l/.test(i.mnemonic)) return 'read';
    return 'escape';
  },
};

const S390: MachineModel = {
  regs: (op) => [...op.matchAll(/%r(\d+)/g)].map((m) => `r${m[1]}`),
  isMemory: (op) => op.includes('('),
  dest: (i) => (S390.isCompare(i) || S390.isStore(i) || S390.kind(i) ? -1 : 0),
  args: ['r2', 'r3', 'r4', 'r5', 'r6'],
  ret: 'r2',
  callerSaved: new Set(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r14']),
  kind(i) {
    const m = i.mnemonic;
    if (/nop/.test(m)) return 'nop';
    if (/^(brasl|bras|basr|bas)$/.test(m)) return 'call';
    if (m === 'br') return i.ops[0] === '%r14' ? 'ret' : 'indirect';
    if (/^b\w*r$/.test(m)) return i.ops[0] === '%r14' ? 'condret' : 'indirect';
    if (m === 'j' || m === 'jg') return 'jump';
    if (/^(j|brc|brct)/.test(m)) return 'cond';
    return undefined;
  },
  isStore: (i) => /^st/.test(i.mnemonic) || /^cs/.test(i.mnemonic),
  isCompare: (i) => /^(c(?!s)|tm)/.test(i.mnemonic),
  isLea: (i) => /^(la|lay)$/.test(i.mnemonic),
  materialize(i) {
    if (/^(larl|la|lay)$/.test(i.mnemonic)) return 'track';
    if (/^l\w*rl$/.test(i.mnemonic)) return 'read';
    return 'escape';
  },
};

const MODELS: Record<number, { model: MachineModel; objdump: string }> = {
  [EM.X86_64]: { model: X86, objdump: 'objdump' },
  [EM.AARCH64]: { model: A64, objdump: 'aarch64-linux-gnu-objdump' },
  [EM.PPC64]: { model: PPC, objdump: 'powerpc64le-linux-gnu-objdump' },
  [EM.S390]: { model: S390, objdump: 's390x-linux-gnu-objdump' },
};

/** s390x/ppc store- and load-multiple name a register range: `stmg %r11,%r15,88(%r15)`. */
function registerRange(i: Insn, m: MachineModel): string[] | undefined {
  if (!/^(stm|lm)/.test(i.mnemonic) || i.ops.length < 2) return undefined;
  const a = Number(/(\d+)/.exec(m.regs(i.ops[0]!)[0] ?? '')?.[1]);
  const b = Number(/(\d+)/.exec(m.regs(i.ops[1]!)[0] ?? '')?.[1]);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return undefined;
  const out: string[] = [];
  for (let k = a; ; k = (k + 1) % 16) {
    out.push(`r${k}`);
    if (k === b || out.length > 16) break;
  }
  return out;
}

/** True when the address loaded at `starts` may leave the function `insns` (see the header). */
/** As escapesAt; CDM_DEBUG_ESCAPE=1 prints the instruction where the address escapes. */
function escapes(m: MachineModel, insns: Insn[], fn: IndexedEntity, starts: Set<number>, relocatedAt: (i: Insn) => boolean): boolean {
  const r = escapesAt(m, insns, fn, starts, relocatedAt);
  if (process.env.CDM_DEBUG_ESCAPE && r !== undefined) console.error(`escape in ${fn.name} at ${r >= 0 ? `${insns[r]!.offset.toString(16)} ${insns[r]!.mnemonic} ${insns[r]!.ops.join(",")}` : "(gave up)"}`);
  return r !== undefined;
}

function escapesAt(m: MachineModel, insns: Insn[], fn: IndexedEntity, starts: Set<number>, relocatedAt: (i: Insn) => boolean): number | undefined {
  const byOffset = new Map(insns.map((i, k) => [i.offset, k]));
  const inFn = (a: bigint) => a >= fn.offset && a < fn.offset + fn.size;
  const state: Array<Set<string> | undefined> = new Array(insns.length);
  const work: number[] = [];
  const merge = (k: number, t: Set<string>) => {
    const s = state[k];
    if (!s) {
      state[k] = new Set(t);
      work.push(k);
      return;
    }
    let grew = false;
    for (const r of t) if (!s.has(r)) {
      s.add(r);
      grew = true;
    }
    if (grew) work.push(k);
  };
  for (let k = 0; k < insns.length; k++) merge(k, new Set());
  for (let guard = 0; work.length && guard < 200_000; guard++) {
    const k = work.pop()!;
    const i = insns[k]!;
    const t = new Set(state[k]);
    const kind = m.kind(i);
    const succ: number[] = [];
    const next = k + 1 < insns.length ? k + 1 : -1;
    const hit = (regs: Iterable<string>) => [...regs].some((r) => t.has(r));
    if (kind === 'nop') {
      if (next >= 0) succ.push(next);
    } else if (kind === 'call') {
      if (hit(m.args) || (i.ops.length && !i.target && hit(i.ops.flatMap((o) => m.regs(o))) && i.mnemonic !== 'brasl')) return k;
      for (const r of m.callerSaved) t.delete(r);
      if (next >= 0) succ.push(next);
    } else if (kind === 'ret' || kind === 'condret') {
      if (t.has(m.ret)) return k;
      if (kind === 'condret' && next >= 0) succ.push(next);
    } else if (kind === 'indirect') {
      if (t.size) return k;
    } else if (kind === 'jump' || kind === 'cond') {
      const tail = i.target === undefined || !inFn(i.target) || relocatedAt(i);
      if (tail) {
        // A jump out of the function is a tail call.
        if (hit(m.args) || t.has(m.ret)) return k;
      } else {
        const to = byOffset.get(i.target!);
        if (to === undefined) {
          if (t.size) return k;
        } else succ.push(to);
      }
      if (kind === 'cond' && next >= 0) succ.push(next);
      // cbz/tbz/brctg-style branches only test or count a register: no escape.
    } else {
      if (starts.has(k)) {
        const what = m.materialize(i);
        if (what === 'escape') return k;
        if (what === 'track') {
          const d = m.dest(i);
          const reg = d >= 0 ? m.regs(i.ops[d]!)[0] : undefined;
          if (!reg) return k;
          t.add(reg);
          if (next >= 0) merge(next, t);
          continue;
        }
      }
      const range = registerRange(i, m);
      if (range) {
        if (/^stm/.test(i.mnemonic) && hit(range)) return k;
        if (/^lm/.test(i.mnemonic)) for (const r of range) t.delete(r);
      } else {
        const d = m.dest(i);
        const destReg = d >= 0 && !m.isMemory(i.ops[d]!) ? m.regs(i.ops[d]!)[0] : undefined;
        const addrUses: string[] = [];
        const valueUses: string[] = [];
        i.ops.forEach((op, n) => {
          const regs = m.regs(op);
          if (m.isMemory(op)) addrUses.push(...regs);
          else if (n !== d) valueUses.push(...regs);
        });
        // ppc indexed forms (lhzx rD,rA,rB / stwx rS,rA,rB): rA and rB form the address.
        if (m === PPC && /^(l|st)\w*x$/.test(i.mnemonic)) {
          valueUses.length = 0;
          for (const op of i.ops.slice(1)) addrUses.push(...m.regs(op));
          if (m.isStore(i)) valueUses.push(...m.regs(i.ops[0]!));
        }
        // x86 two-operand arithmetic also reads its destination.
        const readsDest = m === X86 && destReg !== undefined && !/^(mov|lea|pop|set|cmov)/.test(i.mnemonic)
          && !(/^(xor|sub|sbb)/.test(i.mnemonic) && i.ops.length === 2 && i.ops[0] === i.ops[1]);
        const valueHit = hit(valueUses) || (readsDest && t.has(destReg!));
        if (m.isStore(i)) {
          if (hit(valueUses)) return k;
        } else if (m.isCompare(i)) {
          // reads only
        } else if (destReg !== undefined) {
          if (valueHit || (m.isLea(i) && hit(addrUses)) || (m === A64 && i.mnemonic === 'add' && hit(valueUses))) t.add(destReg);
          else t.delete(destReg);
        } else if (valueHit || (d < 0 && hit(valueUses))) {
          return k; // push, xchg, an instruction this model does not know
        }
      }
      if (next >= 0) succ.push(next);
    }
    for (const s of succ) merge(s, t);
  }
  return work.length > 0 ? -1 : undefined; // gave up: say it escapes
}

async function disassembleFunctions(side: Side, fns: IndexedEntity[], objdump: string): Promise<Map<IndexedEntity, Insn[]>> {
  const { index } = side;
  const sections = [...new Set(fns.map((f) => index.obj.sections[f.sectionIndex]!.name))];
  const { stdout } = await runTool(objdump, ['-d', '--no-show-raw-insn', '-w', ...sections.flatMap((s) => ['-j', s]), index.path]);
  const perSection = new Map<string, Insn[]>();
  let cur: Insn[] | undefined;
  for (const line of stdout.split('\n')) {
    const sec = /^Disassembly of section (.*):$/.exec(line);
    if (sec) {
      cur = [];
      perSection.set(sec[1]!, cur);
      continue;
    }
    const mm = /^\s+([0-9a-f]+):\t(.*)$/.exec(line);
    if (!mm || !cur) continue;
    let text = mm[2]!.replace(/\s+(?:#|\/\/)\s.*$/, '').trim();
    let target: bigint | undefined;
    const t = /[\s,]([0-9a-f]+) <[^>]*>$/.exec(text);
    if (t) {
      target = BigInt('0x' + t[1]);
      text = text.slice(0, t.index).trim();
    }
    const sp = /\s/.exec(text);
    const mnemonic = sp ? text.slice(0, sp.index) : text;
    const rest = sp ? text.slice(sp.index).trim() : '';
    const ops = rest ? splitOperands(rest) : [];
    if (target !== undefined) ops.push(`0x${target.toString(16)}`);
    const offset = BigInt('0x' + mm[1]);
    if (cur.length) cur[cur.length - 1]!.end = offset;
    cur.push({ offset, end: offset, mnemonic, ops, ...(target !== undefined ? { target } : {}) });
  }
  const out = new Map<IndexedEntity, Insn[]>();
  for (const f of fns) {
    const all = perSection.get(index.obj.sections[f.sectionIndex]!.name) ?? [];
    const list = all.filter((i) => i.offset >= f.offset && i.offset < f.offset + f.size);
    if (list.length) list[list.length - 1]!.end = f.offset + f.size;
    out.set(f, list);
  }
  return out;
}

/**
 * For each of `objects` (read-only data in `side`) referenced only by functions: whether its
 * address may escape any of them. Objects referenced by data are not looked at (they are shared
 * anyway). Returns the objects whose address may escape.
 */
export async function escapingObjects(side: Side, objects: Array<{ object: IndexedEntity; users: IndexedEntity[] }>): Promise<Set<IndexedEntity>> {
  const out = new Set<IndexedEntity>();
  if (objects.length === 0) return out;
  const mm = MODELS[side.index.obj.header.machine];
  if (!mm) {
    for (const o of objects) out.add(o.object);
    return out;
  }
  const fns = [...new Set(objects.flatMap((o) => o.users))];
  let code: Map<IndexedEntity, Insn[]>;
  try {
    code = await disassembleFunctions(side, fns, mm.objdump);
  } catch {
    for (const o of objects) out.add(o.object);
    return out;
  }
  for (const { object, users } of objects) {
    for (const f of users) {
      const insns = code.get(f) ?? [];
      const relocs = resolvedRelocations(side, f).filter((r) => r.ref.kind === 'entity' && r.ref.entity === object).map((r) => r.rel.offset);
      const starts = new Set<number>();
      insns.forEach((i, k) => {
        if (relocs.some((o) => o >= i.offset && o < i.end)) starts.add(k);
      });
      const allRel = f.relocations.map((r) => r.offset);
      const relocatedAt = (i: Insn) => allRel.some((o) => o >= i.offset && o < i.end);
      if (insns.length === 0 || (relocs.length > 0 && starts.size === 0) || escapes(mm.model, insns, f, starts, relocatedAt)) {
        out.add(object);
        break;
      }
    }
  }
  return out;
}

/** Entities whose relocations name `target`. */
export function referrers(side: Side, target: IndexedEntity): IndexedEntity[] {
  const out: IndexedEntity[] = [];
  for (const e of side.index.entities) {
    if (e === target) continue;
    if (resolvedRelocations(side, e).some((r) => r.ref.kind === 'entity' && r.ref.entity === target)) out.push(e);
  }
  return out;
}

export interface CarriedReadOnly {
  /** Changed read-only objects (original side) that the patch carries as new copies. */
  carried: Set<IndexedEntity>;
  /** Changed read-only objects referenced only by functions, one of which lets the address escape. */
  escaping: Set<IndexedEntity>;
  /** Original functions that read a carried object: changed because of it (cause `reference`). */
  readers: Map<IndexedEntity, IndexedEntity[]>;
}

/**
 * Sections referenced from a non-code section at a place no entity covers (ppc64 .toc slots;
 * the address may point just outside the object, `.rodata.tab - 4` for a loop's pointer).
 */
function anonymouslyReferenced(side: Side): Set<number> {
  const out = new Set<number>();
  const { index } = side;
  for (const [at, rels] of index.relocationsOf) {
    const section = index.obj.sections[at]!;
    if (isTextSection(section) || isDebugOrMetadata(section.name)) continue;
    for (const rel of rels) {
      if (entityAt(index, at, rel.offset)) continue;
      const sym = index.obj.symbols[rel.symbol];
      if (sym && !sym.special && sym.shndx !== 0) out.add(sym.shndx);
    }
  }
  return out;
}

/** Applies the rule in this file's header to every changed read-only object of the pair. */
export async function carriedReadOnly(
  orig: Side, patched: Side, c: Correlation, special: (section: string) => boolean,
  compare: (o: IndexedEntity, p: IndexedEntity) => unknown = (o, p) => compareEntities(orig, o, patched, p, c),
): Promise<CarriedReadOnly> {
  const out: CarriedReadOnly = { carried: new Set(), escaping: new Set(), readers: new Map() };
  const candidates: Array<{ object: IndexedEntity; users: IndexedEntity[] }> = [];
  let anonymous: Set<number> | undefined;
  for (const o of orig.index.entities) {
    if (o.kind !== 'data' || o.bind !== 'local') continue;
    const section = orig.index.obj.sections[o.sectionIndex]!;
    if (section.type === SHT.NOBITS || ((section.flags & SHF.WRITE) !== 0n && !isRelRo(o.section))) continue;
    if (special(o.section) || isInitSection(o.section) || !isKnownSection(o.section) || isDebugOrMetadata(o.section)) continue;
    const p = c.forward.get(o);
    if (!p || !compare(o, p)) continue;
    const users = referrers(orig, o);
    if (users.some((u) => u.kind !== 'function')) continue;
    // Data no symbol covers (a ppc64 .toc slot holding the address) counts as a data referrer.
    anonymous ??= anonymouslyReferenced(orig);
    if (anonymous.has(o.sectionIndex)) continue;
    candidates.push({ object: o, users });
  }
  out.escaping = await escapingObjects(orig, candidates);
  for (const { object, users } of candidates) {
    if (out.escaping.has(object)) continue;
    out.carried.add(object);
    for (const f of users) out.readers.set(f, [...(out.readers.get(f) ?? []), object]);
  }
  return out;
}
