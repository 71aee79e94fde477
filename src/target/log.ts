// Step timing for the target harness. Every expensive step (download, unpack, prepare,
// compile, boot) reports its wall time through the caller's `log`, so toolchain/target.sh
// and CI logs show where the minutes went without a profiler.
import { now } from '../common/clock.js';

export type Log = (line: string) => void;

/** A log that drops everything: library callers that did not ask for progress stay quiet. */
export const quiet: Log = () => {};

/** Run `fn` as the named step and report its wall time (also when it fails). */
export async function timed<T>(log: Log, step: string, fn: () => Promise<T>): Promise<T> {
  const start = now();
  log(`${step}: started`);
  try {
    const result = await fn();
    log(`${step}: done in ${seconds(start)} s`);
    return result;
  } catch (err) {
    log(`${step}: failed after ${seconds(start)} s`);
    throw err;
  }
}

const seconds = (start: number) => ((now() - start) / 1000).toFixed(1);
