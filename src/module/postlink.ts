// The post-link step: kbuild has linked the module with every future livepatch relocation
// pointing at a defined placeholder `__cdm_klp_<N>` (the linker would drop SHN_LIVEPATCH
// symbols and SHF_RELA_LIVEPATCH sections, and modpost rejects undefined unexported names).
// Here each relocation against a placeholder moves into `.klp.rela.<object>.<section>` against
// `.klp.sym.<object>.<name>,<sympos>` (Documentation/livepatch/module-elf-format.rst):
//
// * the section is SHT_RELA with SHF_RELA_LIVEPATCH, so the module loader leaves it to the
//   livepatch core, and SHF_ALLOC, so it is copied into module memory and is still there when
//   a patched module loads later (klp_apply_object_relocs reads it through sh_addr), plus
//   SHF_INFO_LINK like every relocation section; sh_link = .symtab, sh_info = the section the
//   relocations apply to (the kernel only reads sh_info; the name only needs `.klp.rela.<obj>`);
// * every relocation in it must be against an SHN_LIVEPATCH symbol (klp_resolve_symbols
//   refuses anything else), and a module's section must not name a vmlinux symbol;
// * the bytes at each relocated place are left as kbuild wrote them: zero (x86-64's
//   apply_relocate_add refuses a non-zero target).
//
// Relocations whose target section is not SHF_ALLOC (debug information) stay against the
// placeholder, which remains defined in `.cdm.klp`: the kernel never applies them.
import { InputError } from '../common/errors.js';
import { RELA_SIZE, SHF, SHN, SHT, STB, STT } from '../elf/index.js';
import type { ElfObject, ElfRelocation, ElfRelocationSection, ElfSection, ElfSymbol } from '../elf/index.js';
import { placeholderIndex, type KlpPlaceholder, type KlpPlan } from './plan.js';

export const KLP_RELA_FLAGS = SHF.ALLOC | SHF.INFO_LINK | SHF.RELA_LIVEPATCH;

export interface PostLinkResult {
  object: ElfObject;
  /** One line per klp relocation section written: name and relocation count. */
  sections: Array<{ name: string; target: string; relocations: number }>;
  /** The `.klp.sym.*` symbols added. */
  symbols: string[];
  /** Placeholders of the plan that no allocated relocation uses (harmless, reported). */
  unused: number[];
}

const TYPES = { OBJECT: STT.OBJECT, FUNC: STT.FUNC, NOTYPE: STT.NOTYPE } as const;

export function klpSymbolName(p: Pick<KlpPlaceholder, 'object' | 'name' | 'sympos'>): string {
  return `.klp.sym.${p.object}.${p.name},${p.sympos}`;
}

export function klpSectionName(object: string, target: string): string {
  return `.klp.rela.${object}.${target}`;
}

/**
 * Rewrite a linked module (the model of kbuild's `.ko`) in place of a copy: returns a new
 * model; `obj` is not modified.
 */
