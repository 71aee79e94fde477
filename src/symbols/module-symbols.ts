// A loadable module's own symbol table, read from the shipped .ko: kallsyms lists a module's
// symbols only while it is loaded, and the livepatch core counts sympos over the module's
// symbol table (klp_find_object_symbol walks mod->kallsyms, which is the .ko's symtab in
// order). Module names are KBUILD_MODNAME (`-` in a file name is `_` in the module name).
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { EnvironmentError } from '../common/errors.js';
import { readElfFile, STT, type ElfObject, type ElfSymbol } from '../elf/index.js';

export interface ModuleSymbols {
  module: string;
  file: string;
  elf: ElfObject;
  /** Defined function and object symbols by name, in symbol-table order. */
  byName: Map<string, ElfSymbol[]>;
}

export async function readModuleSymbols(module: string, file: string): Promise<ModuleSymbols> {
  const elf = await readElfFile(file);
  const byName = new Map<string, ElfSymbol[]>();
  for (const s of elf.symbols) {
    if (s.special || s.shndx === 0 || !s.name || (s.type !== STT.FUNC && s.type !== STT.OBJECT && s.type !== STT.NOTYPE)) continue;
    byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  }
  return { module, file, elf, byName };
}

/** `<name>.ko` under a modules directory (/lib/modules/<release>), `-` and `_` alike. */
export async function findShippedModule(modulesDir: string, module: string): Promise<string> {
  const want = module.replace(/-/g, '_');
  const walk = async (dir: string): Promise<string | undefined> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return undefined;
    }
    for (const e of entries) {
      if (e.isFile() && e.name.endsWith('.ko') && e.name.slice(0, -3).replace(/-/g, '_') === want) return path.join(dir, e.name);
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const found = await walk(path.join(dir, e.name));
      if (found) return found;
    }
    return undefined;
  };
  const found = await walk(modulesDir);
  if (!found) {
    throw new EnvironmentError(`${module}.ko is not under ${modulesDir}: the running kernel's copy of the module is needed (its symbol table gives sympos, its code is what run-pre matching compares)`,
      'pass --modules-dir /lib/modules/$(uname -r) of the running kernel (compressed .ko.xz/.ko.zst files must be decompressed first)');
  }
  return found;
}
