// PC-relative branches between functions of one shared section. Functions with a section
// attribute (`__sched` → .sched.text, `noinstr`, …) share a section even under
// -ffunction-sections, and the assembler resolves a call or jump from one of them to another
// in the same section itself: no relocation is left (x86-64 `e8/e9 rel32`, aarch64 `bl`/`b`
// imm26, measured with gcc-12 / binutils 2.40; ppc64le and s390x keep relocations). When a
// function between caller and callee grows, the encoded displacement changes although the
// target does not. Such branches are compared symbolically, like relocations: the instruction
// (its mnemonic) and the target function + offset.
//
// Lazy: objdump runs only for shared text sections holding a paired function whose bytes
// differ, once per object.
import { runTool } from '../build/exec.js';
import type { Correlation, Side } from './correlate.js';
import { entityAt, isTextSection, type IndexedEntity } from './entities.js';

/** A relocation-free direct branch out of its function, to another place in the same section. */
export interface InternalBranch {
  /** Offset within the function and length of the whole instruction (all of it is masked). */
  offset: number;
  length: number;
  mnemonic: string;
  target: IndexedEntity;
  /** Offset of the branch target within `target`. */
  delta: bigint;
}

export type BranchMap = Map<IndexedEntity, InternalBranch[]>;

const INSN = /^\s+([0-9a-f]+):\t(.*)$/;
/** `call   0 <sleep_ticks>`, `bl\t0 <sleep_ticks>`, `jmp    1f <foo+0x1f>`: mnemonic, then a direct address. */
const DIRECT = /^((?:(?:bnd|notrack|rex\.?\w*)\s+)*[a-z][\w.]*)\s+([0-9a-f]+) <[^>]*>\s*$/;

/** Text sections holding more than one function (in either object). */
function sharedTextSections(side: Side): Set<number> {
  const out = new Set<number>();
  for (const [shndx, list] of side.index.bySection) {
    if (!isTextSection(side.index.obj.sections[shndx]!)) continue;
    if (list.filter((e) => e.kind === 'function').length > 1) out.add(shndx);
  }
  return out;
}

async function readBranches(side: Side, sections: number[], objdump: string, wanted: Set<IndexedEntity>): Promise<BranchMap> {
  const out: BranchMap = new Map();
  if (sections.length === 0) return out;
  const { index } = side;
  const names = new Map(sections.map((i) => [index.obj.sections[i]!.name, i]));
  const { stdout } = await runTool(objdump, ['-d', '--no-show-raw-insn', '-w', ...[...names.keys()].flatMap((n) => ['-j', n]), index.path]);
  let shndx = -1;
  let insns: Array<{ offset: bigint; text: string }> = [];
  const flush = () => {
    if (shndx < 0) return;
    const size = index.obj.sections[shndx]!.size;
    for (let i = 0; i < insns.length; i++) {
      const insn = insns[i]!;
      const m = DIRECT.exec(insn.text);
      if (!m) continue;
      const from = entityAt(index, shndx, insn.offset);
      if (!from || !wanted.has(from)) continue;
      const end = i + 1 < insns.length ? insns[i + 1]!.offset : size;
      // A relocation inside the instruction: compared as a relocation already.
      if (from.relocations.some((r) => r.offset >= insn.offset && r.offset < end)) continue;
      const addr = BigInt('0x' + m[2]);
      if (addr >= from.offset && addr < from.offset + from.size) continue; // within the function: bytes compare as they are
      const target = entityAt(index, shndx, addr);
      if (!target) continue;
      const list = out.get(from) ?? [];
      list.push({ offset: Number(insn.offset - from.offset), length: Number(end - insn.offset), mnemonic: m[1]!.replace(/\s+/g, ' '), target, delta: addr - target.offset });
      out.set(from, list);
    }
  };
  for (const line of stdout.split('\n')) {
    const sec = /^Disassembly of section (.*):$/.exec(line);
    if (sec) {
      flush();
      shndx = names.get(sec[1]!) ?? -1;
      insns = [];
      continue;
    }
    const m = INSN.exec(line);
    if (m && shndx >= 0) insns.push({ offset: BigInt('0x' + m[1]), text: m[2]!.replace(/\s+(?:#|\/\/)\s.*$/, '') });
  }
  flush();
  return out;
}

/**
 * Reads the internal branches of the paired functions in shared text sections whose bytes
 * differ (`differs` says which), on both sides, into `orig.branches` / `patched.branches`.
 */
export async function readInternalBranches(orig: Side, patched: Side, c: Correlation, objdump: string | undefined, differs: (o: IndexedEntity, p: IndexedEntity) => boolean): Promise<void> {
  if (!objdump) return;
  const so = sharedTextSections(orig);
  const sp = sharedTextSections(patched);
  const wo = new Set<IndexedEntity>();
  const wp = new Set<IndexedEntity>();
  for (const [o, p] of c.forward) {
    if (o.kind !== 'function' || !(so.has(o.sectionIndex) || sp.has(p.sectionIndex))) continue;
    if (!differs(o, p)) continue;
    wo.add(o);
    wp.add(p);
  }
  if (wo.size === 0) return;
  const [bo, bp] = await Promise.all([
    readBranches(orig, [...new Set([...wo].map((e) => e.sectionIndex))], objdump, wo),
    readBranches(patched, [...new Set([...wp].map((e) => e.sectionIndex))], objdump, wp),
  ]);
  orig.branches = bo;
  patched.branches = bp;
}

/** A branch's target named so that both sides agree (the original-side name of a paired target). */
export function branchKey(b: InternalBranch, side: 'orig' | 'patched', c: Correlation): string {
  const name = side === 'orig'
    ? (c.forward.has(b.target) ? b.target.name : `removed:${b.target.name}`)
    : (c.backward.get(b.target)?.name ?? `new:${b.target.name}`);
  return `${b.mnemonic} ${name}+0x${b.delta.toString(16)}`;
}
