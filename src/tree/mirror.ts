// The scratch mirror a check compiles in: the user's tree must never be written, and kbuild
// refuses O= for a tree configured in place. The mirror keeps the tree's relative layout
// (__FILE__ strings come from relative paths; a quoted #include looks beside the including
// file): every directory is real, pristine source files are symlinks to the tree, and
// anything kbuild may rewrite is copied (the config, generated headers, scripts/ and tools/
// with their binaries) or left out (objects and .cmd files: kbuild's fixdep writes .cmd files
// through `>`, which would follow a symlink into the user's tree).
import { createHash } from 'node:crypto';
import { constants, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, readlink, realpath, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { InputError } from '../common/errors.js';
import { SECTION_FLAGS } from './compile.js';

/** Directories copied whole: kbuild builds and may rebuild what is in them. */
const COPY_DIRS = new Set(['scripts', 'tools', 'include/generated', 'include/config', 'arch/x86/include/generated', 'certs', 'usr']);
/** Build outputs of a (partly) built tree: never symlinked. */
const OUTPUT = /(\.(o|a|ko|mod|mod\.c|cmd|d|order|symvers|tmp|s|lds|so|dwo|su|gcno|gcda)$)|^\.tmp|^vmlinux|^System\.map$|^modules\.|^Module\.symvers$/;
/** Top-level files that look like outputs but are inputs. */
const TOP_COPY = new Set(['.config', 'Makefile', '.version', 'Kbuild']);

export function cacheRoot(): string {
  return process.env.CDM_CACHE_DIR || path.join(homedir(), '.cache', 'create-diff-module');
}

/** A stable mirror path per tree (and build directory), so kbuild's own up-to-date checks hit. */
export async function mirrorPaths(tree: string, objtree?: string): Promise<{ root: string; orig: string; patched: string }> {
  const real = await realTree(tree);
  const key = objtree ? `${real}\0${await realTree(objtree)}` : real;
  const id = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const root = path.join(cacheRoot(), 'trees', id);
  return { root, orig: path.join(root, 'orig'), patched: path.join(root, 'patched') };
}

export async function realTree(tree: string): Promise<string> {
  try {
    return await realpath(tree);
  } catch {
    throw new InputError(`${tree}: no such kernel tree`, 'pass --src <kernel source tree>');
  }
}

interface Stamp { tree: string; objtree?: string; configMtime: number; configSize: number; makefileMtime: number; flags: string }

async function stampOf(tree: string, objtree?: string): Promise<Stamp> {
  const c = await stat(path.join(objtree ?? tree, '.config'));
  const m = await stat(path.join(tree, 'Makefile'));
  // The make variables a check adds (section flags): when they change, kbuild's records in the
  // mirror describe objects built otherwise, and the mirror starts afresh.
  return { tree, ...(objtree ? { objtree } : {}), configMtime: c.mtimeMs, configSize: c.size, makefileMtime: m.mtimeMs, flags: SECTION_FLAGS.join(' ') };
}

/**
 * Ensure `dest` mirrors `tree`; reused when its stamp matches (same tree, same .config and
 * Makefile). Built under a temporary name and renamed into place, so an interrupted build is
 * never taken for a good one.
 */
export async function ensureMirror(tree: string, dest: string, objtree?: string): Promise<{ reused: boolean }> {
  const want = await stampOf(tree, objtree);
  try {
    const have = JSON.parse(readFileSync(path.join(dest, '.cdm-mirror.json'), 'utf8')) as Stamp;
    if (JSON.stringify(have) === JSON.stringify(want)) return { reused: true };
  } catch {
    // no mirror yet
  }
  const tmp = `${dest}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await mirrorDir(tree, tmp, '');
  if (objtree) await overlayObjtree(objtree, tmp, '');
  await writeFile(path.join(tmp, '.cdm-mirror.json'), JSON.stringify(want));
  await rm(dest, { recursive: true, force: true });
  await rename(tmp, dest);
  return { reused: false };
}

async function mirrorDir(tree: string, dest: string, rel: string): Promise<void> {
  const entries = await readdir(path.join(tree, rel), { withFileTypes: true });
  // Files kbuild made (each has a .<name>.cmd beside it) may be remade: a `>` or `touch`
  // would follow a symlink into the tree, so they are copied, like every top-level file
  // (kbuild touches .checked-atomic-*.h there).
  const generated = new Set(entries.filter((e) => /^\..+\.cmd$/.test(e.name)).map((e) => e.name.slice(1, -4)));
  const jobs: Promise<void>[] = [];
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.name === '.git' || e.name === '.cdm-mirror.json') continue;
    const from = path.join(tree, r);
    const to = path.join(dest, r);
    // A link out of the tree to a directory becomes a real directory: kbuild writes objects
    // into directories, and through the link it would write wherever it points. (Links
    // inside the tree are copied as links: relative, they point into the mirror itself.)
    const outside = e.isSymbolicLink() && (await leavesTree(tree, from));
    if (e.isDirectory() || (outside && (await isDirectory(from)))) {
      await mkdir(to);
      if (COPY_DIRS.has(r)) await copyTree(from, to, tree);
      else await mirrorDir(tree, dest, r);
    } else if (e.isFile() || outside) {
      // (A link to a file outside the tree is that file: kbuild may rewrite a top-level or
      // generated one, and must not write through the link.)
      if (OUTPUT.test(e.name) && !(!rel && TOP_COPY.has(e.name))) continue;
      if (!rel || generated.has(e.name)) jobs.push(copyKeepingTime(from, to));
      else jobs.push(symlink(from, to));
    } else if (e.isSymbolicLink()) {
      jobs.push(copyLink(from, to));
    }
    if (jobs.length > 256) await Promise.all(jobs.splice(0));
  }
  await Promise.all(jobs);
}

/** A symlink whose target is absolute or climbs out of `root`. */
async function leavesTree(root: string, link: string): Promise<boolean> {
  const target = await readlink(link);
  if (path.isAbsolute(target)) return true;
  const resolved = path.resolve(path.dirname(link), target);
  return resolved !== root && !resolved.startsWith(`${root}/`);
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A separate build directory (make O=<dir>): its configuration, generated headers and built
 * host tools are copied over the source mirror, which then builds in place like a tree
 * configured in place. Its top Makefile (kbuild's wrapper pointing back at the source), the
 * `source` link and build outputs are left out.
 */
async function overlayObjtree(objtree: string, dest: string, rel: string): Promise<void> {
  for (const e of await readdir(path.join(objtree, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    const from = path.join(objtree, r);
    const to = path.join(dest, r);
    if (!rel && ['Makefile', 'source', '.cdm-mirror.json'].includes(e.name)) continue;
    const inCopied = [...COPY_DIRS].some((d) => r === d || r.startsWith(`${d}/`));
    if (e.isDirectory()) {
      await mkdir(to, { recursive: true });
      await overlayObjtree(objtree, dest, r);
    } else if (e.isFile()) {
      // Under scripts/ and tools/ the build directory holds the built host programs (fixdep,
      // modpost, objtool) beside the source's scripts: everything is merged over the source.
      if (!inCopied && OUTPUT.test(e.name) && !(!rel && TOP_COPY.has(e.name))) continue;
      await rm(to, { force: true });
      await copyKeepingTime(from, to);
    }
  }
}

async function copyKeepingTime(from: string, to: string): Promise<void> {
  await copyFile(from, to, constants.COPYFILE_FICLONE);
  const s = await stat(from);
  await utimes(to, s.atime, s.mtime);
}

async function copyLink(from: string, to: string): Promise<void> {
  await symlink(await readlink(from), to);
}

async function copyTree(from: string, to: string, root = from): Promise<void> {
  for (const e of await readdir(from, { withFileTypes: true })) {
    const a = path.join(from, e.name);
    const b = path.join(to, e.name);
    // A link out of the copied directory is copied as what it points at (it may be rewritten).
    const out = e.isSymbolicLink() && (await leavesTree(root, a));
    if (e.isDirectory() || (out && (await isDirectory(a)))) {
      await mkdir(b);
      await copyTree(a, b, root);
    } else if (e.isFile() || out) await copyKeepingTime(a, b);
    else if (e.isSymbolicLink()) await copyLink(a, b);
  }
}

/** Replace the mirror's symlink for `rel` with real content (the patched file). */
export function writeMirrorFile(mirror: string, rel: string, content: string): void {
  // Synchronous: a check writes and restores a file or two, on the way to the compiler and on
  // the way out. Each promise-based call costs a thread-pool round trip (measured: 2-3 ms for
  // these three calls in a fresh process, 1 ms synchronously).
  const to = path.join(mirror, rel);
  rmSync(to, { force: true });
  mkdirSync(path.dirname(to), { recursive: true });
  writeFileSync(to, content);
}

/** Point `rel` back at the tree (after a check), so the mirror is clean for the next one. */
export function restoreMirrorFile(tree: string, mirror: string, rel: string): void {
  const to = path.join(mirror, rel);
  rmSync(to, { force: true });
  try {
    lstatSync(path.join(tree, rel));
    symlinkSync(path.join(tree, rel), to);
  } catch {
    // the file is new in the patch: nothing to restore
  }
}
