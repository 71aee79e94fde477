// Special sections: tables of fixed-size records that the kernel walks at boot or module load
// (bug table, jump labels, exception table, alternatives, ORC, fentry sites, ...). Each record
// points into a function; a live patch must carry exactly the records of the functions it
// includes. This module knows the record layouts and splits a section into records, each
// attributed to the function its code field points into.
//
// Record sizes are those of Debian's 6.1 kernel (linux-source-6.1, ABI 6.1.0-56) with Debian's
// config, taken from the kernel's own headers and the assembler directives that emit the
// records (cited per entry below), and verified on real objects compiled with kbuild's flags
// (tests/kernel/special-sections-kernel.test.ts: every section is a whole number of records
// and every relocation falls at the same offsets within each record). Config options that
// change a size, with Debian's value:
//   CONFIG_DEBUG_BUGVERBOSE=y            __bug_table 12 bytes (8 without it)
//   CONFIG_GENERIC_BUG_RELATIVE_POINTERS (def_bool y on x86_64, arm64, ppc64, s390, loongarch)
//   CONFIG_JUMP_LABEL=y, HAVE_ARCH_JUMP_LABEL_RELATIVE   __jump_table 16, __dyndbg 56
//   CONFIG_PRINTK_INDEX is not set       (.printk_index absent; layout kept for other configs)
//   CONFIG_X86_KERNEL_IBT is not set     (.ibt_endbr_seal absent; layout kept)
// A section with a non-zero sh_entsize is split by sh_entsize (objtool sets it on .orc_unwind,
// .orc_unwind_ip, .retpoline_sites, .return_sites, .static_call_sites; s390 on __bug_table).
import { InputError } from '../common/errors.js';
import { SHF, SHT, STT } from '../elf/constants.js';
import { EM } from '../elf/reloc-types.js';
import type { ElfObject, ElfRelocation, ElfRelocationSection, ElfSection } from '../elf/types.js';

export interface SpecialSectionRecord {
  /** Section name, e.g. '__bug_table'. */
  section: string;
  /**
   * Index of the section in obj.sections. Needed because a name can occur more than once: gcc
   * emits one `__patchable_function_entries` section per function (SHF_LINK_ORDER).
   */
  sectionIndex: number;
  /** Record index in the section. */
  index: number;
  /** Byte offset of the record in the section. */
  offset: number;
  /** Record size. */
  size: number;
  /** Function symbol (index into obj.symbols) whose code the record points into, if any. */
  functionSymbol?: number;
  /** That symbol's name. */
  function?: string;
  /**
   * Where the code field points, when its relocation names a defined symbol: section index
   * and offset within that section (the differ compares records relative to the function).
   */
  target?: { sectionIndex: number; offset: number };
  /** `.altinstructions` only: the replacement instructions this record patches in. */
  replacement?: { sectionIndex: number; offset: number; size: number };
}

export interface SpecialSectionLayout {
  /** Exact section name. */
  name: string;
  /** Record size in bytes (a non-zero sh_entsize in the object takes precedence). */
  recordSize: number;
  /**
   * Offset within the record of the field whose relocation names the code location. Absent
   * when the record has no code field (`__dyndbg`, `.printk_index`, `__tracepoints_ptrs`):
   * such records are split but not attributed.
   */
  codeFieldOffset?: number;
  /**
   * A section whose records correspond one to one, by index, with this one
   * ('.orc_unwind' goes with '.orc_unwind_ip'). Keep or drop them together.
   */
  pair?: string;
  /** The code field lives in the paired section's record of the same index (`.orc_unwind`). */
  codeInPair?: boolean;
  /**
   * Added to symbol + addend to get the code location: 0 for data directives (`.long 1b - .`,
   * `.quad 1b`), 4 for the rel32 operand of a jump instruction (`.altinstr_aux`).
   */
  pcBias?: number;
  /** `.altinstructions`: the field pointing into the replacement section and the length byte. */
  replacement?: { fieldOffset: number; lengthOffset: number };
  /** Where the record size comes from (kernel header or emitting macro). */
  source: string;
}

