// Every finding kind the source analysis emits: its severity, a one-line title (SARIF rule
// short description), what it means and the usual remedy. docs/lint.md documents the same
// table; a unit test keeps the two in step.

export type Severity = 'block' | 'care' | 'review' | 'info';

export interface KindInfo {
  severity: Severity;
  title: string;
  /** Why it matters for a live patch. */
  help: string;
  remedy: string | null;
}

const SHADOW = 'keep the old layout: add the state in a shadow variable (klp_shadow_alloc/klp_shadow_get keyed by the object) instead of a new member';

export const KINDS = {
  // Layout: a live patch cannot reshape data already in memory.
  'struct-member-added': { severity: 'block', title: 'struct/union member added', help: 'Objects already allocated by the running kernel have the old layout; code compiled for the new layout reads and writes past or into other members.', remedy: SHADOW },
  'struct-member-removed': { severity: 'block', title: 'struct/union member removed', help: 'Removing a member shifts every member after it; unpatched code still uses the old offsets.', remedy: 'leave the member in place (unused) so the layout stays the same' },
  'struct-member-reordered': { severity: 'block', title: 'struct/union members reordered', help: 'Member offsets change; unpatched code and existing objects use the old offsets.', remedy: 'keep the original member order' },
  'struct-member-renamed': { severity: 'block', title: 'struct/union member renamed', help: 'A rename with the same type keeps the layout but usually signals a change of meaning; every user must agree.', remedy: 'keep the old name; if the meaning is unchanged, waive with --allow struct-member-renamed after review' },
  'struct-member-type-changed': { severity: 'block', title: 'struct/union member type, array size or bitfield width changed', help: 'The member\'s size or representation changes, and with it the offsets of later members or the meaning of stored values.', remedy: SHADOW },
  'struct-attribute-changed': { severity: 'block', title: 'layout attribute changed (__packed, __aligned, __randomize_layout)', help: 'Packing, alignment and layout randomisation decide every member offset.', remedy: 'keep the original attributes' },
  'struct-changed': { severity: 'block', title: 'struct/union body changed', help: 'The body changed in a way the analysis could not classify member by member (macros); treat it as a layout change.', remedy: 'keep the struct unchanged, or confirm with `check` that the compiled layout is identical' },
  'typedef-changed': { severity: 'block', title: 'typedef changed', help: 'Every object of the type changes its representation.', remedy: 'keep the typedef; introduce a new type for new code' },
  'data-type-changed': { severity: 'block', title: 'type of existing global data changed', help: 'The running kernel\'s object keeps its old size and type; patched code would use it with the new one.', remedy: 'keep the type; add new state in a new variable or a shadow variable' },
  // Semantics: the meaning of data.
  'enum-value-added': { severity: 'block', title: 'new enumerator', help: 'A new value that can be stored in data: unpatched code (and data written before the patch) does not know it.', remedy: 'if the value is never stored where unpatched code reads it, waive with --allow enum-value-added after review' },
  'enum-value-removed': { severity: 'block', title: 'enumerator removed', help: 'Existing data may still hold the removed value.', remedy: 'keep the enumerator' },
  'enum-renumbered': { severity: 'block', title: 'enumerator value changed', help: 'Values already stored in data and compiled into unpatched code keep the old numbers.', remedy: 'append new enumerators after the existing ones (and after any __MAX/NR_ sentinel used for sizes), never renumber' },
  'constant-changed': { severity: 'block', title: '#define constant changed', help: 'A constant that is stored in data or compared against data (a flag, a limit, a state) changes meaning; unpatched code keeps the old value.', remedy: 'keep the old value; if the constant is used only inside the patched functions, waive with --allow constant-changed after review' },
  'constant-added': { severity: 'block', title: 'new flag or value in an existing family of constants', help: 'A new bit or value in a flags/state field: existing data and unpatched code do not know it.', remedy: 'if the new value is only ever seen by patched code, waive with --allow constant-added after review; otherwise use a shadow variable' },
  'data-initializer-changed': { severity: 'block', title: 'initial value of existing global or static data changed', help: 'The running kernel initialised this data long ago; a live patch does not re-run initialisers.', remedy: 'change the value at patch time with a klp pre-patch callback (and restore it in the post-unpatch callback)' },
  'ops-table-changed': { severity: 'block', title: 'operations table changed', help: 'The running kernel registered the old table; a new copy in the patch module is never used.', remedy: 'patch the functions the table points to instead of the table' },
  'const-data-changed': { severity: 'care', title: 'read-only data changed', help: 'A changed const object can be carried as a new copy when only replaced functions use it; an unchanged function or data that points at it keeps the old copy.', remedy: 'check that every user of the object is replaced by the patch' },
  'static-local-changed': { severity: 'block', title: 'static local variable changed', help: 'A static local is data that already exists; its initialiser or type cannot change.', remedy: 'keep the static local as it was; the patched function must keep referring to the original (the object stage resolves it as a klp relocation)' },
  'signature-changed': { severity: 'block', title: 'function signature changed', help: 'Callers compiled against the old prototype (other TUs, modules) pass the old arguments and expect the old return type.', remedy: 'keep the signature; add a new function with the new signature and call it from the patched callers' },
  'export-added': { severity: 'block', title: 'new EXPORT_SYMBOL', help: 'A live patch cannot add __ksymtab entries to the running kernel.', remedy: 'call the function from patched code without exporting it' },
  'export-changed': { severity: 'block', title: 'EXPORT_SYMBOL removed or changed', help: 'Modules already loaded resolved the old export.', remedy: 'keep the export as it is' },
  // Cannot be patched by replacing functions.
  'init-code-changed': { severity: 'block', title: '__init/__exit code or data changed', help: 'Init code has run and been freed; exit code of built-in code never runs; a patch cannot change either.', remedy: 'apply the fix to the running state with a klp pre-patch callback, or reboot' },
  'untraceable-function': { severity: 'block', title: 'notrace/noinstr function changed', help: 'Live patching redirects a function through its ftrace (fentry) call; a notrace or noinstr function has none.', remedy: 'patch its traced callers instead (run `check`: the object stage can carry it and replace its callers)' },
  'build-system-changed': { severity: 'block', title: 'Makefile, Kconfig or linker script changed', help: 'Build-system changes alter what is built or how it is linked; a live patch only replaces functions.', remedy: 'leave the build system unchanged' },
  'assembly-changed': { severity: 'block', title: 'assembly source changed', help: 'Functions written in assembly have no fentry call and are not redirectable.', remedy: 'patch the C callers instead' },
  // Patchable, with care.
  'header-inline-changed': { severity: 'care', title: 'inline function in a header changed', help: 'Every TU that includes the header and uses the function must be rebuilt; each function it was inlined into is replaced.', remedy: 'expect many changed functions; `check` lists them' },
  'macro-changed': { severity: 'care', title: 'function-like or expression macro changed', help: 'Every use of the macro changes; in a header, that reaches every including TU.', remedy: 'prefer changing the code at its users; `check` lists the functions that change' },
  'inline-asm': { severity: 'care', title: 'changed function contains inline assembly', help: 'Patchable; alternatives, exception-table and jump-table entries it creates must be carried with the function.', remedy: null },
  'syscall-changed': { severity: 'care', title: 'SYSCALL_DEFINE body changed', help: 'Patchable through the generated functions (__se_sys_*, __do_sys_*, __x64_sys_*).', remedy: null },
  'always-on-stack': { severity: 'care', title: 'function that is practically always on some task\'s stack', help: 'The consistency model waits until no task is inside a replaced function; for the scheduler, idle loops and long-sleeping kthread loops that may never happen.', remedy: 'patch a callee or caller instead, or force the transition after review' },
  'signature-changed-static': { severity: 'care', title: 'static function signature changed', help: 'All callers are in this file and change with it; each caller is replaced too.', remedy: null },
  'lock-added': { severity: 'care', title: 'new lock', help: 'A new lock in the patch does not exclude the old code during the transition, and its state is lost on unload or --replace.', remedy: 'keep using the existing lock if the old code must be excluded' },
  'function-removed': { severity: 'care', title: 'global function removed', help: 'Other TUs or modules may still call it; the running kernel keeps it.', remedy: null },
  'preproc-condition-changed': { severity: 'care', title: 'preprocessor condition around code changed', help: 'Whether code is compiled depends on the configuration; `check` tells what this config builds.', remedy: null },
  // Review aids.
  'fields-written': { severity: 'review', title: 'changed code writes existing struct fields', help: 'A change of protocol (units, ownership, which lock protects a field) leaves no trace in declarations: check that unpatched code still agrees.', remedy: null },
  'locking-changed': { severity: 'review', title: 'locks or reference counts taken/dropped changed', help: 'During the transition old and new code run side by side: both must follow the same locking and refcounting rules.', remedy: null },
  'unparsed-change': { severity: 'review', title: 'change in code the parser could not read', help: 'Macros hid the structure of this region; it was compared as text only.', remedy: 'read it by hand, or run `check` to see what the compiler makes of it' },
  'other-file-changed': { severity: 'review', title: 'non-C file changed', help: 'Not analysed by lint.', remedy: null },
  // Safe at the source level.
  'function-changed': { severity: 'info', title: 'function body changed', help: 'Replaced by the live patch.', remedy: null },
  'function-added': { severity: 'info', title: 'new function', help: 'Carried in the patch module.', remedy: null },
  'data-added': { severity: 'info', title: 'new global or static data', help: 'Gets fresh storage in the patch module; its state is lost on unload or --replace.', remedy: null },
  'static-local-added': { severity: 'info', title: 'new static local variable', help: 'New data in the patch module.', remedy: null },
  'type-added': { severity: 'info', title: 'new type', help: 'New types do not change existing data.', remedy: null },
  'define-added': { severity: 'info', title: 'new #define', help: 'A new macro used by patched code.', remedy: null },
  'removed-declaration': { severity: 'info', title: 'declaration removed', help: 'The running kernel keeps its copy; nothing to patch.', remedy: null },
  'not-kernel-code': { severity: 'info', title: 'documentation, tools or scripts changed', help: 'Not part of the running kernel.', remedy: null },
} as const satisfies Record<string, KindInfo>;

export type FindingKind = keyof typeof KINDS;

export function kindInfo(kind: FindingKind): KindInfo {
  return KINDS[kind];
}
