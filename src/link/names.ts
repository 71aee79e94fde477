// Naming what the patch references in the running kernel: an export the module loader resolves,
// or a livepatch placeholder `.klp.sym.<object>.<name>,<sympos>` whose sympos comes from
// kallsyms (vmlinux), the shipped module's symbol table, or run-pre matching.
import { EnvironmentError } from '../common/errors.js';
import { lookup, type Export, type Kallsyms, type ModuleSymbols } from '../symbols/index.js';
import type { KlpPlaceholder } from './types.js';

export interface NamingInput {
  /** 'vmlinux' or the module the TU belongs to. */
  object: string;
  kallsyms: Kallsyms;
  exports: Map<string, Export>;
  /** sympos of same-named functions told apart by run-pre matching (src/verify). */
  resolved?: Map<string, number>;
  /** For a TU of a loadable module: that module's shipped symbol table (sympos, what it defines). */
  moduleSymbols?: ModuleSymbols;
}

/** The placeholders of one patch object, numbered in the order they are first needed. */
export class Placeholders {
  private readonly byKey = new Map<string, KlpPlaceholder>();

  /** `first`: the first number, so the patch objects of one module never share a placeholder. */
  constructor(private readonly first = 0) {}

  get(name: string, type: KlpPlaceholder['type'], sympos: number, object: string): KlpPlaceholder {
    const key = `${object}:${name},${sympos}`;
    let ph = this.byKey.get(key);
    if (!ph) {
      ph = { index: this.first + this.byKey.size, name, object, sympos, type };
      this.byKey.set(key, ph);
    }
    return ph;
  }

  list(): KlpPlaceholder[] {
    return [...this.byKey.values()];
  }
}

/** An export the loader resolves: vmlinux's or another module's, never the patched module's own. */
export function exportedElsewhere(input: NamingInput, name: string): boolean {
  const e = input.exports.get(name);
  if (!e) return false;
  return input.object === 'vmlinux' || (e.module !== input.object && !e.module.endsWith(`/${input.object}`) && !e.module.endsWith(`/${input.object.replace(/_/g, '-')}`));
}

/** sympos of a vmlinux symbol of any type (run-pre's choices apply only when the TU is vmlinux's). */
export function symposInVmlinux(input: NamingInput, name: string): number {
  return symposUnique({ ...input, object: 'vmlinux', resolved: input.object === 'vmlinux' ? input.resolved : undefined }, name, () => true);
}

/** sympos in the module's own symbol table (the shipped .ko), run-pre's choice for duplicates. */
export function symposInModule(input: NamingInput, name: string): number {
  const ms = input.moduleSymbols;
  if (!ms) throw new EnvironmentError(`${input.object}: the module's symbol table is needed to patch its code`, 'pass --modules-dir with the running kernel\'s modules');
  const all = ms.byName.get(name) ?? [];
  if (all.length === 0) throw new EnvironmentError(`${name} is not in ${ms.file}: the shipped module is not the one this tree builds`, 'pass the running kernel\'s modules (--modules-dir)');
  if (all.length === 1) return 0;
  const known = input.resolved?.get(name);
  if (known !== undefined) return known;
  throw new EnvironmentError(`${name} occurs ${all.length} times in ${ms.file} and run-pre matching did not tell them apart`);
}

export function symposOfFunction(input: NamingInput, name: string, bind: 'local' | 'global' | 'weak'): number {
  if (input.object !== 'vmlinux') return symposInModule(input, name);
  return symposUnique(input, name, (e) => (bind === 'local' ? e.type === 't' : e.type === 'T' || e.type === 'W'));
}

/** sympos among kallsyms entries of that name; `fits` narrows duplicates by type letter. */
export function symposUnique(input: NamingInput, name: string, fits: (e: { type: string }) => boolean): number {
  const known = input.resolved?.get(name);
  if (known !== undefined) return known;
  const all = lookup(input.kallsyms, name, input.object === 'vmlinux' ? 'vmlinux' : input.object);
  if (all.length === 0) throw new EnvironmentError(`${name} is not in ${input.kallsyms.file}: the kallsyms dump is not from the kernel this tree builds`, 'pass the running kernel\'s /proc/kallsyms (read as root)');
  if (all.length === 1) return 0;
  const fit = all.map((e, i) => ({ e, i })).filter(({ e }) => fits(e));
  if (fit.length !== 1) {
    throw new EnvironmentError(`${name} occurs ${all.length} times in ${input.kallsyms.file} and ${fit.length} candidates fit: none of them was told apart by its bytes (run-pre matching only tells apart functions this TU defines; pass --vmlinux/--vmlinuz rather than --no-verify)`);
  }
  return fit[0]!.i + 1;
}
