// What the patch object carries besides its functions, and what a reference names.
import { SHF, STB, STT, type ElfObject, type ElfRelocation, type ElfSection, type ElfSymbol } from '../elf/index.js';

/** Data a patch carries: strings and constants, new data, and read-only data carried as a new copy. */
export function includeData(section: ElfSection, sym: ElfSymbol, obj: ElfObject, newData: Set<string>): boolean {
  if ((section.flags & SHF.EXECINSTR) !== 0n) return false;
  if ((section.flags & SHF.MERGE) !== 0n) return true;
  const named = sym.type === STT.SECTION ? obj.symbols.find((s) => s.shndx === section.index && (s.type === STT.OBJECT) && !s.special) : sym;
  // Read-only bytes no symbol names: string literals gcc did not put in a mergeable section
  // (`copy_to_user(p, "i686", 5)` lands in plain .rodata), copied like any other literal.
  if (named === undefined) return (section.flags & SHF.WRITE) === 0n;
  // Constants the compiler makes (a function's name for __func__, a switch table) have no
  // identity anyone compares: a copy is as good as the original, and their names repeat in
  // every TU (`__func__.25` five times in ext4.ko), so a reference could not name one anyway.
  if ((section.flags & SHF.WRITE) === 0n && COMPILER_CONSTANT.test(named.name)) return true;
  if (named.bind === STB.LOCAL && CALL_SITE_STATE.test(named.name)) return true;
  // An empty object (a lockdep __key.N without CONFIG_LOCKDEP) holds nothing to share.
  if (named.bind === STB.LOCAL && named.size === 0n && /^__key\.\d+$/.test(named.name)) return true;
  return newData.has(named.name);
}

const COMPILER_CONSTANT = /^(__func__|__FUNCTION__|__PRETTY_FUNCTION__|CSWTCH)\.\d+$/;

/**
 * State a macro keeps per call site: a WARN_ONCE/pr_*_once flag, a printk_ratelimited state
 * (`_rs.N`, twelve of that name in cifs.ko). The patched function gets its own copy, so a
 * warning may fire once more or a rate limit restart after patching (harmless), and the names
 * repeat in every TU, so a reference could not name one anyway.
 */
export const CALL_SITE_STATE = /^(__already_done|__warned|__print_once|_rs)\.\d+$/;

/**
 * Offsets a reference may aim at, relative to its symbol. PC-relative in code, the displacement
 * is counted from the end of the instruction, which an immediate operand (`cmpb $0x0, x(%rip)`)
 * may put 1, 2 or 4 bytes past the displacement; a data directive aims at symbol + addend.
 */
export function aimedOffsets(rel: ElfRelocation, from: ElfSection): bigint[] {
  const inCode = (from.flags & SHF.EXECINSTR) !== 0n;
  const tails = inCode && [2, 4].includes(rel.type) ? [4n, 5n, 6n, 8n] : [0n];
  return tails.map((tail) => rel.addend + tail);
}

/** The function or object a (section symbol + addend) reference names, and its offset. */
export function symbolAt(obj: ElfObject, t: ElfSymbol, rel: ElfRelocation, from: ElfSection): { sym: ElfSymbol | undefined; delta: bigint } {
  if (t.type !== STT.SECTION) return { sym: t, delta: 0n };
  // Only the naming depends on the instruction's tail: the relocation is rewritten as
  // symbol + (addend - value).
  for (const target of aimedOffsets(rel, from)) {
    const sym = obj.symbols.find((s) => s.shndx === t.shndx && !s.special && (s.type === STT.FUNC || s.type === STT.OBJECT) && s.value <= target && target < s.value + (s.size || 1n));
    if (sym) return { sym, delta: sym.value };
  }
  return { sym: undefined, delta: 0n };
}
