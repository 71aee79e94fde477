// How many translation units include a header: an ESTIMATE from the tree's #include lines
// (directly or through other headers, x86 only, every .c file whatever the configuration
// builds). One `grep -r` over the tree builds the include graph (a few seconds); it is
// cached on disk per tree, keyed by the tree's path and its top Makefile's size and mtime,
// and in memory per process. Never written into the tree.
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runTool } from '../build/exec.js';

const EXCLUDED_TOP = new Set(['Documentation', 'tools', 'scripts', 'LICENSES', 'usr', '.git']);
const ARCH = 'x86';

interface IncludeIndex {
  version: 2;
  key: string;
  /** includer path → the raw include names it includes ("<linux/sched.h>", "\"internal.h\""). */
  includes: Record<string, string[]>;
  /** Every .c and .h file looked at. */
  files: string[];
}

const memory = new Map<string, Promise<IncludeGraph | undefined>>();

export interface IncludeGraph {
  /** Files including a header (by tree-relative path). */
  includers: Map<string, string[]>;
  files: Set<string>;
}

function cacheDir(): string {
  if (process.env.CDM_CACHE_DIR) return path.join(path.resolve(process.env.CDM_CACHE_DIR), 'lint-index');
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'create-diff-module', 'lint-index');
}

async function treeKey(root: string): Promise<string | undefined> {
  try {
    const s = await stat(path.join(root, 'Makefile'));
    return `${path.resolve(root)}|${s.size}|${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

async function buildIndex(root: string, key: string): Promise<IncludeIndex> {
  const top = (await readdir(root, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && !EXCLUDED_TOP.has(e.name) && e.name !== 'arch')
    .map((e) => e.name)
    .sort();
  const dirs = [...top, `arch/${ARCH}`];
  const r = await runTool('grep', ['-rHE', '--include=*.c', '--include=*.h', '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]', ...dirs], { cwd: root, allowFailure: true, timeout: 120_000 });
  const includes: Record<string, string[]> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^([^:]+):\s*#\s*include\s*([<"][^>"]+[>"])/.exec(line);
    if (!m) continue;
    (includes[m[1]!] ??= []).push(m[2]!);
  }
  const files: string[] = [];
  for (const dir of dirs) {
    const entries = await readdir(path.join(root, dir), { recursive: true, withFileTypes: false });
    for (const e of entries) if (/\.[ch]$/.test(e)) files.push(`${dir}/${e}`);
  }
  return { version: 2, key, includes, files };
}

function resolve(includer: string, name: string, files: Set<string>): string | undefined {
  const inner = name.slice(1, -1);
  if (name.startsWith('"')) {
    const local = path.posix.normalize(path.posix.join(path.posix.dirname(includer), inner));
    if (files.has(local)) return local;
  }
  for (const base of ['include', `arch/${ARCH}/include`, 'include/uapi', `arch/${ARCH}/include/uapi`, `arch/${ARCH}/include/generated`, `arch/${ARCH}/include/generated/uapi`]) {
    const p = `${base}/${inner}`;
    if (files.has(p)) return p;
  }
  // asm/foo.h with no x86 version comes from asm-generic through a generated wrapper.
  if (inner.startsWith('asm/')) {
    const p = `include/asm-generic/${inner.slice(4)}`;
    if (files.has(p)) return p;
  }
  return undefined;
}

function toGraph(index: IncludeIndex): IncludeGraph {
  const files = new Set(index.files);
  const includers = new Map<string, string[]>();
  for (const [file, names] of Object.entries(index.includes)) {
    for (const n of names) {
      const target = resolve(file, n, files);
      if (!target) continue;
      let list = includers.get(target);
      if (!list) includers.set(target, (list = []));
      list.push(file);
    }
  }
  return { includers, files };
}

export async function includeGraph(root: string): Promise<IncludeGraph | undefined> {
  const key = await treeKey(root);
  if (!key) return undefined;
  let p = memory.get(key);
  if (!p) {
    p = (async () => {
      const file = path.join(cacheDir(), `${createHash('sha256').update(key).digest('hex').slice(0, 20)}.json`);
      try {
        const cached = JSON.parse(await readFile(file, 'utf8')) as IncludeIndex;
        if (cached.version === 2 && cached.key === key) return toGraph(cached);
      } catch {
        // Not cached yet.
      }
      const index = await buildIndex(root, key);
      try {
        await mkdir(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        await writeFile(tmp, JSON.stringify(index));
        await rename(tmp, file);
      } catch {
        // A read-only cache only costs speed.
      }
      return toGraph(index);
    })();
    memory.set(key, p);
  }
  return p;
}

export interface TuEstimate {
  /** .c files that include the header directly or through other headers. */
  count: number;
  direct: number;
}

/** Estimated number of .c files that include `header` (tree-relative), or undefined. */
export async function estimateIncludingTus(root: string, header: string): Promise<TuEstimate | undefined> {
  const graph = await includeGraph(root);
  if (!graph) return undefined;
  const seen = new Set<string>([header]);
  const queue = [header];
  let count = 0;
  let direct = 0;
  for (let i = 0; i < queue.length; i++) {
    for (const inc of graph.includers.get(queue[i]!) ?? []) {
      if (seen.has(inc)) continue;
      seen.add(inc);
      if (inc.endsWith('.c')) {
        count++;
        if (i === 0) direct++;
      } else queue.push(inc);
    }
  }
  return { count, direct };
}