/** Objtool annotation sections (.discard.*): not linked, but they follow their function. */
const X86_64_DISCARD: SpecialSectionLayout[] = [
  // include/linux/objtool.h ANNOTATE_NOENDBR: _ASM_PTR 986b
  { name: '.discard.noendbr', recordSize: 8, codeFieldOffset: 0, source: 'include/linux/objtool.h ANNOTATE_NOENDBR: _ASM_PTR 986b' },
  { name: '.discard.reachable', recordSize: 4, codeFieldOffset: 0, source: 'include/linux/objtool.h ANNOTATE_REACHABLE: .long 998b - .' },
  { name: '.discard.unreachable', recordSize: 4, codeFieldOffset: 0, source: 'include/linux/compiler.h annotate_unreachable(): .long %cb - .' },
  { name: '.discard.intra_function_calls', recordSize: 4, codeFieldOffset: 0, source: 'include/linux/objtool.h ANNOTATE_INTRA_FUNCTION_CALL: .long 999b' },
  { name: '.discard.unwind_hints', recordSize: 12, codeFieldOffset: 0, source: 'include/linux/objtool.h struct unwind_hint {u32 ip; s16 sp_offset; u8 sp_reg, type, end;} + .balign 4' },
  { name: '.discard.func_stack_frame_non_standard', recordSize: 8, codeFieldOffset: 0, source: 'include/linux/objtool.h STACK_FRAME_NON_STANDARD: void *ptr = func' },
  { name: '.discard.retpoline_safe', recordSize: 8, codeFieldOffset: 0, source: 'arch/x86/include/asm/nospec-branch.h ANNOTATE_RETPOLINE_SAFE: _ASM_PTR 999b' },
  { name: '.discard.ignore_alts', recordSize: 4, codeFieldOffset: 0, source: 'arch/x86/include/asm/alternative.h ANNOTATE_IGNORE_ALTERNATIVE: .long 999b - .' },
  { name: '.discard.instr_begin', recordSize: 4, codeFieldOffset: 0, source: 'include/linux/instrumentation.h instrumentation_begin(): .long %cb - .' },
  { name: '.discard.instr_end', recordSize: 4, codeFieldOffset: 0, source: 'include/linux/instrumentation.h instrumentation_end(): .long %cb - .' },
  { name: '.discard.ibt_endbr_noseal', recordSize: 8, codeFieldOffset: 0, source: 'arch/x86/include/asm/ibt.h IBT_NOSEAL: _ASM_PTR fname' },
  // __ADDRESSABLE(sym): a pointer to any symbol (EXPORT_SYMBOL'd functions, static call keys).
  { name: '.discard.addressable', recordSize: 8, codeFieldOffset: 0, source: 'include/linux/compiler.h __ADDRESSABLE: void *ptr = &sym' },
];

