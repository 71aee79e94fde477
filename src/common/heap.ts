// A full garbage collection on request, for a moment when a core is idle anyway (the patched
// compile runs). Reading the original object fills V8's young generation with data that lives
// until the verdict; left there, the first scavenges after the compile copy all of it, on the
// path from the compiler's end to the answer (~10 ms of kernel/fork.c's). Collected early, it
// sits in the old generation and those scavenges find little alive.
//
// `gc` exists only in contexts created while --expose-gc is set, so the flag is set for the
// moment it takes to make one, then cleared. Left set, it would change V8's flag hash, which
// keys both the bin's code cache (every run would reject and rewrite it) and Node's cache for
// its own modules (each module loaded after would be compiled from source: ~10 ms at start-up
// when the bin set it there).
import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | undefined;

/** Collect now. */
export function collectGarbage(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    try {
      gc = vm.runInNewContext('gc') as () => void;
    } finally {
      v8.setFlagsFromString('--no-expose-gc');
    }
  }
  gc();
}
