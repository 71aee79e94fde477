// Names for the model's numeric fields, spelled as readelf spells them, so what `inspect`
// prints can be read side by side with binutils.
import { SHF_LETTERS, SHN, SHT_NAMES, STB_NAMES, STT_NAMES, STV_NAMES } from './constants.js';
import { relocationTypeName } from './reloc-types.js';
import type { ElfObject, ElfRelocation, ElfSymbol } from './types.js';

export function sectionTypeName(type: number): string {
  return SHT_NAMES[type] ?? `0x${type.toString(16)}`;
}

export function sectionFlagLetters(flags: bigint): string {
  let out = '';
  for (const [bit, letter] of SHF_LETTERS) if (flags & bit) out += letter;
  return out;
}

export function symbolBindName(bind: number): string {
  return STB_NAMES[bind] ?? `<${bind}>`;
}

export function symbolTypeName(type: number): string {
  return STT_NAMES[type] ?? `<${type}>`;
}

export function visibilityName(visibility: number): string {
  return STV_NAMES[visibility] ?? `<${visibility}>`;
}

/** readelf's Ndx column: UND, ABS, COM, or the section index. */
export function symbolSectionIndex(sym: ElfSymbol): string {
  if (!sym.special) return sym.shndx === SHN.UNDEF ? 'UND' : String(sym.shndx);
  if (sym.shndx === SHN.ABS) return 'ABS';
  if (sym.shndx === SHN.COMMON) return 'COM';
  if (sym.shndx === SHN.LIVEPATCH) return 'LIVEPATCH';
  return `0x${sym.shndx.toString(16)}`;
}

/** What a relocation points at: the symbol's name, or its section's name for section symbols. */
export function relocationTargetName(obj: ElfObject, rel: ElfRelocation): string {
  const sym = obj.symbols[rel.symbol];
  if (!sym) return `<symbol ${rel.symbol}>`;
  if (sym.name === '' && sym.type === 3 && !sym.special) return obj.sections[sym.shndx]?.name ?? '';
  return sym.name;
}

export function relocationName(obj: ElfObject, rel: ElfRelocation): string {
  return relocationTypeName(obj.header.machine, rel.type);
}

export function hex(value: bigint): string {
  return value < 0n ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
}