export function postLinkKlp(obj: ElfObject, plan: KlpPlan, file = '<module>'): PostLinkResult {
  const fail = (what: string): never => {
    throw new InputError(`${file}: ${what}`);
  };
  if (obj.symtab === undefined) fail('has no symbol table');
  const byIndex = new Map(plan.placeholders.map((p) => [p.index, p]));
  const placeholderOf = new Map<number, KlpPlaceholder>();
  for (const sym of obj.symbols) {
    const n = placeholderIndex(sym.name);
    if (n === undefined) continue;
    const p = byIndex.get(n);
    if (!p) fail(`placeholder ${sym.name} has no entry in the plan's placeholders`);
    if (sym.shndx === SHN.UNDEF) fail(`placeholder ${sym.name} is undefined: the patch object must define it (in ${'.cdm.klp'})`);
    placeholderOf.set(sym.index, p!);
  }

  // A module's klp relocations are applied only when a klp_object of that module exists and
  // the module loads; code for another object would run with them unresolved.
  const patchedObjects = new Set(plan.functions.map((f) => f.object));
  // Which plan object each allocated section's code belongs to, by the replacement symbols in it.
  const objectOfSection = new Map<number, string>();
  const newSymbols = new Map(plan.functions.map((f) => [f.new_symbol, f.object]));
  for (const sym of obj.symbols) {
    const o = !sym.special && sym.bind !== STB.LOCAL ? newSymbols.get(sym.name) : undefined;
    if (o !== undefined) objectOfSection.set(sym.shndx, o);
  }

  const symbols: ElfSymbol[] = obj.symbols.map((s) => ({ ...s }));
  const sections: ElfSection[] = obj.sections.map((s) => ({ ...s }));
  const relocations: ElfRelocationSection[] = [];
  const moved = new Map<string, { object: string; target: number; entries: ElfRelocation[] }>();
  const klpSymbols = new Map<string, number>();
  const used = new Set<number>();

  const klpSymbol = (p: KlpPlaceholder): number => {
    const name = klpSymbolName(p);
    const known = klpSymbols.get(name);
    if (known !== undefined) {
      if (symbols[known]!.type !== TYPES[p.type]) fail(`placeholders for ${name} disagree on the symbol type`);
      return known;
    }
    const index = symbols.length;
    symbols.push({
      index, name, value: 0n, size: 0n, bind: STB.GLOBAL, type: TYPES[p.type], visibility: 0, other: 0,
      shndx: SHN.LIVEPATCH, special: true,
    });
    klpSymbols.set(name, index);
    return index;
  };

  // Placeholders in plan order first, so the .klp.sym symbols come out in index order whatever
  // order the relocations are in.
  const needed = new Set<number>();
  for (const rs of obj.relocations) {
    if (!(obj.sections[rs.target]!.flags & SHF.ALLOC)) continue;
    for (const e of rs.entries) if (placeholderOf.has(e.symbol)) needed.add(placeholderOf.get(e.symbol)!.index);
  }
  for (const p of [...plan.placeholders].sort((a, b) => a.index - b.index)) if (needed.has(p.index)) klpSymbol(p);

  for (const rs of obj.relocations) {
    const target = obj.sections[rs.target]!;
    const relSection = obj.sections[rs.section]!;
    const isKlp = (relSection.flags & SHF.RELA_LIVEPATCH) !== 0n;
    if (isKlp || !(target.flags & SHF.ALLOC)) {
      relocations.push({ ...rs, entries: rs.entries.map((e) => ({ ...e })) });
      continue;
    }
    const kept: ElfRelocation[] = [];
    for (const e of rs.entries) {
      const p = placeholderOf.get(e.symbol);
      if (!p) {
        kept.push({ ...e });
        continue;
      }
      if (!rs.rela) fail(`${relSection.name}: a REL relocation against ${obj.symbols[e.symbol]!.name}; livepatch relocations must be RELA`);
      if (p.object !== 'vmlinux') {
        if (!patchedObjects.has(p.object)) {
          fail(`${target.name} refers to ${p.name} in module ${p.object}, but the patch replaces no function of ${p.object}: its relocations would never be applied`);
        }
        const owner = objectOfSection.get(rs.target);
        if (owner !== undefined && owner !== p.object) {
          fail(`${target.name} (code for ${owner}) refers to ${p.name} in module ${p.object}: only code patched into ${p.object} may refer to its symbols`);
        }
      }
      used.add(p.index);
      const key = `${p.object}\0${rs.target}`;
      const group = moved.get(key) ?? { object: p.object, target: rs.target, entries: [] };
      group.entries.push({ ...e, symbol: klpSymbol(p) });
      moved.set(key, group);
    }
    relocations.push({ ...rs, entries: kept });
  }

  const written: PostLinkResult['sections'] = [];
  const groups = [...moved.values()].sort((a, b) => (a.object === b.object ? a.target - b.target : a.object < b.object ? -1 : 1));
  for (const g of groups) {
    const index = sections.length;
    const name = klpSectionName(g.object, obj.sections[g.target]!.name);
    sections.push({
      index, name, type: SHT.RELA, flags: KLP_RELA_FLAGS, addr: 0n, size: BigInt(g.entries.length * RELA_SIZE),
      link: obj.symtab!, info: g.target, addralign: 8n, entsize: BigInt(RELA_SIZE), offset: 0n, data: new Uint8Array(0),
    });
    relocations.push({ section: index, target: g.target, rela: true, entries: g.entries });
    written.push({ name, target: obj.sections[g.target]!.name, relocations: g.entries.length });
  }
  relocations.sort((a, b) => a.section - b.section);

  return {
    object: { ...obj, sections, symbols, relocations, groups: obj.groups.map((g) => ({ ...g, members: [...g.members] })) },
    sections: written,
    symbols: [...klpSymbols.keys()],
    unused: plan.placeholders.map((p) => p.index).filter((n) => !used.has(n)).sort((a, b) => a - b),
  };
}
