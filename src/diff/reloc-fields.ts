// Which bits of the section a relocation overwrites, so two builds compare equal in the bytes
// the linker will rewrite anyway; and how a PC-relative relocation's addend relates to the
// place it names.
import { EM } from '../elf/index.js';

/** [byte offset from r_offset, width in bytes, bit mask within that little/big-endian field]. */
export interface RelocField { width: number; mask: bigint }

const full = (width: number): RelocField => ({ width, mask: (1n << BigInt(width * 8)) - 1n });

const X86_64_WIDE = new Set([1, 24, 25, 26, 16, 17, 18, 29, 30]); // 64, PC64, GOTOFF64, GOTPC64, DTPMOD64, DTPOFF64, TPOFF64, GOTPCREL64...

// AArch64 instruction relocations: the immediate bits of the instruction word.
const A64_MASKS: Record<number, bigint> = {
  275: 0x60ffffe0n, 276: 0x60ffffe0n, 274: 0x60ffffe0n, // ADR_PREL_PG_HI21(_NC), ADR_PREL_LO21
  277: 0x003ffc00n, 278: 0x003ffc00n, 284: 0x003ffc00n, 285: 0x003ffc00n, 286: 0x003ffc00n, 299: 0x003ffc00n,
  282: 0x03ffffffn, 283: 0x03ffffffn, // JUMP26, CALL26
  280: 0x00ffffe0n, 273: 0x00ffffe0n, 279: 0x0007ffe0n, // CONDBR19, LD_PREL_LO19, TSTBR14
  311: 0x60ffffe0n, 312: 0x003ffc00n, // ADR_GOT_PAGE, LD64_GOT_LO12_NC
};

export function relocationField(machine: number, type: number): RelocField {
  switch (machine) {
    case EM.X86_64:
      return full(X86_64_WIDE.has(type) ? 8 : 4);
    case EM.AARCH64:
      if (type === 257 || type === 260) return full(8); // ABS64, PREL64
      if (type === 258 || type === 261) return full(4);
      if (type === 259 || type === 262) return full(2);
      return { width: 4, mask: A64_MASKS[type] ?? 0xffffffffn };
    case EM.PPC64:
      if (type === 38 || type === 44 || type === 51) return full(8); // ADDR64, REL64, TOC
      if (type === 10 || type === 11) return { width: 4, mask: 0x03fffffcn }; // REL24, REL14-ish
      if (type === 1 || type === 26) return full(4); // ADDR32, REL32
      return full(2); // the 16-bit TOC/ADDR16 halves
    case EM.S390:
      if (type === 22 || type === 23 || type === 24) return full(8); // 64, PC64, GOT64
      if (type === 16 || type === 12 || type === 19 || type === 20) return full(4); // PC32DBL, PLT32DBL, GOTPCDBL, GOTENT
      return full(4);
    default:
      return full(4);
  }
}

/**
 * Range of (target offset − addend) for a relocation against a section: x86-64 PC-relative
 * addends subtract the distance from the field to the end of the instruction (4, or more when
 * an immediate follows: `movl $1, x(%rip)` has −8); s390x PC-relative DBL fields sit 2 bytes
 * into their instruction. Other relocations name the offset directly.
 */
export function pcAdjustRange(machine: number, type: number): [number, number] {
  if (machine === EM.X86_64 && [2, 4, 9, 41, 42, 19, 20, 22, 26].includes(type)) return [4, 8];
  if (machine === EM.S390 && [16, 12, 19, 20, 13, 14, 15].includes(type)) return [-2, -2];
  return [0, 0];
}
