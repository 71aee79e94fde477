// The length of an x86-64 instruction, from its bytes: prefixes, REX, VEX/EVEX/XOP, the opcode
// maps, ModRM/SIB/displacement and the immediate (Intel SDM vol. 2, appendix A; AMD APM vol. 3
// for XOP and 3DNow!). Only lengths: which instruction it is does not matter here.
//
// Why: the differ needs instruction ends at a few relocations (references.ts), and asking
// objdump for them cost a process and ~20–60 ms after every patched compile of kernel/fork.o.
// Decoded linearly from a section's start, as objdump does; a byte that starts no valid
// instruction counts as one byte, as objdump's "(bad)". Checked against objdump on kernel
// objects (tests/kernel).

/** One-byte opcodes followed by ModRM (VEX/EVEX/XOP escapes are decoded before this is asked). */
const ONE_BYTE_MODRM = bitmap([
  [0x00, 0x03], [0x08, 0x0b], [0x10, 0x13], [0x18, 0x1b], [0x20, 0x23], [0x28, 0x2b], [0x30, 0x33], [0x38, 0x3b],
  [0x62, 0x63], [0x69, 0x69], [0x6b, 0x6b], [0x80, 0x8f], [0xc0, 0xc1], [0xc4, 0xc7], [0xd0, 0xd3], [0xd8, 0xdf],
  [0xf6, 0xf7], [0xfe, 0xff],
]);

/** Two-byte (0F xx) opcodes without ModRM. */
const TWO_BYTE_NO_MODRM = bitmap([
  [0x04, 0x0c], [0x0e, 0x0e], [0x30, 0x37], [0x39, 0x39], [0x3b, 0x3f], [0x77, 0x77], [0x80, 0x8f], [0xa0, 0xa2],
  [0xa8, 0xaa], [0xc8, 0xcf],
]);

/** Two-byte (0F xx) opcodes with an 8-bit immediate (0F 3A xx all have one; 0F 0F, 3DNow!, its suffix). */
const TWO_BYTE_IMM8 = bitmap([[0x70, 0x73], [0xa4, 0xa4], [0xac, 0xac], [0xba, 0xba], [0xc2, 0xc2], [0xc4, 0xc6]]);

function bitmap(ranges: Array<[number, number]>): Uint8Array {
  const map = new Uint8Array(256);
  for (const [lo, hi] of ranges) map.fill(1, lo, hi + 1);
  return map;
}

const LEGACY_PREFIX = bitmap([[0x26, 0x26], [0x2e, 0x2e], [0x36, 0x36], [0x3e, 0x3e], [0x64, 0x67], [0xf0, 0xf0], [0xf2, 0xf3]]);

/** Bytes of a ModRM byte at `at` and what follows it (SIB, displacement), 64-bit addressing. */
function modrmLength(bytes: Uint8Array, at: number): number {
  const modrm = bytes[at];
  if (modrm === undefined) return 1;
  const mod = modrm >> 6;
  const rm = modrm & 7;
  if (mod === 3) return 1;
  let n = 1;
  if (rm === 4) {
    n++;
    if (mod === 0 && ((bytes[at + 1] ?? 0) & 7) === 5) n += 4; // SIB without base: disp32
  } else if (mod === 0 && rm === 5) {
    n += 4; // RIP-relative disp32
  }
  if (mod === 1) n += 1;
  else if (mod === 2) n += 4;
  return n;
}

/** Immediate bytes of a one-byte opcode (its ModRM at `modrmAt` for the F6/F7 group). */
function oneByteImmediate(op: number, bytes: Uint8Array, modrmAt: number, opsize16: boolean, rexW: boolean, addr32: boolean): number {
  const z = opsize16 ? 2 : 4;
  if (op < 0x40) {
    const low = op & 7;
    if (low === 4) return 1;
    if (low === 5) return z;
    return 0;
  }
  if (op >= 0x70 && op <= 0x7f) return 1; // jcc rel8
  if (op >= 0xb0 && op <= 0xb7) return 1;
  if (op >= 0xb8 && op <= 0xbf) return rexW ? 8 : z; // mov r, imm (imm64 with REX.W)
  if (op >= 0xa0 && op <= 0xa3) return addr32 ? 4 : 8; // mov moffs
  if (op >= 0xe0 && op <= 0xe7) return 1; // loop, jrcxz, in, out
  switch (op) {
    case 0x68: case 0x69: case 0x81: case 0xa9: case 0xc7: case 0xe8: case 0xe9: return z;
    case 0x6a: case 0x6b: case 0x80: case 0x82: case 0x83: case 0xa8: case 0xc0: case 0xc1: case 0xc6: case 0xcd: case 0xd4: case 0xd5: case 0xeb: return 1;
    case 0xc2: case 0xca: return 2;
    case 0xc8: return 3; // enter imm16, imm8
    case 0xf6: case 0xf7: {
      // Group 3: only TEST (/0, /1) takes an immediate.
      const reg = ((bytes[modrmAt] ?? 0) >> 3) & 7;
      if (reg > 1) return 0;
      return op === 0xf6 ? 1 : z;
    }
    default: return 0;
  }
}

