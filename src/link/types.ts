// The link stage's output: the patch object and what the module stage needs to register it.

/** A reference the kernel resolves at patch time: `.klp.sym.<object>.<name>,<sympos>`. */
export interface KlpPlaceholder {
  /** N of the placeholder symbol `__cdm_klp_<N>` in the patch object. */
  index: number;
  name: string;
  object: string;
  sympos: number;
  type: 'FUNC' | 'OBJECT' | 'NOTYPE';
}

/** One klp_func: the running function `old_name` is redirected to `new_symbol` of the patch. */
export interface KlpFunction {
  old_name: string;
  new_symbol: string;
  old_sympos: number;
  object: string;
}

export interface PatchPlan {
  placeholders: KlpPlaceholder[];
  functions: KlpFunction[];
  /** Reasons the module must not be removed unless its user says so; empty when it may. */
  hazards: UnloadHazard[];
  /** Symbol namespaces of the exports the patch uses (EXPORT_SYMBOL_NS): the module imports them. */
  namespaces: string[];
}

export const PLACEHOLDER_PREFIX = '__cdm_klp_';
export const PLACEHOLDER_SECTION = '.cdm.klp';

/** Why removing the module could break the running kernel or lose state (see hazards.ts). */
export interface UnloadHazard {
  kind: 'address-escapes' | 'cold-fragment' | 'new-state';
  /** The function or data object concerned. */
  subject: string;
  message: string;
}
