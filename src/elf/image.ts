// A linked kernel image (vmlinux, ET_EXEC) read for its bytes at virtual addresses: the
// vmlinux that scripts/extract-vmlinux pulls out of a vmlinuz has no symbol table but keeps
// its section headers with addresses, which is all run-pre matching needs. Only the section
// header table is parsed; contents are sliced from the file on demand.
import { readFile } from 'node:fs/promises';
import { InputError } from '../common/errors.js';

export interface ImageSection {
  name: string;
  addr: bigint;
  size: bigint;
  offset: bigint;
  /** SHT_NOBITS (.bss): no bytes in the file. */
  nobits: boolean;
}

export interface KernelImage {
  file: string;
  machine: number;
  sections: ImageSection[];
  /** `len` bytes at virtual address `addr`, or undefined when no allocated section with file contents holds them all. */
  bytesAt(addr: bigint, len: number): Uint8Array | undefined;
}

const SHT_NOBITS = 8;
const SHF_ALLOC = 2n;

export async function readKernelImage(file: string): Promise<KernelImage> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (e) {
    throw new InputError(`${file}: cannot read the kernel image (${(e as NodeJS.ErrnoException).code ?? e})`, 'pass the running kernel\'s vmlinux (--vmlinux) or its vmlinuz (--vmlinuz)');
  }
  if (data.length < 64 || data.readUInt32BE(0) !== 0x7f454c46 || data[4] !== 2 || data[5] !== 1) {
    throw new InputError(`${file}: not a little-endian ELF64 kernel image`, 'pass an uncompressed vmlinux (--vmlinux), or the vmlinuz with --vmlinuz to extract one');
  }
  const machine = data.readUInt16LE(18);
  const shoff = data.readBigUInt64LE(40);
  const shentsize = data.readUInt16LE(58);
  const shnum = data.readUInt16LE(60);
  const shstrndx = data.readUInt16LE(62);
  if (shoff === 0n || shnum === 0 || Number(shoff) + shnum * shentsize > data.length) {
    throw new InputError(`${file}: no section header table`, 'run-pre matching needs section addresses; pass the vmlinux extract-vmlinux produces');
  }
  const raw = Array.from({ length: shnum }, (_, i) => {
    const at = Number(shoff) + i * shentsize;
    return {
      nameOff: data.readUInt32LE(at),
      type: data.readUInt32LE(at + 4),
      flags: data.readBigUInt64LE(at + 8),
      addr: data.readBigUInt64LE(at + 16),
      offset: data.readBigUInt64LE(at + 24),
      size: data.readBigUInt64LE(at + 32),
    };
  });
  const strtab = raw[shstrndx];
  const nameAt = (off: number) => {
    if (!strtab) return '';
    const start = Number(strtab.offset) + off;
    const end = data.indexOf(0, start);
    return data.toString('latin1', start, end < 0 ? start : end);
  };
  const sections = raw
    .filter((s) => (s.flags & SHF_ALLOC) !== 0n && s.size > 0n)
    .map((s) => ({ name: nameAt(s.nameOff), addr: s.addr, size: s.size, offset: s.offset, nobits: s.type === SHT_NOBITS }));
  return {
    file,
    machine,
    sections,
    bytesAt(addr, len) {
      const s = sections.find((x) => !x.nobits && addr >= x.addr && addr + BigInt(len) <= x.addr + x.size);
      if (!s) return undefined;
      const start = Number(s.offset + (addr - s.addr));
      return data.subarray(start, start + len);
    },
  };
}
