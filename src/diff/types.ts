// Plain data crossing the diff stage's boundary. The differ pairs two builds of one
// translation unit (original, patched) and says what a live patch must replace or add.

/** A function or data object as the differ sees it: one symbol and the bytes it spans. */
export interface Entity {
  kind: 'function' | 'data';
  /** Symbol name as in its object (`foo.isra.3`, `count.123`). */
  name: string;
  /** Index of the symbol in its object. */
  symbol: number;
  section: string;
  sectionIndex: number;
  /** Offset and size within the section (a shared section such as .sched.text holds several). */
  offset: bigint;
  size: bigint;
  bind: 'local' | 'global' | 'weak';
}

export type FunctionStatus = 'changed' | 'new' | 'removed';
export type FunctionCause = 'edited' | 'inlined' | 'reference' | 'line-numbers';

export interface FunctionResult {
  name: string;
  /** Name in the other object when it differs (a renumbered clone: foo.isra.3 ↔ foo.isra.7). */
  patchedName?: string;
  status: FunctionStatus;
  section: string;
  bind: 'local' | 'global' | 'weak';
  /** For changed functions: why, as far as the objects tell. */
  cause?: FunctionCause;
  /** Changed callees inlined into this function (from DWARF), nearest first. */
  callees?: string[];
  /** `.cold` fragments that belong to this function. */
  fragments?: string[];
  /** First differing byte offset within the function, or the first differing relocation. */
  firstDifference?: { offset: number; what: string };
  /** Has an fentry / patchable entry, so the livepatch core can redirect it. */
  patchable: boolean;
  /**
   * For a changed function without fentry (an out-of-line `static inline`, such as a
   * SYSCALL_DEFINE body `__do_sys_*`): the traced callers the patch replaces instead, which
   * call the new copy. Such a function is carried in the patch but not listed in `changed`.
   */
  replacedVia?: string[];
}

export type ProblemKind =
  | 'changed-data'
  | 'changed-bss-size'
  | 'changed-init'
  | 'changed-rodata-shared'
  | 'unknown-section'
  | 'new-export'
  | 'not-traceable'
  | 'removed-static-local'
  | 'changed-fragment-only';

export interface Problem {
  kind: ProblemKind;
  /** `block` makes the verdict not-patchable; `info` is reported for a person to read. */
  severity?: 'block' | 'info';
  section?: string;
  symbol?: string;
  message: string;
}

export interface DataResult {
  name: string;
  section: string;
  status: 'changed' | 'new' | 'removed';
  /** Read-only data carried as a new copy with the functions that use it. */
  carried?: boolean;
}

/** A special-section record that points into a function the patch includes. */
export interface SpecialRecord {
  section: string;
  /** Record index within the section. */
  index: number;
  offset: number;
  size: number;
  function: string;
}

export type Verdict = 'patchable' | 'not-patchable' | 'no-change';

export interface ObjectDiff {
  verdict: Verdict;
  machine: string;
  changed: string[];
  new: string[];
  removed: string[];
  inlined: Array<{ function: string; callees: string[] }>;
  data: DataResult[];
  problems: Problem[];
  functions: FunctionResult[];
  /** Special-section records that belong to changed and new functions (patched object). */
  specialRecords: SpecialRecord[];
}
