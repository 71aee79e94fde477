// Milliseconds since the process started, for timings and the trace. Node's global
// `performance` is loaded on first use (perf_hooks and a dozen internal modules, ~1.5 ms), and
// `check` would first use it on its way to the compiler.
export function now(): number {
  return process.uptime() * 1000;
}