/** Opcode map 1 (0F xx) of VEX/EVEX with an 8-bit immediate. */
function vexMap1Imm8(op: number): boolean {
  return (op >= 0x70 && op <= 0x73) || op === 0xc2 || (op >= 0xc4 && op <= 0xc6);
}

/** Length of the instruction at `at` (at least 1, never past the end of `bytes` unless it is cut off). */
export function x86InstructionLength(bytes: Uint8Array, at: number): number {
  let p = at;
  let opsize16 = false;
  let addr32 = false;
  let rexW = false;
  // Legacy prefixes, then REX. A REX that another prefix follows has no effect; objdump shows
  // it as an instruction of its own ("rex.W"), and so it is counted here.
  for (let guard = 0; guard < 15 && p < bytes.length; guard++) {
    const b = bytes[p]!;
    if (LEGACY_PREFIX[b]) {
      if (p > at && (bytes[p - 1]! & 0xf0) === 0x40) return p - at;
      if (b === 0x66) opsize16 = true;
      if (b === 0x67) addr32 = true;
      p++;
    } else if ((b & 0xf0) === 0x40) {
      rexW = (b & 8) !== 0;
      p++;
    } else break;
  }
  if (p >= bytes.length) return Math.max(1, p - at);
  const op = bytes[p++]!;

  // VEX (C5: 2 bytes, C4: 3 bytes), EVEX (62: 4 bytes), XOP (8F with map ≥ 8): map, opcode, ModRM.
  if (op === 0xc5 || op === 0xc4 || op === 0x62 || (op === 0x8f && ((bytes[p] ?? 0) & 0x1f) >= 8)) {
    let map: number;
    if (op === 0xc5) {
      map = 1;
      p += 1;
    } else if (op === 0x62) {
      map = (bytes[p] ?? 0) & 7;
      p += 3;
    } else {
      map = (bytes[p] ?? 0) & 0x1f;
      p += 2;
    }
    const vop = bytes[p++] ?? 0;
    if (op !== 0x62 && op !== 0x8f && map === 1 && vop === 0x77) return p - at; // vzeroupper, vzeroall
    p += modrmLength(bytes, p);
    if (op === 0x8f) p += map === 8 ? 1 : map === 10 ? 4 : 0;
    else if (map === 3 || (map === 1 && vexMap1Imm8(vop))) p += 1;
    return p - at;
  }

  if (op === 0x0f) {
    const op2 = bytes[p++] ?? 0;
    if (op2 === 0x38) {
      p++; // opcode
      return p + modrmLength(bytes, p) - at;
    }
    if (op2 === 0x3a) {
      p++;
      return p + modrmLength(bytes, p) + 1 - at;
    }
    if (op2 === 0x0f) return p + modrmLength(bytes, p) + 1 - at; // 3DNow!: imm8 suffix
    if (op2 >= 0x80 && op2 <= 0x8f) return p + (opsize16 ? 2 : 4) - at; // jcc rel32
    if (TWO_BYTE_NO_MODRM[op2]) return p - at;
    p += modrmLength(bytes, p);
    if (TWO_BYTE_IMM8[op2]) p += 1;
    return p - at;
  }

  const modrmAt = p;
  if (ONE_BYTE_MODRM[op]) p += modrmLength(bytes, p);
  p += oneByteImmediate(op, bytes, modrmAt, opsize16, rexW, addr32);
  return p - at;
}

/** Every instruction end in `bytes` (a text section), decoded from its start. */
export function x86InstructionEnds(bytes: Uint8Array): bigint[] {
  const ends: bigint[] = [];
  let at = 0;
  while (at < bytes.length) {
    at = Math.min(bytes.length, at + x86InstructionLength(bytes, at));
    ends.push(BigInt(at));
  }
  return ends;
}
