// Every finding kind the report can carry, with its title, why it matters and the remedy:
// the source kinds of `lint` (src/source/kinds.ts) and the object problems of `check`
// (the differ, src/diff). SARIF rules, the Markdown summary and docs/report.md use this table.
import { KINDS as SOURCE_KINDS } from '../source/kinds.js';
import type { Severity } from './model.js';

export interface RuleInfo {
  severity: Severity;
  title: string;
  help: string;
  remedy: string | null;
}

/** Object problems (src/diff ProblemKind) and check's own kinds. */
export const OBJECT_KINDS = {
  'changed-data': {
    severity: 'block', title: 'existing data changed in the object',
    help: 'The running kernel initialised this data long ago; a live patch replaces functions, it does not re-run initialisers or resize data.',
    remedy: 'fix the running value at patch time with a klp pre-patch callback (and restore it in the post-unpatch callback), or keep the data as it was and put new state in a shadow variable (klp_shadow_alloc/klp_shadow_get)',
  },
  'changed-bss-size': {
    severity: 'block', title: 'size of existing zero-initialised data changed',
    help: 'The running kernel allocated the old size; code compiled for the new size reads and writes past it.',
    remedy: 'keep the data at its old size and put the new state in a shadow variable (klp_shadow_alloc/klp_shadow_get)',
  },
  'changed-init': {
    severity: 'block', title: '__init/__exit code or data changed in the object',
    help: 'Init code has run and been freed; the exit code of built-in code never runs: there is nothing to patch at run time.',
    remedy: 'nothing to patch at run time: move the logic into code that runs after boot (a function the patch replaces), or apply the fix to the running state in a klp pre-patch callback',
  },
  'changed-rodata-shared': {
    severity: 'block', title: 'read-only data shared with unchanged code changed',
    help: 'Unchanged code or data still points at the running copy; a changed copy in the patch module is seen only by replaced functions.',
    remedy: 'add a new copy under a new name, used by the replaced functions, and switch any pointers to it in a klp pre-patch callback (back in the post-unpatch callback)',
  },
  'unknown-section': {
    severity: 'block', title: 'change in a section the differ does not know',
    help: 'The differ cannot tell how to carry this section into a live patch.',
    remedy: 'report it (with the patch and the section name) so the section can be supported',
  },
  'new-export': {
    severity: 'block', title: 'new exported symbol in the object',
    help: 'A live patch cannot add __ksymtab entries to the running kernel.',
    remedy: 'keep the export out of the live patch: call the function from patched code without exporting it',
  },
  'not-traceable': {
    severity: 'block', title: 'changed function without fentry',
    help: 'Live patching redirects a function through its ftrace (fentry) call; this one has none and its callers cannot stand in for it.',
    remedy: 'patch a traced caller instead (move the change into a function with fentry, or mark the helper noinline and change its traced callers)',
  },
  'removed-static-local': {
    severity: 'info', title: 'static local no longer referenced',
    help: 'The patched function no longer refers to a static local of the original; the running data stays, unused by the new code.',
    remedy: 'keep a reference to the static local in the patched function if its state must carry over',
  },
  'changed-fragment-only': {
    severity: 'block', title: 'only a .cold fragment changed',
    help: 'A fragment split from its function changed without its parent; it is patched through the parent.',
    remedy: null,
  },
  'not-built': {
    severity: 'info', title: 'file not built by this configuration',
    help: 'The configuration does not compile this file: nothing in the running kernel comes from it.',
    remedy: null,
  },
} as const satisfies Record<string, RuleInfo>;

const ALL: Record<string, RuleInfo> = { ...SOURCE_KINDS, ...OBJECT_KINDS };

/** The kinds `lint` emits, in catalogue order. */
export const SOURCE_KIND_IDS: readonly string[] = Object.keys(SOURCE_KINDS);
/** Every kind: lint's, then check's object problems. */
export const ALL_KIND_IDS: readonly string[] = Object.keys(ALL);

export function ruleInfo(kind: string): RuleInfo {
  return ALL[kind] ?? { severity: 'review', title: kind, help: kind, remedy: null };
}

export function isKnownKind(kind: string): boolean {
  return Object.hasOwn(ALL, kind);
}

/** The remedy for an object problem, from the table above. */
export function objectRemedy(kind: string): string | null {
  return (OBJECT_KINDS as Record<string, RuleInfo>)[kind]?.remedy ?? null;
}
