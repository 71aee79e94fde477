// The ELF stage: a typed read/write model of ELF64 relocatable objects.
export type { ElfGroup, ElfHeader, ElfObject, ElfRelocation, ElfRelocationSection, ElfSection, ElfSymbol, Endian } from './types.js';
export { readElf, readElfFile, readSectionBytes } from './read.js';
export { writeElf } from './write.js';
export * from './constants.js';
export * from './describe.js';
export { EM, machineName, relocationTypeName, relocationTypeNumber } from './reloc-types.js';
