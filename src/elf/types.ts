// The typed ELF64 relocatable-object model every stage shares. Addresses, sizes, flags and
// addends are bigint: kernel addresses sit near 2^64 and a JS number would lose their low bits.

export type Endian = 'little' | 'big';

export interface ElfHeader {
  endian: Endian;
  osabi: number;
  abiVersion: number;
  /** e_type: ET.REL for every object this tool accepts. */
  type: number;
  machine: number;
  version: number;
  entry: bigint;
  flags: number;
}

export interface ElfSection {
  /** Position in the section header table; sh_link, sh_info and symbols refer to it. */
  index: number;
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  /**
   * sh_size. For every type but NOBITS it equals data.length. Section 0 keeps the extended
   * section count here (and the name-table index in `link`); the writer recomputes both.
   */
  size: bigint;
  link: number;
  info: number;
  addralign: bigint;
  entsize: bigint;
  /** File offset as read; the writer lays sections out afresh and ignores it. */
  offset: bigint;
  /**
   * Contents; empty for NOBITS. For sections the writer derives (symbol table, its string
   * table, the section-name table, relocation and group sections) this is what was read,
   * and the writer regenerates it from `symbols`, `relocations` and `groups`.
   */
  data: Uint8Array;
}

export interface ElfSymbol {
  /** Position in .symtab (0 is the null symbol); relocations refer to it. */
  index: number;
  name: string;
  value: bigint;
  size: bigint;
  bind: number;
  type: number;
  /** st_other & 3 */
  visibility: number;
  /** The whole st_other byte (architectures keep flags above the visibility bits). */
  other: number;
  /**
   * Index of the defining section, already resolved through SHT_SYMTAB_SHNDX for extended
   * indices. 0 for undefined symbols. For SHN_ABS, SHN_COMMON, SHN_LIVEPATCH and other
   * reserved values it holds that value and `special` is set.
   */
  shndx: number;
  special: boolean;
}

export interface ElfRelocation {
  offset: bigint;
  type: number;
  /** Index into ElfObject.symbols. */
  symbol: number;
  /** Explicit addend (RELA); 0n for REL, whose addend lives in the section bytes. */
  addend: bigint;
}

export interface ElfRelocationSection {
  /** Index of the SHT_RELA/SHT_REL section itself. */
  section: number;
  /** Index of the section the relocations apply to (sh_info). */
  target: number;
  rela: boolean;
  entries: ElfRelocation[];
}

export interface ElfGroup {
  /** Index of the SHT_GROUP section. */
  section: number;
  /** GRP_COMDAT or 0. */
  flags: number;
  members: number[];
}

export interface ElfObject {
  header: ElfHeader;
  sections: ElfSection[];
  /** Index of .symtab, or undefined for an object without one. */
  symtab?: number;
  symbols: ElfSymbol[];
  relocations: ElfRelocationSection[];
  groups: ElfGroup[];
}
