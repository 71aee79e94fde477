// Which sections the differ understands. Anything else that differs between the builds is
// reported by name rather than guessed at.

const KNOWN: RegExp[] = [
  /^$/, /^\.text(\.|$)/, /^\.(sched|noinstr|cpuidle|ref|irqentry|softirqentry|kprobes|entry|spinlock|lock|head|meminit|devinit)\.text/,
  /^\.(init|exit)\./, /^\.(data|bss|rodata|tdata|tbss|sdata|sbss|lrodata|ldata|lbss)(\.|$)/, /^\.data\.\./, /^\.(ro)?data\.rel/,
  /^\.debug_/, /^\.comment$/, /^\.note/, /^\.eh_frame/, /^\.rela?[._]/, /^\.(sym|str|shstr)tab$/, /^\.symtab_shndx$/, /^\.group$/,
  /^\.discard/, /^__ksymtab/, /^__kcrctab/, /^\.modinfo$/, /^__param$/, /^__modver$/, /^\.gnu\./, /^\.toc/, /^\.opd$/,
  /^\.altinstr/, /^__dyndbg/, /^\.printk_index$/, /^__tracepoint/, /^_ftrace_/, /^__bpf_raw_tp_map$/, /^\.static_call/,
  /^_kprobe_blacklist$/, /^__jump_table$/, /^__bug_table$/, /^__ex_table$/, /^\.orc_/, /^__mcount_loc$/,
  /^__patchable_function_entries$/, /^\.smp_locks$/, /^\.parainstructions$/, /^\.retpoline_sites$/, /^\.return_sites$/,
  /^\.call_sites$/, /^\.ibt_endbr_seal$/, /^\.initcall/, /^\.con_initcall/, /^__(tracepoints|bpf)/, /^\.export_symbol/,
  /^\.ARM\./, /^\.init_array/, /^\.fini_array/, /^__ex_table/, /^\.fixup$/, /^\.noinstr/, /^\.rodata\.str/, /^\.rodata\.cst/,
  /^\.note\.GNU-stack$/, /^__setup/, /^__earlycon/, /^\.security_initcall/, /^\.lsm_info/, /^\.x86_cpu_dev/, /^\.apicdrivers/,
  /^\.kunit/, /^\.BTF/, /^\.llvm/, /^\.tm_clone_table$/, /^\.got/, /^\.plt/, /^\.branch_lt/, /^\.patchable/, /^\.cranges/,
];

export function isKnownSection(name: string): boolean {
  return KNOWN.some((re) => re.test(name));
}

export function isInitSection(name: string): boolean {
  return /^\.(init|exit)\.(text|data|rodata|setup)/.test(name) || name.startsWith('.init.') || name.startsWith('.exit.');
}

export function isDebugOrMetadata(name: string): boolean {
  return /^\.(debug_|comment$|note|eh_frame|rela?\.|symtab|strtab|shstrtab|group$|discard|BTF|llvm)/.test(name);
}
