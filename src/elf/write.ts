// Serialising the model into a relocatable object. Derived sections (the symbol table and
// its string table, the section-name table, relocation and group sections) are regenerated
// from the model; every other section's bytes are written as they are. Layout: ELF header,
// section contents in index order each at its alignment, then the section header table.
import { ByteWriter } from './bytes.js';
import {
  EHDR_SIZE, ELFCLASS64, ELFDATA2LSB, ELFDATA2MSB, EV_CURRENT, REL_SIZE, RELA_SIZE, SHDR_SIZE,
  SHN, SHT, STB, SYM_SIZE,
} from './constants.js';
import { StringTableBuilder } from './strtab.js';
import type { ElfObject, ElfSection } from './types.js';

export function writeElf(obj: ElfObject): Uint8Array {
  const { header, sections } = obj;
  const endian = header.endian;
  const count = sections.length;
  const extended = count >= SHN.LORESERVE;
  const shstrndx = findShstrndx(obj);

  const contents = new Map<number, Uint8Array>();
  const fields = new Map<number, { link?: number; info?: number }>();

  // Section names (shared with the symbol names if the object shares one table).
  const symtab = obj.symtab !== undefined ? sections[obj.symtab] : undefined;
  const tables = new Map<number, StringTableBuilder>();
  const table = (i: number) => tables.get(i) ?? tables.set(i, new StringTableBuilder()).get(i)!;
  for (const s of sections) table(shstrndx).add(s.name);
  if (symtab) for (const sym of obj.symbols) table(symtab.link).add(sym.name);
  for (const [i, builder] of tables) contents.set(i, builder.bytes());

  if (symtab) {
    const { bytes, xindex, firstGlobal } = encodeSymbols(obj, tables.get(symtab.link)!, extended);
    contents.set(symtab.index, bytes);
    fields.set(symtab.index, { info: firstGlobal });
    const shndxSection = sections.find((s) => s.type === SHT.SYMTAB_SHNDX && s.link === symtab.index);
    if (xindex && !shndxSection) throw new Error('writeElf: symbols need extended section indices but the model has no SHT_SYMTAB_SHNDX section');
    if (shndxSection) contents.set(shndxSection.index, xindex ?? new Uint8Array(obj.symbols.length * 4));
  }
  for (const rs of obj.relocations) {
    const size = rs.rela ? RELA_SIZE : REL_SIZE;
    const bytes = new Uint8Array(rs.entries.length * size);
    const w = new ByteWriter(bytes, endian);
    rs.entries.forEach((e, n) => {
      w.u64(n * size, e.offset);
      w.u64(n * size + 8, (BigInt(e.symbol) << 32n) | BigInt(e.type));
      if (rs.rela) w.i64(n * size + 16, e.addend);
    });
    contents.set(rs.section, bytes);
    fields.set(rs.section, { info: rs.target });
  }
  for (const g of obj.groups) {
    const bytes = new Uint8Array(4 + g.members.length * 4);
    const w = new ByteWriter(bytes, endian);
    w.u32(0, g.flags);
    g.members.forEach((m, n) => w.u32(4 + n * 4, m));
    contents.set(g.section, bytes);
  }

  // Layout.
  const offsets: bigint[] = new Array(count).fill(0n);
  let pos = EHDR_SIZE;
  const align = (value: number, to: bigint) => {
    const a = Number(to > 1n ? to : 1n);
    return Math.ceil(value / a) * a;
  };
  for (const s of sections) {
    if (s.index === 0) continue;
    const data = dataOf(s, contents);
    pos = align(pos, s.addralign);
    offsets[s.index] = BigInt(pos);
    if (s.type !== SHT.NOBITS) pos += data.length;
  }
  const shoff = align(pos, 8n);
  const out = new Uint8Array(shoff + count * SHDR_SIZE);
  const w = new ByteWriter(out, endian);

  out.set([0x7f, 0x45, 0x4c, 0x46, ELFCLASS64, endian === 'little' ? ELFDATA2LSB : ELFDATA2MSB, EV_CURRENT, header.osabi, header.abiVersion]);
  w.u16(16, header.type);
  w.u16(18, header.machine);
  w.u32(20, header.version);
  w.u64(24, header.entry);
  w.u64(32, 0n);
  w.u64(40, BigInt(shoff));
  w.u32(48, header.flags);
  w.u16(52, EHDR_SIZE);
  w.u16(54, 0);
  w.u16(56, 0);
  w.u16(58, SHDR_SIZE);
  w.u16(60, extended ? 0 : count);
  w.u16(62, shstrndx >= SHN.LORESERVE ? SHN.XINDEX : shstrndx);

  for (const s of sections) {
    const at = shoff + s.index * SHDR_SIZE;
    if (s.index === 0) {
      // Section 0 carries the real count and name-table index under extended numbering.
      if (extended) w.u64(at + 32, BigInt(count));
      if (shstrndx >= SHN.LORESERVE) w.u32(at + 40, shstrndx);
      continue;
    }
    const data = dataOf(s, contents);
    if (s.type !== SHT.NOBITS) out.set(data, Number(offsets[s.index]));
    const f = fields.get(s.index) ?? {};
    w.u32(at, tables.get(shstrndx)!.offsetOf(s.name));
    w.u32(at + 4, s.type);
    w.u64(at + 8, s.flags);
    w.u64(at + 16, s.addr);
    w.u64(at + 24, offsets[s.index]!);
    w.u64(at + 32, s.type === SHT.NOBITS ? s.size : BigInt(data.length));
    w.u32(at + 40, f.link ?? s.link);
    w.u32(at + 44, f.info ?? s.info);
    w.u64(at + 48, s.addralign);
    w.u64(at + 56, s.entsize);
  }
  return out;
}