export const X86_64_SPECIAL_SECTIONS: SpecialSectionLayout[] = [
  { name: '__bug_table', recordSize: 12, codeFieldOffset: 0, source: 'include/asm-generic/bug.h struct bug_entry {s32 bug_addr_disp; s32 file_disp; u16 line; u16 flags;} (GENERIC_BUG_RELATIVE_POINTERS, DEBUG_BUGVERBOSE=y; 8 without BUGVERBOSE)' },
  { name: '__jump_table', recordSize: 16, codeFieldOffset: 0, source: 'include/linux/jump_label.h struct jump_entry {s32 code; s32 target; long key;}' },
  { name: '__ex_table', recordSize: 12, codeFieldOffset: 0, source: 'arch/x86/include/asm/extable.h struct exception_table_entry {int insn, fixup, data;}' },
  {
    name: '.altinstructions', recordSize: 12, codeFieldOffset: 0, replacement: { fieldOffset: 4, lengthOffset: 11 },
    source: 'arch/x86/include/asm/alternative.h struct alt_instr {s32 instr_offset; s32 repl_offset; u16 cpuid; u8 instrlen; u8 replacementlen;} __packed',
  },
  // static_cpu_has(): `6: testb $bit, cap_byte(%rip); jnz t_yes; jmp t_no` = 7 + 6 + 5 bytes of
  // code per use, jumping back into the function. Split so each chunk follows its function.
  { name: '.altinstr_aux', recordSize: 18, codeFieldOffset: 9, pcBias: 4, source: 'arch/x86/include/asm/cpufeature.h _static_cpu_has: testb imm8,disp32(%rip) (7) + jnz rel32 (6) + jmp rel32 (5)' },
  { name: '.static_call_sites', recordSize: 8, codeFieldOffset: 0, source: 'include/linux/static_call_types.h struct static_call_site {s32 addr; s32 key;} (objtool sets sh_entsize 8)' },
  { name: '.static_call_tramp_key', recordSize: 8, codeFieldOffset: 0, source: 'arch/x86/include/asm/static_call.h ARCH_ADD_TRAMP_KEY: .long tramp - .; .long key - .' },
  { name: '.retpoline_sites', recordSize: 4, codeFieldOffset: 0, source: 'tools/objtool/check.c create_retpoline_sites_sections: s32 (sh_entsize 4)' },
  { name: '.return_sites', recordSize: 4, codeFieldOffset: 0, source: 'tools/objtool/check.c create_return_sites_sections: s32 (sh_entsize 4)' },
  { name: '.ibt_endbr_seal', recordSize: 4, codeFieldOffset: 0, source: 'tools/objtool/check.c create_ibt_endbr_seal_sections: s32 (X86_KERNEL_IBT; not set in Debian 6.1)' },
  { name: '.orc_unwind_ip', recordSize: 4, codeFieldOffset: 0, pair: '.orc_unwind', source: 'arch/x86/include/asm/orc_types.h: s32 ip (objtool orc_gen.c, sh_entsize 4)' },
  { name: '.orc_unwind', recordSize: 6, codeFieldOffset: 0, pair: '.orc_unwind_ip', codeInPair: true, source: 'arch/x86/include/asm/orc_types.h struct orc_entry {s16 sp_offset; s16 bp_offset; 4 bytes of bit fields (sp_reg..end)} __packed = 6 (sh_entsize 6)' },
  { name: '__mcount_loc', recordSize: 8, codeFieldOffset: 0, source: 'gcc -mrecord-mcount: .quad 1b (unsigned long, R_X86_64_64)' },
  { name: '__patchable_function_entries', recordSize: 8, codeFieldOffset: 0, source: 'gcc -fpatchable-function-entry: .quad .LPFE (unused by x86 kernels)' },
  { name: '.smp_locks', recordSize: 4, codeFieldOffset: 0, source: 'arch/x86/include/asm/alternative.h LOCK_PREFIX_HERE: .long 671f - .' },
  { name: '.parainstructions', recordSize: 16, codeFieldOffset: 0, source: 'arch/x86/include/asm/paravirt_types.h struct paravirt_patch_site {u8 *instr; u8 type; u8 len;} (8-aligned: _paravirt_alt emits _ASM_ALIGN; _ASM_PTR; .byte; .byte; .short; _ASM_ALIGN)' },
  { name: '_kprobe_blacklist', recordSize: 8, codeFieldOffset: 0, source: 'include/asm-generic/kprobes.h NOKPROBE_SYMBOL: unsigned long _kbl_addr_fn = (unsigned long)fn' },
  { name: '.printk_index', recordSize: 48, source: 'include/linux/printk.h struct pi_entry {fmt, func, file; unsigned int line; level, subsys_fmt_prefix} = 48 (PRINTK_INDEX, not set in Debian 6.1); no code field' },
  { name: '__dyndbg', recordSize: 56, source: 'include/linux/dynamic_debug.h struct _ddebug {4 pointers; 32 bits of bit fields; union {static_key_true/false} (16 with JUMP_LABEL)} __aligned(8) = 56; no code field (pair by function and format)' },
  { name: '__tracepoints_ptrs', recordSize: 4, source: 'include/linux/tracepoint.h __TRACEPOINT_ENTRY (HAVE_ARCH_PREL32_RELOCATIONS): .long __tracepoint_x - .; points at data' },
  ...X86_64_DISCARD,
];

const MCOUNT_LOC: SpecialSectionLayout = { name: '__mcount_loc', recordSize: 8, codeFieldOffset: 0, source: 'gcc -mrecord-mcount: one unsigned long per call site' };
const PATCHABLE: SpecialSectionLayout = { name: '__patchable_function_entries', recordSize: 8, codeFieldOffset: 0, source: 'gcc -fpatchable-function-entry: .quad .LPFE (one section per function, SHF_LINK_ORDER)' };
const BUG_RELATIVE: SpecialSectionLayout = { name: '__bug_table', recordSize: 12, codeFieldOffset: 0, source: 'include/asm-generic/bug.h struct bug_entry with GENERIC_BUG_RELATIVE_POINTERS and DEBUG_BUGVERBOSE: s32, s32, u16, u16' };
const JUMP_RELATIVE: SpecialSectionLayout = { name: '__jump_table', recordSize: 16, codeFieldOffset: 0, source: 'include/linux/jump_label.h struct jump_entry {s32 code; s32 target; long key;} (HAVE_ARCH_JUMP_LABEL_RELATIVE)' };

