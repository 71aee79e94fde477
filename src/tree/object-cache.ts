// Original objects cached by everything that determines them: kbuild's recorded command
// (all flags), the content of every file the compile read (from the same record, source
// first), autoconf.h, any tool the command names (objtool, a gcc plugin), and the compiler's
// identity. A hit is byte-for-byte what make would rebuild; anything else is a miss. Entries
// are written under a temporary name and renamed, so a reader never sees half an object.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { cacheRoot } from './mirror.js';
import { SECTION_FLAGS } from './compile.js';
import type { RecordedCommand } from './recorded-command.js';

const FORMAT = 'cdm-object-cache-1';

export async function objectKey(mirror: string, recorded: RecordedCommand, compiler: string): Promise<string | undefined> {
  const h = createHash('sha256');
  h.update(`${FORMAT}\n${compiler}\n${SECTION_FLAGS.join(' ')}\n${recorded.text}\n`);
  const files = [...recorded.deps, 'include/generated/autoconf.h', ...toolsNamed(recorded)];
  // Read in parallel (hundreds of headers), hash in order.
  const digests = await Promise.all(files.map(async (rel) => {
    try {
      return createHash('sha256').update(await readFile(path.join(mirror, rel))).digest();
    } catch {
      return undefined;
    }
  }));
  for (const [i, rel] of files.entries()) {
    const d = digests[i];
    if (!d) return undefined; // a dependency is gone: only make knows what to do now
    h.update(`${rel}\0`);
    h.update(d);
  }
  return h.digest('hex');
}

/** Files the command runs or loads besides the compiler: ./tools/objtool/objtool, -fplugin=. */
function toolsNamed(recorded: RecordedCommand): string[] {
  const out: string[] = [];
  for (const step of recorded.steps) {
    if (step[0]!.startsWith('./')) out.push(step[0]!.slice(2));
    for (const a of step) if (a.startsWith('-fplugin=')) out.push(a.slice('-fplugin='.length).replace(/^\.\//, ''));
  }
  return out;
}

function entry(key: string): string {
  return path.join(cacheRoot(), 'objects', key.slice(0, 2), `${key}.o`);
}

/** The cached object for `key`, or undefined. */
export async function cachedObject(key: string): Promise<string | undefined> {
  try {
    await stat(entry(key));
    return entry(key);
  } catch {
    return undefined;
  }
}

export async function storeObject(key: string, object: string): Promise<void> {
  const to = entry(key);
  await mkdir(path.dirname(to), { recursive: true });
  const tmp = `${to}.tmp-${process.pid}`;
  try {
    await copyFile(object, tmp);
    await rename(tmp, to);
  } finally {
    await rm(tmp, { force: true });
  }
}
