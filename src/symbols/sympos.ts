// sympos: how the livepatch core tells same-named symbols apart. klp_find_object_symbol
// counts every kallsyms entry of that name in that object, of any type or binding, in
// kallsyms order; sympos is the 1-based position of the wanted one, or 0 when the name is
// unique (0 then means "the only one"). A local-only count is wrong: `user_read` is both a
// global (T) and a local (t) in Debian's 6.1, and sympos 0 would be ambiguous at load time.
import { InputError } from '../common/errors.js';
import { lookup, vmlinuxAddress, type Kallsyms, type KallsymsEntry } from './kallsyms.js';

export interface SymbolPosition {
  name: string;
  object: string;
  sympos: number;
  entry: KallsymsEntry;
}

/** sympos of the entry of `name` whose vmlinux address is `address`. */
export function symposAt(ks: Kallsyms, name: string, address: bigint, object = 'vmlinux'): SymbolPosition {
  const all = lookup(ks, name, object);
  const i = all.findIndex((e) => vmlinuxAddress(ks, e) === address);
  if (i < 0) throw new InputError(`${ks.file}: no ${name} at 0x${address.toString(16)} in ${object}`);
  return { name, object, sympos: all.length === 1 ? 0 : i + 1, entry: all[i]! };
}

/**
 * sympos of `name` when only one candidate can be meant: the unique entry, or the unique one
 * matching `want` (e.g. only local text symbols for a static function). Ambiguity is an error
 * the caller resolves (run-pre matching against vmlinux bytes picks among candidates).
 */
export function symposUnique(ks: Kallsyms, name: string, want: (e: KallsymsEntry) => boolean = () => true, object = 'vmlinux'): SymbolPosition {
  const all = lookup(ks, name, object);
  if (all.length === 0) throw new InputError(`${name} is not in ${ks.file} (${object})`, 'is the kallsyms dump from the kernel this tree builds?');
  const fits = all.map((e, i) => ({ e, i })).filter(({ e }) => want(e));
  if (fits.length !== 1) {
    throw new InputError(`${name} occurs ${all.length} times in ${ks.file} (${object}) and ${fits.length} of them fit: it cannot be told apart by name`, 'compare candidates with the vmlinux bytes (run-pre matching)');
  }
  const { e, i } = fits[0]!;
  return { name, object, sympos: all.length === 1 ? 0 : i + 1, entry: e };
}

/** Names that occur more than once in one object: the sympos problem's size. */
export function duplicateNames(ks: Kallsyms, object = 'vmlinux'): number {
  let n = 0;
  for (const [k, list] of ks.byName) if (k.startsWith(`${object}\0`) && list.length > 1) n++;
  return n;
}