export const AARCH64_SPECIAL_SECTIONS: SpecialSectionLayout[] = [
  { ...BUG_RELATIVE, source: `${BUG_RELATIVE.source}; arch/arm64/include/asm/asm-bug.h: .long 14471f - .; .long file - .; .short line; .short flags; .align 2` },
  { ...JUMP_RELATIVE, source: `${JUMP_RELATIVE.source}; arch/arm64/include/asm/jump_label.h: .long 1b - ., l_yes - .; .quad key - .` },
  { name: '__ex_table', recordSize: 12, codeFieldOffset: 0, source: 'arch/arm64/include/asm/extable.h struct exception_table_entry {int insn, fixup; short type, data;}' },
  {
    name: '.altinstructions', recordSize: 12, codeFieldOffset: 0, replacement: { fieldOffset: 4, lengthOffset: 11 },
    source: 'arch/arm64/include/asm/alternative-macros.h ALTINSTR_ENTRY: .word 661b - .; .word 663f - .; .hword feature; .byte 662b-661b; .byte 664f-663f',
  },
  PATCHABLE,
  MCOUNT_LOC,
];

export const PPC64_SPECIAL_SECTIONS: SpecialSectionLayout[] = [
  { ...BUG_RELATIVE, source: `${BUG_RELATIVE.source}; arch/powerpc/include/asm/bug.h: .4byte 1b - .; .4byte file - .; .short line, flags; .org 2b+sizeof(struct bug_entry)` },
  { ...JUMP_RELATIVE, source: `${JUMP_RELATIVE.source}; arch/powerpc/include/asm/jump_label.h: .long 1b - ., l_yes - .; .8byte key - .` },
  { name: '__ex_table', recordSize: 8, codeFieldOffset: 0, source: 'arch/powerpc/include/asm/extable.h struct exception_table_entry {int insn; int fixup;}' },
  MCOUNT_LOC,
  PATCHABLE,
];

export const S390X_SPECIAL_SECTIONS: SpecialSectionLayout[] = [
  { ...BUG_RELATIVE, source: `${BUG_RELATIVE.source}; arch/s390/include/asm/bug.h: .long 0b-.; .long 1b-.; .short line, flags; section "awM" with entsize sizeof(struct bug_entry)` },
  { ...JUMP_RELATIVE, source: `${JUMP_RELATIVE.source}; arch/s390/include/asm/jump_label.h: .long 0b-., label-.; .quad key+branch-.` },
  { name: '__ex_table', recordSize: 12, codeFieldOffset: 0, source: 'arch/s390/include/asm/extable.h struct exception_table_entry {int insn, fixup; short type, data;}' },
  MCOUNT_LOC,
  PATCHABLE,
];

export const LOONGARCH_SPECIAL_SECTIONS: SpecialSectionLayout[] = [
  { ...BUG_RELATIVE, source: `${BUG_RELATIVE.source}; arch/loongarch/Kconfig selects GENERIC_BUG_RELATIVE_POINTERS (untested: no cross compiler in Debian 12)` },
  PATCHABLE,
  MCOUNT_LOC,
];

const BY_MACHINE = new Map<number, SpecialSectionLayout[]>([
  [EM.X86_64, X86_64_SPECIAL_SECTIONS],
  [EM.AARCH64, AARCH64_SPECIAL_SECTIONS],
  [EM.PPC64, PPC64_SPECIAL_SECTIONS],
  [EM.S390, S390X_SPECIAL_SECTIONS],
  [EM.LOONGARCH, LOONGARCH_SPECIAL_SECTIONS],
]);

const byName = new Map<number, Map<string, SpecialSectionLayout>>();
function layoutMap(machine: number): Map<string, SpecialSectionLayout> {
  let m = byName.get(machine);
  if (!m) {
    m = new Map(specialSectionLayouts(machine).map((l) => [l.name, l]));
    byName.set(machine, m);
  }
  return m;
}

export function specialSectionLayouts(machine: number): SpecialSectionLayout[] {
  return BY_MACHINE.get(machine) ?? [MCOUNT_LOC, PATCHABLE];
}

