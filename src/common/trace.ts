// CDM_TRACE=1 prints a timeline on stderr: milliseconds since the process started, then what
// began or ended. It is how the tool's own time is found between the compiler's (bench/).
import { now } from './clock.js';

const enabled = Boolean(process.env.CDM_TRACE);

export function trace(label: string): void {
  if (enabled) process.stderr.write(`[trace] ${now().toFixed(0).padStart(6)} ms  ${label}\n`);
}

/** Trace `label`'s start and end around `work`. */
export async function traced<T>(label: string, work: () => Promise<T>): Promise<T> {
  if (!enabled) return work();
  const t = now();
  trace(`${label} …`);
  try {
    return await work();
  } finally {
    trace(`${label} done (${(now() - t).toFixed(0)} ms)`);
  }
}
