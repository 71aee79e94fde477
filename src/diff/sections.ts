// Which sections the differ understands. Anything else that differs between the builds is
// reported by name rather than guessed at.

const KNOWN: RegExp[] = [
  /^$/, /^\.text(\.|$)/, /^\.(sched|noinstr|cpuidle|ref|irqentry|softirqentry|kprobes|entry|spinlock|lock|head|meminit|devinit)\.text/,
  /^\.(init|exit)\./, /^\.(data|bss|rodata|tdata|tbss|sdata|sbss|lrodata|ldata|lbss)(\.|$)/, /^\.data\.\./, /^\.(ro)?data\.rel/,
  /^\.debug_/, /^\.comment$/, /^\.note/, /^\.eh_frame/, /^\.rela?[._]/, /^\.(sym|str|shstr)tab$/, /^\.symtab_shndx$/, /^\.group$/,
  /^\.discard/, /^_{2,3}ksymtab/, /^__kcrctab/, /^\.modinfo$/, /^__param$/, /^__modver$/, /^\.gnu\./, /^\.toc/, /^\.opd$/,
  /^\.altinstr/, /^__dyndbg/, /^\.printk_index$/, /^__tracepoint/, /^_ftrace_/, /^__bpf_raw_tp_map$/, /^\.static_call/,
  /^_kprobe_blacklist$/, /^__jump_table$/, /^__bug_table$/, /^__ex_table$/, /^\.orc_/, /^__mcount_loc$/,
  /^__patchable_function_entries$/, /^\.smp_locks$/, /^\.parainstructions$/, /^\.retpoline_sites$/, /^\.return_sites$/,
  /^\.call_sites$/, /^\.ibt_endbr_seal$/, /^\.initcall/, /^\.con_initcall/, /^__(tracepoints|bpf)/, /^\.export_symbol/,
  /^\.ARM\./, /^\.init_array/, /^\.fini_array/, /^__ex_table/, /^\.fixup$/, /^\.noinstr/, /^\.rodata\.str/, /^\.rodata\.cst/,
  /^\.note\.GNU-stack$/, /^__setup/, /^__earlycon/, /^\.security_initcall/, /^\.lsm_info/, /^\.x86_cpu_dev/, /^\.apicdrivers/,
  /^\.kunit/, /^\.BTF/, /^\.llvm/, /^\.tm_clone_table$/, /^\.got/, /^\.plt/, /^\.branch_lt/, /^\.patchable/, /^\.cranges/,
];

// One alternation, compiled once: a kernel object has thousands of sections, each tested.
const KNOWN_ANY = new RegExp(KNOWN.map((re) => `(?:${re.source})`).join('|'));

export function isKnownSection(name: string): boolean {
  // Nearly every section of a -ffunction-sections object is one of these: answered without the
  // alternation, which V8 runs interpreted until it has been used a while.
  if (name.startsWith('.text.') || name.startsWith('.rela.') || name.startsWith('.debug_') || name.startsWith('.rodata.') || name.startsWith('.data.') || name.startsWith('.bss.')) return true;
  return KNOWN_ANY.test(name);
}

export function isInitSection(name: string): boolean {
  return /^\.(init|exit)\.(text|data|rodata|setup)/.test(name) || name.startsWith('.init.') || name.startsWith('.exit.');
}

export function isDebugOrMetadata(name: string): boolean {
  return /^\.(debug_|comment$|note|eh_frame|rela?\.|symtab|strtab|shstrtab|group$|discard|BTF|llvm)/.test(name);
}

/**
 * The exported symbol an export-table section or symbol names: kernel 6.1 puts each entry in
 * `___ksymtab+<sym>` / `___ksymtab_gpl+<sym>` (three underscores) with a symbol
 * `__ksymtab_<sym>`; older kernels use `__ksymtab` / `__ksymtab_gpl` sections, newer ones
 * `.export_symbol` with `__export_symbol_<sym>`.
 */
export function exportedName(name: string, what: 'section' | 'symbol'): string | undefined {
  const m = what === 'section'
    ? /^___ksymtab(?:_gpl|_unused|_unused_gpl)?\+(.+)$/.exec(name)
    : /^__(?:ksymtab|export_symbol)_(.+)$/.exec(name);
  if (!m) return undefined;
  // `__ksymtab_strings` is the string table of all entries, not an entry.
  return m[1] === 'strings' ? undefined : m[1];
}

/**
 * Sections whose SHF_WRITE flag is set only so the dynamic linker could apply relocations:
 * `.data.rel.ro*` (const data holding pointers in position-independent code, as s390x's PIE
 * kernel does) is read-only once the kernel is relocated, so it is classified as read-only data.
 */
export function isRelRo(name: string): boolean {
  return /^\.data\.rel\.ro(\.|$)/.test(name);
}
