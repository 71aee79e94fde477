// A full garbage collection on request, for a moment when a core is idle anyway (the patched
// compile runs). Reading the original object fills V8's young generation with data that lives
// until the verdict; left there, the first scavenges after the compile copy all of it, on the
// path from the compiler's end to the answer (~10 ms of kernel/fork.c's). Collected early, it
// sits in the old generation and those scavenges find little alive.
//
// `gc` exists only in contexts created after --expose-gc is set. The bin sets it before it
// compiles the bundle: V8 keys its code cache by the flags, so setting it later would make
// every run reject and rewrite the cache. Without it (the library used directly, the tests)
// this does nothing.
import vm from 'node:vm';

let gc: (() => void) | null | undefined;

/** Collect now, if the process allows it; whether it did. */
export function collectGarbage(): boolean {
  gc ??= vm.runInNewContext('typeof gc === "function" ? gc : null') as (() => void) | null;
  if (!gc) return false;
  gc();
  return true;
}
