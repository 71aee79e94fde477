// Apply parsed file patches to file contents held in memory: the user's tree is only read.
// Hunks are applied by the `diff` package; a hunk that needs fuzz is reported, a hunk that
// does not apply is named (file, hunk header, patch) in an InputError (exit 2).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { applyPatch, type StructuredPatch } from 'diff';
import { InputError } from '../common/errors.js';
import type { FilePatch, Hunk, PatchOrigin } from './parse.js';

/** GNU patch's default: up to two context lines may mismatch. */
export const MAX_FUZZ = 2;

export interface ApplyNote {
  file: string;
  hunk: string;
  /** Mismatching context lines tolerated (0 = exact). */
  fuzz: number;
  /** Lines between where the hunk said it goes and where it went. */
  offset: number;
}

export function hunkHeader(h: Hunk): string {
  return `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`;
}

function origin(o: PatchOrigin): string {
  return o.message === undefined ? o.source : `${o.source} (message ${o.message}${o.subject ? `: ${o.subject}` : ''})`;
}

function asPatch(hunks: Hunk[]): StructuredPatch {
  return { oldFileName: 'a', newFileName: 'b', oldHeader: '', newHeader: '', hunks };
}

/** Where a hunk's old lines sit exactly in `text` nearest to its header, or undefined. */
function exactOffset(lines: string[], h: Hunk, shift: number): number | undefined {
  const old = h.lines.filter((l) => l[0] === ' ' || l[0] === '-').map((l) => l.slice(1));
  if (old.length === 0) return 0;
  const want = Math.max(0, h.oldStart - 1 + shift);
  const fits = (at: number) => at >= 0 && at + old.length <= lines.length && old.every((l, i) => lines[at + i] === l);
  for (let d = 0; d <= lines.length; d++) {
    if (fits(want - d)) return -d;
    if (d > 0 && fits(want + d)) return d;
    if (want - d < 0 && want + d > lines.length) break;
  }
  return undefined;
}

/**
 * Apply one file's hunks to `text`. Returns the new text and a note per hunk that did not
 * apply exactly where its header said (offset) or needed fuzz.
 */
export function applyHunks(text: string, fp: FilePatch, file: string): { text: string; notes: ApplyNote[] } {
  const notes: ApplyNote[] = [];
  let current = text;
  // Hunk by hunk, so a failure names its hunk and each hunk's fuzz is known.
  let shift = 0;
  for (const h of fp.hunks) {
    // Rebase the hunk's header on the text as patched so far.
    const rebased: Hunk = { ...h, oldStart: h.oldStart + shift, newStart: h.oldStart + shift };
    let out: string | false = false;
    let fuzz = 0;
    for (; fuzz <= MAX_FUZZ; fuzz++) {
      out = applyPatch(current, asPatch([rebased]), { fuzzFactor: fuzz });
      if (out !== false) break;
    }
    if (out === false) {
      throw new InputError(
        `${origin(fp.origin)}: hunk ${hunkHeader(h)} does not apply to ${file}`,
        'the patch was made against a different version of this file: rebase it onto this tree',
      );
    }
    const offset = fuzz === 0 ? exactOffset(current.split('\n'), rebased, 0) ?? 0 : 0;
    if (fuzz > 0 || offset !== 0) notes.push({ file, hunk: hunkHeader(h), fuzz, offset });
    shift += h.newLines - h.oldLines;
    current = out;
  }
  return { text: current, notes };
}

/** Reads a file of the original tree; undefined when it does not exist. */
export type TreeReader = (relPath: string) => Promise<string | undefined>;

export function treeReader(root: string): TreeReader {
  return async (rel) => {
    try {
      return readFileSync(path.join(root, rel), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw err;
    }
  };
}

export interface FileChange {
  /** Path in the original tree (undefined: created). */
  oldPath?: string;
  /** Path after the patches (undefined: deleted). */
  newPath?: string;
  before?: string;
  after?: string;
  /** The file patches that touched it, in order. */
  patches: FilePatch[];
}

export interface AppliedPatch {
  /** One entry per file the patches touch, in first-touched order. */
  files: FileChange[];
  notes: ApplyNote[];
}

/**
 * Apply file patches in order (a series: later patches see earlier ones) to the tree read
 * through `read`, in memory. The result pairs each touched file's original and final text.
 */
export async function applyToTree(patches: FilePatch[], read: TreeReader): Promise<AppliedPatch> {
  // Current state: path -> text (null: deleted), and the original each path came from.
  const state = new Map<string, string | null>();
  const changes = new Map<string, FileChange>();
  const notes: ApplyNote[] = [];

  const current = async (p: string): Promise<string | undefined> => {
    if (state.has(p)) return state.get(p) ?? undefined;
    return read(p);
  };
  const changeFor = async (p: string, fp: FilePatch, created: boolean): Promise<FileChange> => {
    let c = changes.get(p);
    if (!c) {
      c = created ? { newPath: p, patches: [] } : { oldPath: p, newPath: p, before: await read(p), patches: [] };
      changes.set(p, c);
    }
    c.patches.push(fp);
    return c;
  };

  for (const fp of patches) {
    const src = fp.oldPath;
    const dst = fp.newPath;
    if (src === undefined) {
      // Created.
      if ((await current(dst!)) !== undefined) {
        throw new InputError(`${origin(fp.origin)}: creates ${dst}, which already exists in the tree`, 'the patch is already applied, or made against another tree');
      }
      const { text } = applyHunks('', fp, dst!);
      state.set(dst!, text);
      const c = await changeFor(dst!, fp, !changes.has(dst!) && (await read(dst!)) === undefined);
      c.after = text;
      continue;
    }
    const before = await current(src);
    if (before === undefined) {
      throw new InputError(`${origin(fp.origin)}: ${src} does not exist in the tree`, 'check --src (the tree root) and that the patch is for this kernel');
    }
    const { text, notes: n } = fp.modeOnly ? { text: before, notes: [] } : applyHunks(before, fp, src);
    notes.push(...n);
    if (dst === undefined) {
      if (text.length > 0 && fp.hunks.length > 0) {
        throw new InputError(`${origin(fp.origin)}: deletes ${src}, but the file has content the patch does not remove`, 'the patch was made against a different version of this file');
      }
      state.set(src, null);
      const c = await changeFor(src, fp, false);
      c.newPath = undefined;
      c.after = undefined;
      continue;
    }
    if (dst !== src && fp.status !== 'copied') state.set(src, null);
    state.set(dst, text);
    if (dst !== src) {
      // Track a rename on the entry of its original path.
      const c = await changeFor(src, fp, false);
      if (fp.status === 'copied') {
        const copy = await changeFor(dst, fp, true);
        copy.after = text;
      } else {
        changes.delete(src);
        c.newPath = dst;
        c.after = text;
        changes.set(dst, c);
      }
    } else {
      const c = await changeFor(dst, fp, false);
      c.after = text;
    }
  }
  return { files: [...changes.values()], notes };
}
