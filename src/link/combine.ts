// Several patch objects in one module (a fix touching two TUs): the link makes each included
// function global so the registration code can name it, and two TUs may each have a static
// function of the same name (`show`, `init_once`). kbuild links the objects into one module, so
// a name defined twice is given a suffix in the later object and its klp_func follows.
import { SHN, STB, type ElfObject } from '../elf/index.js';
import type { PatchPlan } from './types.js';

export interface LinkedObject {
  elf: ElfObject;
  plan: PatchPlan;
}

/** Rename in place the globals a later object defines again; returns the renames per object. */
export function separateGlobals(objects: LinkedObject[]): Array<Map<string, string>> {
  const defined = new Set<string>();
  return objects.map((o, i) => {
    const renamed = new Map<string, string>();
    const mine = new Set<string>();
    for (const s of o.elf.symbols) {
      if (s.special || s.shndx === SHN.UNDEF || (s.bind !== STB.GLOBAL && s.bind !== STB.WEAK)) continue;
      if (defined.has(s.name)) {
        const name = `${s.name}.cdm${i}`;
        renamed.set(s.name, name);
        s.name = name;
      }
      mine.add(s.name);
    }
    for (const n of mine) defined.add(n);
    for (const f of o.plan.functions) f.new_symbol = renamed.get(f.new_symbol) ?? f.new_symbol;
    return renamed;
  });
}
