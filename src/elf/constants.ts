// ELF constants used by the model (values from the System V gABI and the Linux livepatch
// ELF format, Documentation/livepatch/module-elf-format.rst).

export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;
export const EV_CURRENT = 1;

export const ET = { NONE: 0, REL: 1, EXEC: 2, DYN: 3, CORE: 4 } as const;
export const ET_NAMES: Record<number, string> = { 0: 'NONE', 1: 'REL', 2: 'EXEC', 3: 'DYN', 4: 'CORE' };

export const EHDR_SIZE = 64;
export const SHDR_SIZE = 64;
export const SYM_SIZE = 24;
export const RELA_SIZE = 24;
export const REL_SIZE = 16;

export const SHN = {
  UNDEF: 0,
  LORESERVE: 0xff00,
  LIVEPATCH: 0xff20,
  ABS: 0xfff1,
  COMMON: 0xfff2,
  XINDEX: 0xffff,
} as const;

export const SHT = {
  NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3, RELA: 4, HASH: 5, DYNAMIC: 6, NOTE: 7,
  NOBITS: 8, REL: 9, SHLIB: 10, DYNSYM: 11, INIT_ARRAY: 14, FINI_ARRAY: 15,
  PREINIT_ARRAY: 16, GROUP: 17, SYMTAB_SHNDX: 18, RELR: 19,
} as const;

export const SHT_NAMES: Record<number, string> = {
  0: 'NULL', 1: 'PROGBITS', 2: 'SYMTAB', 3: 'STRTAB', 4: 'RELA', 5: 'HASH', 6: 'DYNAMIC',
  7: 'NOTE', 8: 'NOBITS', 9: 'REL', 10: 'SHLIB', 11: 'DYNSYM', 14: 'INIT_ARRAY',
  15: 'FINI_ARRAY', 16: 'PREINIT_ARRAY', 17: 'GROUP', 18: 'SYMTAB SECTION INDICES', 19: 'RELR',
  0x6ffffff5: 'GNU_ATTRIBUTES', 0x6ffffff6: 'GNU_HASH', 0x6fff4c03: 'LLVM_ADDRSIG',
  0x70000003: 'ARM_ATTRIBUTES',
};

export const SHF = {
  WRITE: 0x1n, ALLOC: 0x2n, EXECINSTR: 0x4n, MERGE: 0x10n, STRINGS: 0x20n, INFO_LINK: 0x40n,
  LINK_ORDER: 0x80n, OS_NONCONFORMING: 0x100n, GROUP: 0x200n, TLS: 0x400n, COMPRESSED: 0x800n,
  EXCLUDE: 0x80000000n,
  /** Linux livepatch: a .klp.rela.* section the kernel applies itself. */
  RELA_LIVEPATCH: 0x00100000n,
} as const;

/** readelf's one-letter flag key, in its order. */
export const SHF_LETTERS: Array<[bigint, string]> = [
  [SHF.WRITE, 'W'], [SHF.ALLOC, 'A'], [SHF.EXECINSTR, 'X'], [SHF.MERGE, 'M'], [SHF.STRINGS, 'S'],
  [SHF.INFO_LINK, 'I'], [SHF.LINK_ORDER, 'L'], [SHF.OS_NONCONFORMING, 'O'], [SHF.GROUP, 'G'],
  [SHF.TLS, 'T'], [SHF.COMPRESSED, 'C'], [SHF.EXCLUDE, 'E'],
];

export const STB = { LOCAL: 0, GLOBAL: 1, WEAK: 2, GNU_UNIQUE: 10 } as const;
export const STB_NAMES: Record<number, string> = { 0: 'LOCAL', 1: 'GLOBAL', 2: 'WEAK', 10: 'UNIQUE' };

export const STT = {
  NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4, COMMON: 5, TLS: 6, GNU_IFUNC: 10,
} as const;
export const STT_NAMES: Record<number, string> = {
  0: 'NOTYPE', 1: 'OBJECT', 2: 'FUNC', 3: 'SECTION', 4: 'FILE', 5: 'COMMON', 6: 'TLS', 10: 'IFUNC',
};

export const STV_NAMES: Record<number, string> = { 0: 'DEFAULT', 1: 'INTERNAL', 2: 'HIDDEN', 3: 'PROTECTED' };

export const GRP_COMDAT = 0x1;
