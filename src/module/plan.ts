// The side table src/link/ writes next to the patch object: which placeholder symbol stands
// for which symbol of the running kernel (a future klp relocation), and which functions the
// module replaces. Checked here once, so the registration source and the post-link step can
// trust it.
import { readFile } from 'node:fs/promises';
import { InputError } from '../common/errors.js';

export type PlaceholderType = 'OBJECT' | 'FUNC' | 'NOTYPE';

export interface KlpPlaceholder {
  /** N of the `__cdm_klp_<N>` symbol in the patch object. */
  index: number;
  /** The symbol's name in the running kernel (kallsyms name, suffixes included). */
  name: string;
  /** `vmlinux` or the name of the module that defines the symbol. */
  object: string;
  /** 1-based position among all kallsyms entries of that name in that object; 0 when unique. */
  sympos: number;
  type: PlaceholderType;
}

export interface KlpFunction {
  /** The replaced function's name in the running kernel. */
  old_name: string;
  /** The symbol in the patch object that replaces it. */
  new_symbol: string;
  old_sympos: number;
  /** `vmlinux` or the name of the module the replaced function lives in. */
  object: string;
}

/**
 * klp_object callbacks (Documentation/livepatch/callbacks.rst): names of functions defined in
 * the patch object, `int pre_patch(struct klp_object *)`, the others returning void.
 */
export interface KlpCallbacks {
  object: string;
  pre_patch?: string;
  post_patch?: string;
  pre_unpatch?: string;
  post_unpatch?: string;
}

export const CALLBACK_KINDS = ['pre_patch', 'post_patch', 'pre_unpatch', 'post_unpatch'] as const;

export interface KlpPlan {
  placeholders: KlpPlaceholder[];
  functions: KlpFunction[];
  /** At most one entry per object; the object must have replaced functions. */
  callbacks?: KlpCallbacks[];
  /**
   * Why the module must stay loaded (src/link hazards): when non-empty, the module holds a
   * reference on itself until `allow_unload` is set (at insmod or in sysfs).
   */
  pin?: string[];
  /** Symbol namespaces to import (MODULE_IMPORT_NS), for exports made with EXPORT_SYMBOL_NS. */
  namespaces?: string[];
}

/** The prefix of the placeholder symbols src/link/ emits. */
export const PLACEHOLDER_PREFIX = '__cdm_klp_';
export const PLACEHOLDER_SECTION = '.cdm.klp';

export function placeholderIndex(symbolName: string): number | undefined {
  const m = /^__cdm_klp_(0|[1-9][0-9]*)$/.exec(symbolName);
  return m ? Number(m[1]) : undefined;
}

// The kernel parses `.klp.sym.%55[^.].%511[^,],%lu` and `.klp.rela.%55[^.]`
// (kernel/livepatch/core.c): an object name is at most 55 characters without a dot, a symbol
// name at most 511 without a comma. Module names are [A-Za-z0-9_-] (kbuild turns - into _).
const OBJECT_NAME = /^[A-Za-z0-9_-]{1,55}$/;

function fail(what: string): never {
  throw new InputError(`livepatch plan: ${what}`);
}

function checkObject(object: unknown, where: string): string {
  if (typeof object !== 'string' || !OBJECT_NAME.test(object)) {
    fail(`${where}: object ${JSON.stringify(object)} is not "vmlinux" or a module name (letters, digits, _ and -, at most 55)`);
  }
  return object;
}

function checkSympos(n: unknown, where: string): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) fail(`${where}: sympos ${JSON.stringify(n)} is not a non-negative integer`);
  return n;
}

function checkSymbolName(name: unknown, where: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 511 || /[,\0\s"\\]/.test(name)) {
    fail(`${where}: symbol name ${JSON.stringify(name)} is empty, longer than 511 characters or contains a comma, quote, backslash or blank`);
  }
  return name;
}

