// What makes a livepatch module unsafe to remove, which the verdict alone does not show.
// The livepatch core drops its hold on the module once the patch is disabled; it cannot know
//   - that the address of a new or replaced function escaped into the kernel's data (an ops
//     table, a timer or work callback): someone may still call into the module after it is gone;
//   - that part of a function lies in a `.cold` fragment, a separate symbol outside the range
//     the transition's stack check covers: a task asleep there does not hold the transition
//     back, and returns into freed code;
//   - that new data holds state: it is lost when the module is removed or replaced (--replace).
import { SHF, STT, type ElfObject, type ElfRelocation } from '../elf/index.js';
import type { ObjectDiff } from '../diff/index.js';
import type { Resolved } from './assemble.js';
import { CALL_SITE_STATE } from './select.js';
import type { UnloadHazard } from './types.js';

export interface HazardInput {
  patched: ElfObject;
  diff: ObjectDiff;
  /** Sections the patch object carries whole (original indices). */
  kept: number[];
  /** Their relocations, as the link resolved them. */
  relocations: Map<number, Resolved[]>;
  /** Names of the included functions and their fragments. */
  included: Set<string>;
  /** Names of new data objects the patch carries. */
  newData: Set<string>;
}

/** x86 direct transfers: a call or jump's rel32 is a use, not an escape of the address. */
function isDirectTransfer(code: Uint8Array, rel: ElfRelocation): boolean {
  const at = Number(rel.offset);
  if (at >= 1 && (code[at - 1] === 0xe8 || code[at - 1] === 0xe9)) return true;
  return at >= 2 && code[at - 2] === 0x0f && (code[at - 1]! & 0xf0) === 0x80;
}

export function unloadHazards(input: HazardInput): UnloadHazard[] {
  const p = input.patched;
  const hazards: UnloadHazard[] = [];
  const entries = new Map<string, string>(); // "section:offset" of an included function's entry → its name
  for (const s of p.symbols) {
    if (s.type === STT.FUNC && !s.special && input.included.has(s.name) && !s.name.includes('.cold')) entries.set(`${s.shndx}:${s.value}`, s.name);
  }
  const escaped = new Map<string, string>(); // function → where its address is taken
  for (const si of input.kept) {
    const from = p.sections[si]!;
    const inCode = (from.flags & SHF.EXECINSTR) !== 0n;
    for (const { rel } of input.relocations.get(si) ?? []) {
      const t = p.symbols[rel.symbol]!;
      if (t.special || t.shndx === 0) continue;
      if (inCode && isDirectTransfer(from.data, rel)) continue;
      // Where the reference aims: a data word aims at symbol + addend; an instruction's
      // RIP-relative operand at symbol + addend + 4 (lea fn(%rip) has addend -4).
      const aimed = t.value + rel.addend + (inCode && (rel.type === 2 || rel.type === 4) ? 4n : 0n);
      const fn = entries.get(`${t.shndx}:${aimed}`);
      if (fn !== undefined && !escaped.has(fn)) escaped.set(fn, inCode ? `its address is taken in ${from.name}` : `its address is stored in ${from.name}`);
    }
  }
  for (const [fn, where] of escaped) {
    hazards.push({ kind: 'address-escapes', subject: fn, message: `${fn}: ${where}; the kernel may call it after the patch is disabled, so removing the module is unsafe` });
  }
  for (const f of input.diff.functions) {
    if (f.status === 'removed' || f.cause === 'line-numbers') continue;
    for (const frag of f.fragments ?? []) {
      hazards.push({ kind: 'cold-fragment', subject: f.patchedName ?? f.name, message: `${f.patchedName ?? f.name}: part of it (${frag}) lies outside the range the transition's stack check covers; a task asleep there would return into a removed module` });
    }
  }
  for (const name of [...input.newData].sort()) {
    // A once-flag, a rate limit or a lockdep key is a macro's state, not the fix's.
    if (CALL_SITE_STATE.test(name) || /^__key\.\d+$/.test(name)) continue;
    const sym = p.symbols.find((s) => s.name === name && s.type === STT.OBJECT && !s.special && s.shndx !== 0);
    if (!sym || !input.kept.includes(sym.shndx) || (p.sections[sym.shndx]!.flags & SHF.WRITE) === 0n) continue;
    hazards.push({ kind: 'new-state', subject: name, message: `${name}: new data that holds state; it is lost when the module is removed or replaced (--replace)` });
  }
  return hazards;
}