/**
 * A known special section of this machine, or any objtool annotation section (`.discard.*`:
 * never linked, and it follows its function; unknown ones are split by inferring the record
 * size from their relocations).
 */
export function isSpecialSection(machine: number, name: string): boolean {
  return layoutMap(machine).has(name) || name.startsWith('.discard.');
}

/** Function symbols of each section, sorted by start, for offset → function lookups. */
export class FunctionIndex {
  private readonly bySection = new Map<number, Array<{ start: bigint; end: bigint; symbol: number }>>();

  constructor(private readonly obj: ElfObject) {
    for (const sym of obj.symbols) {
      if (sym.type !== STT.FUNC || sym.special || sym.shndx === 0) continue;
      let list = this.bySection.get(sym.shndx);
      if (!list) this.bySection.set(sym.shndx, (list = []));
      list.push({ start: sym.value, end: sym.value + sym.size, symbol: sym.index });
    }
    for (const list of this.bySection.values()) {
      // By start; at one address (aliases) the larger last, then the lower symbol index last,
      // so that the backward scan in covering() prefers them.
      list.sort((a, b) => (a.start !== b.start ? (a.start < b.start ? -1 : 1) : a.end !== b.end ? (a.end < b.end ? -1 : 1) : b.symbol - a.symbol));
    }
  }

  /** Functions defined in a section, sorted by start. */
  functionsIn(section: number): Array<{ start: bigint; end: bigint; symbol: number }> {
    return this.bySection.get(section) ?? [];
  }

  /**
   * The function covering `offset` of `section`. An offset exactly at a function's end with no
   * function starting there (objtool's ORC terminator after the last instruction of a section)
   * belongs to the function that ends there. With `entryPadding`, an offset in the gap before
   * a function (patchable-entry NOPs placed before the symbol, -fpatchable-function-entry=N,M
   * with M > 0) belongs to the function that follows within that many bytes.
   */
  covering(section: number, offset: bigint, entryPadding = 0n): number | undefined {
    const list = this.bySection.get(section);
    if (!list || list.length === 0) return undefined;
    // Last function with start <= offset.
    let lo = 0;
    let hi = list.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.start <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    // Functions do not overlap except for aliases and the odd symbol inside a function: the
    // covering one is among the last few that start at or before offset.
    for (let i = found; i >= 0 && i >= found - 8; i--) {
      if (offset < list[i]!.end) return list[i]!.symbol;
    }
    if (entryPadding > 0n) {
      const next = list[found + 1];
      if (next && next.start > offset && next.start - offset <= entryPadding) {
        const prev = found >= 0 ? list[found] : undefined;
        if (!prev || prev.end <= offset) return next.symbol;
      }
    }
    if (found >= 0) {
      const prev = list[found]!;
      const next = list[found + 1];
      if (prev.end === offset && prev.end > prev.start && !(next && next.start === offset)) return prev.symbol;
    }
    return undefined;
  }
}

interface LocatedTarget { sectionIndex: number; offset: bigint; symbol: number }

/** Relocations of each section, keyed by offset. */
/**
 * The relocations of a section by offset (the first listed at each), built for the sections
 * asked about only: most of an object's relocations are DWARF's, which no record holds.
 */
function relocationsByOffset(obj: ElfObject): { get(target: number): Map<bigint, ElfRelocation> | undefined } {
  const sections = new Map<number, ElfRelocationSection[]>();
  for (const rs of obj.relocations) {
    const list = sections.get(rs.target);
    if (list) list.push(rs);
    else sections.set(rs.target, [rs]);
  }
  const built = new Map<number, Map<bigint, ElfRelocation>>();
  return {
    get(target) {
      let m = built.get(target);
      const list = sections.get(target);
      if (!m && list) {
        m = new Map();
        for (const rs of list) for (const e of rs.entries) if (!m.has(e.offset)) m.set(e.offset, e);
        built.set(target, m);
      }
      return m;
    },
  };
}

/** Where a relocation points: defined symbol's section and offset (symbol value + addend + bias). */
function locate(obj: ElfObject, rel: ElfRelocation | undefined, bias: number): LocatedTarget | undefined {
  if (!rel) return undefined;
  const sym = obj.symbols[rel.symbol];
  if (!sym || sym.special || sym.shndx === 0) return undefined;
  return { sectionIndex: sym.shndx, offset: sym.value + rel.addend + BigInt(bias), symbol: sym.index };
}

