// Symbol names as gcc makes them, and how the differ pairs them. Compiler clones carry
// numbered suffixes (foo.isra.3, foo.constprop.0, foo.part.8, foo.cold.140) and static locals
// a counter (count.123, __already_done.7, __UNIQUE_ID_ddebug412) that differ between builds.

/** `foo.isra.3` → `foo.isra`, `count.123` → `count`, `__UNIQUE_ID_ddebug412` → `__UNIQUE_ID_ddebug`. */
export function baseName(name: string): string {
  const parts = name.split('.').filter((p, i) => i === 0 || !/^\d+$/.test(p));
  let base = parts.join('.');
  if (base.startsWith('__UNIQUE_ID_')) base = base.replace(/\d+$/, '');
  return base;
}

/** True for names that a counter made: they never pair by name, only by the code that uses them. */
export function pairsByUse(name: string): boolean {
  return name.startsWith('__UNIQUE_ID_') || /\.\d+$/.test(name) && !isCloneName(name);
}

const CLONE_SUFFIXES = ['isra', 'constprop', 'part', 'cold', 'lto_priv', 'localalias'];

/** A compiler clone or fragment of a function: `foo.isra.0`, `foo.cold`. */
export function isCloneName(name: string): boolean {
  return name.split('.').slice(1).some((p) => CLONE_SUFFIXES.includes(p));
}

/** `.cold` and `.part` pieces belong to a parent function and are never patch targets. */
export function fragmentParent(name: string): string | undefined {
  const m = /^(.*?)\.(cold|part)(\.\d+)?$/.exec(name);
  return m ? m[1] : undefined;
}

/** Local labels the assembler keeps (.LC0, .L__…) name places in a section, not entities. */
export function isLocalLabel(name: string): boolean {
  return name.startsWith('.L');
}