function dataOf(s: ElfSection, contents: Map<number, Uint8Array>): Uint8Array {
  return contents.get(s.index) ?? s.data;
}

function findShstrndx(obj: ElfObject): number {
  // The section-name table is the one named .shstrtab, else the last string table that is
  // not the symbol string table (gcc and gas always emit .shstrtab).
  const byName = obj.sections.find((s) => s.type === SHT.STRTAB && s.name === '.shstrtab');
  if (byName) return byName.index;
  const symStr = obj.symtab !== undefined ? obj.sections[obj.symtab]!.link : -1;
  const other = obj.sections.filter((s) => s.type === SHT.STRTAB && s.index !== symStr).pop();
  if (other) return other.index;
  if (symStr > 0) return symStr;
  throw new Error('writeElf: the model has no string table for section names');
}

function encodeSymbols(obj: ElfObject, names: StringTableBuilder, extended: boolean) {
  const { symbols } = obj;
  const bytes = new Uint8Array(symbols.length * SYM_SIZE);
  const w = new ByteWriter(bytes, obj.header.endian);
  let xindex: Uint8Array | undefined;
  let firstGlobal = symbols.length;
  symbols.forEach((sym, i) => {
    if (sym.index !== i) throw new Error(`writeElf: symbol ${sym.name} has index ${sym.index} at position ${i}`);
    if (sym.bind !== STB.LOCAL && firstGlobal === symbols.length) firstGlobal = i;
    if (sym.bind === STB.LOCAL && firstGlobal < i) {
      throw new Error(`writeElf: local symbol ${sym.name} (${i}) follows a global one; locals must come first`);
    }
    const at = i * SYM_SIZE;
    let shndx = sym.shndx;
    if (!sym.special && sym.shndx >= SHN.LORESERVE) {
      xindex ??= new Uint8Array(symbols.length * 4);
      new ByteWriter(xindex, obj.header.endian).u32(i * 4, sym.shndx);
      shndx = SHN.XINDEX;
    }
    w.u32(at, names.offsetOf(sym.name));
    w.u8(at + 4, (sym.bind << 4) | (sym.type & 0xf));
    w.u8(at + 5, sym.other);
    w.u16(at + 6, shndx);
    w.u64(at + 8, sym.value);
    w.u64(at + 16, sym.size);
  });
  if (extended && !xindex && symbols.some((s) => !s.special && s.shndx >= SHN.LORESERVE)) xindex = new Uint8Array(symbols.length * 4);
  return { bytes, xindex, firstGlobal };
}
