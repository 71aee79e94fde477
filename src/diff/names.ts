// Symbol names as gcc makes them, and how the differ pairs them. Compiler clones carry
// numbered suffixes (foo.isra.3, foo.constprop.0, foo.part.8, foo.cold.140) and static locals
// a counter (count.123, __already_done.7, __UNIQUE_ID_ddebug412) that differ between builds.

/** `foo.isra.3` → `foo.isra`, `count.123` → `count`, `__UNIQUE_ID_ddebug412` → `__UNIQUE_ID_ddebug`. */
export function baseName(name: string): string {
  // Most names have no suffix: asked for every symbol and relocation target of both builds.
  if (!name.includes('.') && !name.startsWith('__UNIQUE_ID_')) return name;
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

/**
 * A `.cold` piece (`foo.cold`, `foo.part.0.cold`) is a fragment of its parent: it has no entry
 * hook and is reached only by jumps from the parent, so it is never a patch target. A `.part.N`
 * clone is not a fragment: gcc's function splitting makes it a real function with its own
 * fentry/patchable entry, called directly from callers into which the head was inlined, so
 * it is a patch target of its own (and `foo.part.0` alone exists when `foo` was static).
 */
export function fragmentParent(name: string): string | undefined {
  const m = /^(.+?)\.cold(\.\d+)?$/.exec(name);
  return m ? m[1] : undefined;
}

/** Local labels the assembler keeps (.LC0, .L__…) name places in a section, not entities. */
export function isLocalLabel(name: string): boolean {
  return name.startsWith('.L');
}
