// A cross-process lock on a cache directory. Two test runs (or a test run and the CLI)
// preparing the same ABI at once would otherwise unpack over each other. mkdir is atomic on
// every local filesystem, so the lock is a directory holding the owner's pid; a lock whose
// owner is dead (killed CI job) is taken over instead of waited on forever. Taking and
// releasing are synchronous calls: `check` does both on its way to the compiler and to the
// verdict, and each fs/promises call is a trip through libuv's thread pool (removing the
// directory recursively, eight of them).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { EnvironmentError } from './errors.js';
/** Progress lines (a no-op by default). */
export type Log = (line: string) => void;

/** In this process, callers queue on a promise per lock path (mkdir would see our own pid). */
const local = new Map<string, Promise<unknown>>();

export async function withLock<T>(lockDir: string, log: Log, fn: () => Promise<T>, waitMs = 60 * 60_000): Promise<T> {
  const previous = local.get(lockDir) ?? Promise.resolve();
  const run = previous.catch(() => {}).then(async () => {
    await acquire(lockDir, log, waitMs);
    try {
      return await fn();
    } finally {
      rmSync(lockDir, { recursive: true, force: true });
    }
  });
  local.set(lockDir, run);
  try {
    return await run;
  } finally {
    if (local.get(lockDir) === run) local.delete(lockDir);
  }
}

async function acquire(lockDir: string, log: Log, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  let told = false;
  mkdirSync(path.dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(path.join(lockDir, 'pid'), `${process.pid}\n`);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readOwner(lockDir);
    if (owner === undefined ? await olderThan(lockDir, 30_000) : !alive(owner)) {
      log(`lock ${lockDir}: owner ${owner ?? '(none recorded)'} is gone, taking over`);
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new EnvironmentError(`${lockDir}: still locked by process ${owner ?? '?'} after ${waitMs / 1000} s`,
        'another create-diff-module run is preparing this cache; wait for it, or remove the lock directory if no such process exists');
    }
    if (!told) log(`lock ${lockDir}: held by process ${owner ?? '?'}, waiting`);
    told = true;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function readOwner(lockDir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path.join(lockDir, 'pid'), 'utf8'), 10);
    return Number.isFinite(pid) ? pid : undefined;
  } catch {
    // mkdir done, pid not yet written: the owner is between the two calls. Treat as alive.
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock directory without a pid file is only legitimate for the instant between mkdir and write. */
async function olderThan(lockDir: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(lockDir)).mtimeMs > ms;
  } catch {
    return false;
  }
}