/** The record size of an unknown `.discard.*` section: one relocation per record at a fixed stride. */
function inferDiscardLayout(obj: ElfObject, section: ElfSection): SpecialSectionLayout | undefined {
  const rs = obj.relocations.find((r) => r.target === section.index);
  const size = Number(section.size);
  if (!rs || rs.entries.length === 0 || size === 0 || size % rs.entries.length !== 0) return undefined;
  const stride = size / rs.entries.length;
  const offsets = rs.entries.map((e) => Number(e.offset)).sort((a, b) => a - b);
  if (!offsets.every((o, i) => o === i * stride)) return undefined;
  return { name: section.name, recordSize: stride, codeFieldOffset: 0, source: 'inferred: one relocation per record' };
}

function recordSizeOf(section: ElfSection, layout: SpecialSectionLayout): number {
  return section.entsize > 0n ? Number(section.entsize) : layout.recordSize;
}

/**
 * Split every known special section of `obj` into records, each attributed to the function its
 * code field points into (via the relocation at that field: a function symbol directly, or a
 * section symbol + addend resolved to the function symbol covering that offset in that
 * section). Throws InputError when a section is not a whole number of records.
 */
export function splitSpecialSections(obj: ElfObject): SpecialSectionRecord[] {
  const machine = obj.header.machine;
  const layouts = layoutMap(machine);
  const functions = new FunctionIndex(obj);
  const relocs = relocationsByOffset(obj);
  const sectionsByName = new Map<string, ElfSection[]>();
  for (const s of obj.sections) {
    if (s.index === 0 || s.type === SHT.NOBITS || s.type === SHT.RELA || s.type === SHT.REL) continue;
    let list = sectionsByName.get(s.name);
    if (!list) sectionsByName.set(s.name, (list = []));
    list.push(s);
  }

  const records: SpecialSectionRecord[] = [];
  for (const section of obj.sections) {
    if (section.index === 0 || section.type === SHT.RELA || section.type === SHT.REL || section.type === SHT.NOBITS) continue;
    let layout = layouts.get(section.name);
    if (!layout && section.name.startsWith('.discard.')) layout = inferDiscardLayout(obj, section);
    if (!layout) continue;
    const recordSize = recordSizeOf(section, layout);
    const size = Number(section.size);
    if (recordSize <= 0 || size % recordSize !== 0) {
      throw new InputError(
        `special section ${section.name} [${section.index}]: size ${size} is not a multiple of its record size ${recordSize} (${layout.source})`,
        'the object was built with a kernel configuration whose record layout this tool does not know',
      );
    }

    // The section holding the code field: this one, or (for .orc_unwind) its pair.
    let codeSection: ElfSection | undefined = section;
    let codeRecordSize = recordSize;
    let codeLayout = layout;
    if (layout.codeInPair && layout.pair) {
      const pairs = sectionsByName.get(layout.pair) ?? [];
      const pairLayout = layouts.get(layout.pair);
      codeSection = pairs.length === 1 ? pairs[0] : undefined;
      if (codeSection && pairLayout) {
        codeRecordSize = recordSizeOf(codeSection, pairLayout);
        codeLayout = pairLayout;
        if (Number(codeSection.size) / codeRecordSize !== size / recordSize) {
          throw new InputError(`special sections ${section.name} and ${layout.pair}: ${size / recordSize} and ${Number(codeSection.size) / codeRecordSize} records; they must correspond one to one`);
        }
      } else {
        codeSection = undefined;
      }
    }
    const codeRelocs = codeSection ? relocs.get(codeSection.index) : undefined;
    const ownRelocs = relocs.get(section.index);
    const entryPadding = section.name === '__patchable_function_entries' ? 64n : 0n;

    for (let i = 0, offset = 0; offset < size; i++, offset += recordSize) {
      const record: SpecialSectionRecord = { section: section.name, sectionIndex: section.index, index: i, offset, size: recordSize };
      if (codeLayout.codeFieldOffset !== undefined && codeSection) {
        const at = BigInt(i * codeRecordSize + codeLayout.codeFieldOffset);
        const target = locate(obj, codeRelocs?.get(at), codeLayout.pcBias ?? 0);
        if (target) {
          record.target = { sectionIndex: target.sectionIndex, offset: Number(target.offset) };
          const fn = functions.covering(target.sectionIndex, target.offset, entryPadding);
          if (fn !== undefined) {
            record.functionSymbol = fn;
            record.function = obj.symbols[fn]!.name;
          }
        }
      }
      if (layout.replacement) {
        const repl = locate(obj, ownRelocs?.get(BigInt(offset + layout.replacement.fieldOffset)), 0);
        if (repl) {
          record.replacement = { sectionIndex: repl.sectionIndex, offset: Number(repl.offset), size: section.data[offset + layout.replacement.lengthOffset] ?? 0 };
        }
      }
      records.push(record);
    }
  }
  return records;
}