/** Validate a plan (parsed JSON or built in memory); returns a normalised copy. */
export function checkPlan(input: unknown): KlpPlan {
  if (typeof input !== 'object' || input === null) fail('not a JSON object');
  const raw = input as { placeholders?: unknown; functions?: unknown };
  if (!Array.isArray(raw.placeholders ?? [])) fail('"placeholders" is not an array');
  if (!Array.isArray(raw.functions)) fail('"functions" is missing or not an array');
  const placeholders: KlpPlaceholder[] = [];
  const seen = new Set<number>();
  for (const [i, p] of ((raw.placeholders ?? []) as unknown[]).entries()) {
    const where = `placeholders[${i}]`;
    if (typeof p !== 'object' || p === null) fail(`${where} is not an object`);
    const e = p as Record<string, unknown>;
    if (typeof e.index !== 'number' || !Number.isSafeInteger(e.index) || e.index < 0) fail(`${where}: index ${JSON.stringify(e.index)} is not a non-negative integer`);
    if (seen.has(e.index)) fail(`${where}: index ${e.index} appears twice`);
    seen.add(e.index);
    const type = e.type ?? 'NOTYPE';
    if (type !== 'OBJECT' && type !== 'FUNC' && type !== 'NOTYPE') fail(`${where}: type ${JSON.stringify(type)} is not OBJECT, FUNC or NOTYPE`);
    placeholders.push({
      index: e.index, name: checkSymbolName(e.name, where), object: checkObject(e.object, where),
      sympos: checkSympos(e.sympos ?? 0, where), type,
    });
  }
  const functions: KlpFunction[] = [];
  const replaced = new Set<string>();
  for (const [i, f] of (raw.functions as unknown[]).entries()) {
    const where = `functions[${i}]`;
    if (typeof f !== 'object' || f === null) fail(`${where} is not an object`);
    const e = f as Record<string, unknown>;
    const fn: KlpFunction = {
      old_name: checkSymbolName(e.old_name, where), new_symbol: checkSymbolName(e.new_symbol, where),
      old_sympos: checkSympos(e.old_sympos ?? 0, where), object: checkObject(e.object, where),
    };
    const key = `${fn.object}:${fn.old_name},${fn.old_sympos}`;
    if (replaced.has(key)) fail(`${where}: ${fn.old_name} (sympos ${fn.old_sympos}) in ${fn.object} is replaced twice`);
    replaced.add(key);
    functions.push(fn);
  }
  if (functions.length === 0) fail('no functions to replace (klp_enable_patch needs at least one)');
  const raw2 = input as { callbacks?: unknown; pin?: unknown; namespaces?: unknown };
  const namespaces = raw2.namespaces === undefined ? [] : raw2.namespaces;
  if (!Array.isArray(namespaces) || !namespaces.every((n) => typeof n === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(n))) fail('"namespaces" is not a list of C identifiers');
  const pin = raw2.pin === undefined ? [] : raw2.pin;
  if (!Array.isArray(pin) || !pin.every((r) => typeof r === 'string' && !/[\n\0]/.test(r))) fail('"pin" is not a list of one-line reasons');
  const optional = { ...(pin.length ? { pin: pin as string[] } : {}), ...(namespaces.length ? { namespaces: namespaces as string[] } : {}) };
  if (raw2.callbacks === undefined) return { placeholders, functions, ...optional };
  if (!Array.isArray(raw2.callbacks)) fail('"callbacks" is not an array');
  const callbacks: KlpCallbacks[] = [];
  const objects = new Set(functions.map((f) => f.object));
  for (const [i, c] of (raw2.callbacks as unknown[]).entries()) {
    const where = `callbacks[${i}]`;
    if (typeof c !== 'object' || c === null) fail(`${where} is not an object`);
    const e = c as Record<string, unknown>;
    const object = checkObject(e.object, where);
    if (!objects.has(object)) fail(`${where}: the patch replaces no function of ${object}, so it has no klp_object to hang callbacks on`);
    if (callbacks.some((x) => x.object === object)) fail(`${where}: a second callbacks entry for ${object}`);
    const entry: KlpCallbacks = { object };
    for (const kind of CALLBACK_KINDS) if (e[kind] !== undefined) entry[kind] = checkSymbolName(e[kind], `${where}.${kind}`);
    callbacks.push(entry);
  }
  return { placeholders, functions, callbacks, ...optional };
}

/** Read and check the JSON side table src/link/ writes. */
export async function readPlan(file: string): Promise<KlpPlan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot read the livepatch plan (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  try {
    return checkPlan(json);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`${file}: ${err.message}`, err.hint);
    throw err;
  }
}
