// Recognising a change that only moves __LINE__ values. Only at known line sinks: the line
// argument of __might_sleep / __might_resched / __might_fault, and of warn_slowpath_fmt (the
// generic WARN of an arch without __WARN_FLAGS), loaded as an immediate into the second
// argument register (x86_64 %esi, aarch64 w1, ppc64 r4, s390x %r3) before the call. Any other
// differing immediate is a real change (`len > 64` → `len > 128` must never pass as line
// noise). On x86_64 WARN's line lives in the __bug_table record, not in the function's bytes.
import { EM } from '../elf/index.js';
import { runTool } from '../build/exec.js';
import type { IndexedEntity, ObjectIndex } from './entities.js';

const SINKS = /^(__might_sleep|__might_resched|__might_fault|might_fault|___might_sleep|warn_slowpath_fmt)$/;

/**
 * Per machine: the instruction that loads the line into the line argument's register; group 1
 * is the immediate (the only part allowed to differ).
 */
const LINE_LOAD: Record<number, RegExp> = {
  [EM.X86_64]: /^mov\s+\$(0x[0-9a-f]+),%(?:esi|rsi)$/,
  [EM.AARCH64]: /^mov\s+w1, #(0x[0-9a-f]+|\d+)$/,
  [EM.PPC64]: /^li\s+r4,(\d+)$/,
  [EM.S390]: /^(?:lghi|lhi)\s+%r3,(\d+)$/,
};
const CALL: Record<number, RegExp> = {
  [EM.X86_64]: /^(call|jmp)\s/, [EM.AARCH64]: /^bl?\s/, [EM.PPC64]: /^bl?\s/, [EM.S390]: /^(brasl|jg)\s/,
};

const OBJDUMP: Record<number, string> = {
  [EM.X86_64]: 'objdump', [EM.AARCH64]: 'aarch64-linux-gnu-objdump', [EM.PPC64]: 'powerpc64le-linux-gnu-objdump', [EM.S390]: 's390x-linux-gnu-objdump',
};

export function objdumpFor(machine: number): string | undefined {
  return OBJDUMP[machine];
}

export interface Insn { offset: bigint; text: string }

/** Disassembly of whole sections (one objdump run per object), instruction text only. */
export async function disassemble(index: ObjectIndex, sections: string[], objdump: string): Promise<Map<string, Insn[]>> {
  const out = new Map<string, Insn[]>();
  if (sections.length === 0) return out;
  const { stdout } = await runTool(objdump, ['-d', '--no-show-raw-insn', '-w', ...sections.flatMap((s) => ['-j', s]), index.path]);
  let current: Insn[] | undefined;
  for (const line of stdout.split('\n')) {
    const sec = /^Disassembly of section (.*):$/.exec(line);
    if (sec) {
      current = [];
      out.set(sec[1]!, current);
      continue;
    }
    const m = /^\s+([0-9a-f]+):\t(.*)$/.exec(line);
    if (m && current) current.push({ offset: BigInt('0x' + m[1]), text: m[2]!.replace(/\s+(?:#|\/\/)\s.*$/, '').replace(/\s*<[^>]*>$/, '').replace(/\s+/g, ' ').trim() });
  }
  return out;
}

function callTargetName(index: ObjectIndex, e: IndexedEntity, insn: Insn, next: bigint): string | undefined {
  const rel = e.relocations.find((r) => r.offset >= insn.offset && r.offset < next);
  return rel ? index.obj.symbols[rel.symbol]?.name : undefined;
}

/**
 * True when every differing instruction of the pair is a line-number load feeding a sink call
 * (the caller has already established that relocations agree).
 */
export function onlyLineNumbersDiffer(
  orig: { index: ObjectIndex; e: IndexedEntity; insns: Insn[] },
  patched: { index: ObjectIndex; e: IndexedEntity; insns: Insn[] },
): boolean {
  const machine = orig.index.obj.header.machine;
  const load = LINE_LOAD[machine];
  const call = CALL[machine];
  if (!load || !call) return false;
  const within = (insns: Insn[], e: IndexedEntity) => insns.filter((i) => i.offset >= e.offset && i.offset < e.offset + e.size);
  const a = within(orig.insns, orig.e);
  const b = within(patched.insns, patched.e);
  if (a.length !== b.length || a.length === 0) return false;
  let sawSink = false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.offset - orig.e.offset !== y.offset - patched.e.offset) return false;
    if (x.text === y.text) continue;
    const lx = load.exec(x.text);
    const ly = load.exec(y.text);
    // Same instruction and register: only the immediate differs.
    if (!lx || !ly || x.text.replace(lx[1]!, '#') !== y.text.replace(ly[1]!, '#')) return false;
    // The next call must go to a line sink.
    let j = i + 1;
    while (j < a.length && !call.test(a[j]!.text)) j++;
    if (j >= a.length) return false;
    const end = j + 1 < a.length ? a[j + 1]!.offset : orig.e.offset + orig.e.size;
    const target = callTargetName(orig.index, orig.e, a[j]!, end);
    if (!target || !SINKS.test(target)) return false;
    sawSink = true;
  }
  return sawSink;
}
