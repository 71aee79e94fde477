// Which special-section records travel with the included functions, and what their fields may
// point at in the running kernel.
//
// Order of a module load (kernel/module/main.c, 6.1): relocations (including the patch's
// `.klp.rela.vmlinux.*`, applied early since 5.8), then module_finalize (alternatives,
// paravirt sites, retpoline and return sites, ORC, .smp_locks), then the COMING notifiers
// (jump labels, static calls, ftrace's __mcount_loc). A livepatch relocation against a
// *module* is applied only when that module loads, possibly much later, so a record the
// loader reads at patch load must not depend on one.
import { NotPatchableError } from '../common/errors.js';
import type { SpecialSectionRecord } from '../diff/special-sections.js';
import type { CompactedSections } from './pieces.js';

/** Record sections whose records of included functions are carried. */
const CARRIED_RECORDS = new Set([
  '__bug_table', '__ex_table', '.smp_locks', '.static_call_sites', '__jump_table', '.altinstructions', '.altinstr_aux',
  '.parainstructions', '.orc_unwind_ip', '.orc_unwind', '.retpoline_sites', '.return_sites', '__mcount_loc',
]);

/**
 * Sections cut into pieces: the carried records, the replacement code of carried alternatives,
 * and dynamic-debug descriptors (a patched function's pr_debug gets its own descriptor, listed
 * under the patch module in the dynamic_debug control file).
 */
const COMPACTED = new Set([...CARRIED_RECORDS, '.altinstr_replacement', '__dyndbg']);

/** Read by the loader when the patch loads: every field must resolve at load time. */
const READ_AT_LOAD = new Set(['__jump_table', '.altinstructions', '.altinstr_replacement', '.altinstr_aux', '.parainstructions', '.static_call_sites', '__dyndbg']);

export function isCompacted(sectionName: string): boolean {
  return COMPACTED.has(sectionName);
}

/** The pieces the included functions bring along: their records and alternatives' replacements. */
export function carryRecords(records: SpecialSectionRecord[], included: Set<string>, pieces: CompactedSections): void {
  for (const r of records) {
    if (r.function === undefined || !included.has(r.function) || !CARRIED_RECORDS.has(r.section)) continue;
    pieces.add(r.sectionIndex, r.offset, r.size);
    if (r.replacement) pieces.add(r.replacement.sectionIndex, r.replacement.offset, r.replacement.size);
  }
}

/**
 * A static call site names its key: as vmlinux code, the key itself (`__SCK__x`); a module may
 * name only an exported key, else the trampoline (`__SCT__x`), from which the kernel looks the
 * key up (objtool does the same for modules).
 */
export function recordFieldName(section: string, name: string, exported: (n: string) => boolean): string {
  if (section === '.static_call_sites' && name.startsWith('__SCK__') && !exported(name)) return `__SCT__${name.slice('__SCK__'.length)}`;
  return name;
}

/** Refuse a record field the module loader would read before its livepatch relocation is applied. */
export function checkRecordField(section: string, owner: string, name: string, object: string): void {
  if (object === 'vmlinux' || !READ_AT_LOAD.has(section)) return;
  const what = section === '__jump_table' ? 'jump-label key' : section === '.static_call_sites' ? 'static-call key' : `${section} reference`;
  throw new NotPatchableError(
    `${owner}: its ${what} ${name} lives in ${object}, which a livepatch relocation reaches only once ${object} loads; the loader reads ${section} when the patch loads, before that`,
    'this patch cannot be a live patch of the module as it stands: keep the key (or the referenced code) out of the patched function, or patch by a module update',
  );
}