/** Relocation types of a call to the fentry/mcount hook, per machine, and where the call may sit. */
const FENTRY_CALLS = new Map<number, { hooks: Set<string>; offsets: bigint[] }>([
  // call __fentry__ (e8 rel32): the relocation at 1, or at 5 after endbr64 (IBT).
  [EM.X86_64, { hooks: new Set(['__fentry__']), offsets: [1n, 5n] }],
  // -mprofile-kernel: [addis r2,r12; addi r2,r2 (global entry)] mflr r0; [std r0,16(r1)]; bl _mcount
  [EM.PPC64, { hooks: new Set(['_mcount']), offsets: [4n, 8n, 12n, 16n] }],
  // -mfentry without -mnop-mcount: brasl %r0,__fentry__ (relocation at 2).
  [EM.S390, { hooks: new Set(['__fentry__']), offsets: [2n] }],
]);

/**
 * Functions that have an fentry / patchable entry, so the livepatch core can redirect them:
 * those named by `__mcount_loc` (x86_64 -mrecord-mcount, ppc64le -mprofile-kernel, s390x
 * -mfentry -mnop-mcount) or `__patchable_function_entries` (aarch64, loongarch) records. An
 * object with neither section (built without -mrecord-mcount) falls back to finding the call
 * to the hook at the function's first instruction (x86_64: `call __fentry__` at 0, or at 4
 * after endbr64; ppc64le: `bl _mcount` in the -mprofile-kernel prologue; s390x: `brasl
 * __fentry__` at 0). When the records exist they are the truth: ftrace patches only
 * recorded sites. Returns function symbol indices.
 */
export function tracedFunctions(obj: ElfObject): Set<number> {
  const traced = new Set<number>();
  const layouts = layoutMap(obj.header.machine);
  let sawRecords = false;
  const relevant = obj.sections.filter((s) => s.name === '__mcount_loc' || s.name === '__patchable_function_entries');
  if (relevant.length > 0) {
    sawRecords = true;
    // Split only these sections (cheap); reuse the general splitter on a filtered view.
    const view: ElfObject = { ...obj, relocations: obj.relocations.filter((r) => relevant.some((s) => s.index === r.target)) };
    const functions = new FunctionIndex(obj);
    const relocs = relocationsByOffset(view);
    for (const section of relevant) {
      const layout = layouts.get(section.name) ?? (section.name === '__mcount_loc' ? MCOUNT_LOC : PATCHABLE);
      const recordSize = recordSizeOf(section, layout);
      const own = relocs.get(section.index);
      const padding = section.name === '__patchable_function_entries' ? 64n : 0n;
      for (let offset = 0; offset + recordSize <= Number(section.size); offset += recordSize) {
        const target = locate(obj, own?.get(BigInt(offset)), 0);
        if (!target) continue;
        const fn = functions.covering(target.sectionIndex, target.offset, padding);
        if (fn !== undefined) traced.add(fn);
      }
    }
  }
  if (sawRecords) return traced;

  const calls = FENTRY_CALLS.get(obj.header.machine);
  if (!calls) return traced;
  const functions = new FunctionIndex(obj);
  for (const rs of obj.relocations) {
    const target = obj.sections[rs.target];
    if (!target || (target.flags & SHF.EXECINSTR) === 0n) continue;
    for (const e of rs.entries) {
      const sym = obj.symbols[e.symbol];
      if (!sym || !calls.hooks.has(sym.name)) continue;
      const fn = functions.covering(rs.target, e.offset);
      if (fn === undefined) continue;
      const start = obj.symbols[fn]!.value;
      if (calls.offsets.some((d) => start + d === e.offset)) traced.add(fn);
    }
  }
  return traced;
}
