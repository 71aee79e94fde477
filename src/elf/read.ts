// Reading an ELF64 relocatable object into the model: the header, every section header (with
// extended numbering), symbols, relocations and groups, each field checked against the file's
// size and the tables it points into, 64-bit fields as bigints.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { InputError } from '../common/errors.js';
import { ByteReader } from './bytes.js';
import {
  EHDR_SIZE, ELFCLASS64, ELFDATA2LSB, ELFDATA2MSB, ET, ET_NAMES, REL_SIZE, RELA_SIZE,
  SHDR_SIZE, SHN, SHT, SYM_SIZE,
} from './constants.js';
import { readRelocationTable } from './relocation-table.js';
import { readString } from './strtab.js';
import type { ElfGroup, ElfHeader, ElfObject, ElfRelocationSection, ElfSection, ElfSymbol } from './types.js';

/** A malformed object is bad input (exit 2), named by file. */
class CorruptObject extends InputError {
  constructor(file: string, what: string) {
    super(`${file}: ${what}`, 'pass an ELF64 relocatable object (.o) as produced by gcc -c');
  }
}

export async function readElfFile(path: string): Promise<ElfObject> {
  let bytes: Buffer;
  try {
    // Read at once: an object is a few megabytes, and fs/promises' open, stat, reads and close
    // are each a trip through libuv's thread pool (~10 of them on check's path after the compile).
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${path}: no such file`);
    if (code === 'EISDIR') throw new InputError(`${path}: is a directory, not an object file`);
    throw new InputError(`${path}: cannot read (${code ?? String(err)})`);
  }
  return readElf(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}

export function readElf(bytes: Uint8Array, file = '<object>'): ElfObject {
  const fail = (what: string): never => {
    throw new CorruptObject(file, what);
  };
  if (bytes.length < 16 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    fail(bytes.length === 0 ? 'empty file, not an ELF object' : 'not an ELF file (no \\x7fELF magic)');
  }
  if (bytes[4] !== ELFCLASS64) {
    fail(bytes[4] === 1 ? '32-bit ELF (ELFCLASS32) is not supported; only ELF64 objects are' : `unknown ELF class ${bytes[4]}`);
  }
  if (bytes[5] !== ELFDATA2LSB && bytes[5] !== ELFDATA2MSB) fail(`unknown ELF byte order ${bytes[5]}`);
  if (bytes.length < EHDR_SIZE) fail(`truncated: ${bytes.length} bytes, shorter than the 64-byte ELF header`);
  const endian = bytes[5] === ELFDATA2LSB ? 'little' : 'big';
  const r = new ByteReader(bytes, endian);

  const header: ElfHeader = {
    endian,
    osabi: bytes[7]!,
    abiVersion: bytes[8]!,
    type: r.u16(16),
    machine: r.u16(18),
    version: r.u32(20),
    entry: r.u64(24),
    flags: r.u32(48),
  };
  if (header.type !== ET.REL) {
    const kind = ET_NAMES[header.type] ?? String(header.type);
    const what = header.type === ET.EXEC ? 'an executable' : header.type === ET.DYN ? 'a shared object or PIE executable' : 'not relocatable';
    fail(`is ${what} (ET_${kind}), not a relocatable object (ET_REL); pass the .o file`);
  }
  const shoff = r.u64(40);
  const shentsize = r.u16(58);
  let shnum = r.u16(60);
  let shstrndx = r.u16(62);
  if (shoff === 0n) fail('has no section header table');
  if (shentsize !== SHDR_SIZE) fail(`section header size ${shentsize}, expected ${SHDR_SIZE}`);
  if (shoff + BigInt(SHDR_SIZE) > BigInt(bytes.length)) fail(`truncated: section header table at offset ${shoff} lies past the end of the file (${bytes.length} bytes)`);
  const shBase = Number(shoff);
  // Extended numbering: with 0xff00 or more sections the real count and string-table index
  // live in section header 0 (gABI "Extended Section Indices").
  if (shnum === 0) shnum = Number(r.u64(shBase + 32));
  if (shstrndx === SHN.XINDEX) shstrndx = r.u32(shBase + 40);
  if (shBase + shnum * SHDR_SIZE > bytes.length) {
    fail(`truncated: ${shnum} section headers at offset ${shoff} need ${shnum * SHDR_SIZE} bytes, the file has ${bytes.length - shBase}`);
  }
  if (shstrndx === SHN.UNDEF || shstrndx >= shnum) fail(`section name table index ${shstrndx} is out of range (${shnum} sections)`);

  const headerAt = (i: number) => shBase + i * SHDR_SIZE;
  const raw = (i: number) => {
    const at = headerAt(i);
    return {
      nameOffset: r.u32(at), type: r.u32(at + 4), flags: r.u64(at + 8), addr: r.u64(at + 16),
      offset: r.u64(at + 24), size: r.u64(at + 32), link: r.u32(at + 40), info: r.u32(at + 44),
      addralign: r.u64(at + 48), entsize: r.u64(at + 56),
    };
  };
  const headers = Array.from({ length: shnum }, (_, i) => raw(i));
  for (let i = 1; i < shnum; i++) {
    const h = headers[i]!;
    if (h.type !== SHT.NOBITS && h.offset + h.size > BigInt(bytes.length)) {
      fail(`truncated or corrupt: section ${i} (offset ${h.offset}, size ${h.size}) extends past the end of the file (${bytes.length} bytes)`);
    }
    if (h.link >= shnum && h.type !== SHT.NULL) fail(`section ${i} links to section ${h.link}, which does not exist`);
  }
  const shstr = headers[shstrndx]!;
  if (shstr.type !== SHT.STRTAB) fail(`section name table (section ${shstrndx}) is not a string table`);
  const shstrData = bytes.subarray(Number(shstr.offset), Number(shstr.offset + shstr.size));

  const sections: ElfSection[] = [];
  for (let i = 0; i < shnum; i++) {
    const h = headers[i]!;
    const name = readString(shstrData, h.nameOffset);
    if (name === undefined) fail(`section ${i} has a name offset (${h.nameOffset}) outside the section name table`);
    const hasData = i !== 0 && h.type !== SHT.NOBITS && h.type !== SHT.NULL;
    sections.push({
      index: i, name: name!, type: h.type, flags: h.flags, addr: h.addr,
      size: h.size, link: h.link, info: h.info,
      addralign: h.addralign, entsize: h.entsize, offset: h.offset,
      // A view of the file's bytes, not a copy: nothing writes a read section's data in place.
      data: hasData ? bytes.subarray(Number(h.offset), Number(h.offset + h.size)) : new Uint8Array(0),
    });
  }

  const symtabSection = sections.find((s) => s.type === SHT.SYMTAB);
  const symbols = symtabSection ? readSymbols(symtabSection, sections, endian, fail) : [];
  const relocations: ElfRelocationSection[] = [];
  const groups: ElfGroup[] = [];
  for (const s of sections) {
    if (s.type === SHT.RELA || s.type === SHT.REL) relocations.push(readRelocations(s, sections, symbols.length, endian, fail));
    if (s.type === SHT.GROUP) groups.push(readGroup(s, shnum, endian, fail));
  }
  return { header, sections, symtab: symtabSection?.index, symbols, relocations, groups };
}

type Fail = (what: string) => never;

function readSymbols(symtab: ElfSection, sections: ElfSection[], endian: 'little' | 'big', fail: Fail): ElfSymbol[] {
  if (symtab.entsize !== BigInt(SYM_SIZE)) fail(`${symtab.name}: symbol entry size ${symtab.entsize}, expected ${SYM_SIZE}`);
  if (symtab.data.length % SYM_SIZE !== 0) fail(`${symtab.name}: size ${symtab.data.length} is not a multiple of ${SYM_SIZE}`);
  const strtab = sections[symtab.link];
  if (!strtab || strtab.type !== SHT.STRTAB) fail(`${symtab.name}: linked string table (section ${symtab.link}) is not a string table`);
  const xindexSection = sections.find((s) => s.type === SHT.SYMTAB_SHNDX && s.link === symtab.index);
  const xr = xindexSection ? new ByteReader(xindexSection.data, endian) : undefined;
  const r = new ByteReader(symtab.data, endian);
  const count = symtab.data.length / SYM_SIZE;
  const symbols: ElfSymbol[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * SYM_SIZE;
    const nameOffset = r.u32(at);
    const name = readString(strtab!.data, nameOffset);
    if (name === undefined) fail(`symbol ${i} has a name offset (${nameOffset}) outside ${strtab!.name}`);
    const info = r.u8(at + 4);
    const other = r.u8(at + 5);
    const rawShndx = r.u16(at + 6);
    let shndx = rawShndx;
    let special = false;
    if (rawShndx === SHN.XINDEX) {
      if (!xr || (i + 1) * 4 > xr.length) fail(`symbol ${i} (${name}) uses an extended section index but there is no SHT_SYMTAB_SHNDX entry for it`);
      shndx = xr!.u32(i * 4);
    } else if (rawShndx >= SHN.LORESERVE) {
      special = true;
    }
    if (!special && shndx >= sections.length) fail(`symbol ${i} (${name}) is defined in section ${shndx}, which does not exist`);
    symbols.push({
      index: i, name: name!, value: r.u64(at + 8), size: r.u64(at + 16),
      bind: info >> 4, type: info & 0xf, visibility: other & 3, other, shndx, special,
    });
  }
  return symbols;
}

function readRelocations(s: ElfSection, sections: ElfSection[], symbolCount: number, endian: 'little' | 'big', fail: Fail): ElfRelocationSection {
  const rela = s.type === SHT.RELA;
  const size = rela ? RELA_SIZE : REL_SIZE;
  if (s.data.length % size !== 0) fail(`${s.name}: size ${s.data.length} is not a multiple of ${size}`);
  if (s.info >= sections.length) fail(`${s.name}: applies to section ${s.info}, which does not exist`);
  return readRelocationTable(s.index, s.info, s.data, rela, endian, symbolCount, (entry, symbol) =>
    fail(`${s.name}: relocation entry ${entry} refers to symbol ${symbol}, beyond the symbol table (${symbolCount})`));
}

function readGroup(s: ElfSection, shnum: number, endian: 'little' | 'big', fail: Fail): ElfGroup {
  if (s.data.length < 4 || s.data.length % 4 !== 0) fail(`${s.name}: malformed section group (size ${s.data.length})`);
  const r = new ByteReader(s.data, endian);
  const members: number[] = [];
  for (let at = 4; at < s.data.length; at += 4) {
    const m = r.u32(at);
    if (m >= shnum) fail(`${s.name}: group member ${m} does not exist`);
    members.push(m);
  }
  return { section: s.index, flags: r.u32(0), members };
}

/**
 * One section's bytes by name, reading only the ELF header, the section headers, the name table
 * and that section (positioned reads, not the whole file): for a quick look at `.comment` of an
 * object that is fully read later anyway. undefined when the file is not an ELF64 object or has
 * no such section; readElf says what is wrong with it.
 */
export async function readSectionBytes(path: string, name: string): Promise<Uint8Array | undefined> {
  const fd = openSync(path, 'r');
  try {
    const fileSize = fstatSync(fd).size;
    const at = (offset: number, length: number): Buffer | undefined => {
      if (offset < 0 || length < 0 || offset + length > fileSize) return undefined;
      const buf = Buffer.allocUnsafe(length);
      for (let done = 0; done < length;) {
        const n = readSync(fd, buf, done, length - done, offset + done);
        if (n === 0) return undefined;
        done += n;
      }
      return buf;
    };
    const ehdr = at(0, EHDR_SIZE);
    if (!ehdr || ehdr.readUInt32BE(0) !== 0x7f454c46 || ehdr[4] !== ELFCLASS64) return undefined;
    const endian = ehdr[5] === ELFDATA2MSB ? 'big' : 'little';
    const r = new ByteReader(ehdr, endian);
    const shoff = Number(r.u64(0x28));
    const first = shoff === 0 ? undefined : at(shoff, SHDR_SIZE);
    if (!first) return undefined;
    // Extended numbering: the real count and name-table index live in section 0.
    const zero = new ByteReader(first, endian);
    const shnum = r.u16(0x3c) || Number(zero.u64(0x20));
    const shstrndx = r.u16(0x3e) === SHN.XINDEX ? zero.u32(0x28) : r.u16(0x3e);
    const table = shstrndx < shnum ? at(shoff, shnum * SHDR_SIZE) : undefined;
    if (!table) return undefined;
    const t = new ByteReader(table, endian);
    const data = (i: number) => at(Number(t.u64(i * SHDR_SIZE + 0x18)), Number(t.u64(i * SHDR_SIZE + 0x20)));
    const names = data(shstrndx);
    if (!names) return undefined;
    for (let i = 1; i < shnum; i++) {
      if (readString(names, t.u32(i * SHDR_SIZE)) === name && t.u32(i * SHDR_SIZE + 4) !== SHT.NOBITS) return data(i);
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}
