// What identifies the compiler beyond its name: the first line of `--version` (also what the
// tree's CONFIG_CC_VERSION_TEXT is checked against) and the files of its driver and cc1 (size,
// mtime), part of every cached object's key. Asking costs two gcc runs before the first
// compile can start, so the answer is kept in <cache>/compilers.json by the driver's path and
// reused while both files are unchanged.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runTool } from '../build/exec.js';
import { cacheRoot } from './mirror.js';

export interface CompilerIdentity {
  /** The first line of `cc --version`. */
  version: string;
  /** The version and the driver's and cc1's path, size and mtime, one per line. */
  id: string;
}

interface Kept { driver: string; cc1: string; cc1Id: string; version: string }

async function fileId(f: string): Promise<string | undefined> {
  try {
    const s = await stat(f);
    return `${f}:${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

function onPath(cc: string): string {
  if (cc.includes('/')) return path.resolve(cc);
  return (process.env.PATH ?? '').split(':').map((d) => path.join(d || '.', cc)).find((f) => existsSync(f)) ?? cc;
}

async function readKept(store: string): Promise<Record<string, Kept>> {
  try {
    return JSON.parse(readFileSync(store, 'utf8')) as Record<string, Kept>;
  } catch {
    return {};
  }
}

export async function compilerIdentity(cc: string, store = path.join(cacheRoot(), 'compilers.json')): Promise<CompilerIdentity> {
  const driver = onPath(cc);
  const driverId = await fileId(driver);
  const kept = driverId ? (await readKept(store))[driver] : undefined;
  if (kept && kept.driver === driverId && (await fileId(kept.cc1)) === kept.cc1Id) {
    return { version: kept.version, id: [kept.version, driverId, kept.cc1Id].join('\n') };
  }
  const [versionOut, cc1Out] = await Promise.all([runTool(cc, ['--version']), runTool(cc, ['-print-prog-name=cc1'])]);
  const version = versionOut.stdout.split('\n')[0]!.trim();
  const cc1 = cc1Out.stdout.trim();
  const cc1Id = await fileId(cc1);
  if (driverId && cc1Id) {
    try {
      await mkdir(path.dirname(store), { recursive: true });
      const all = await readKept(store);
      all[driver] = { driver: driverId, cc1, cc1Id, version };
      const tmp = `${store}.tmp-${process.pid}`;
      await writeFile(tmp, JSON.stringify(all));
      await rename(tmp, store);
    } catch {
      // An unwritable cache only means asking again next time.
    }
  }
  return { version, id: [version, driverId ?? `${driver}:?`, cc1Id ?? `${cc1}:?`].join('\n') };
}
