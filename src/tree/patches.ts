// The diff, applied in memory to the tree's files (src/patch), never to the tree itself; with
// the hunks of the whole change, original → final, for the #line directives.
import { applyToTree, changedLineRanges, parsePatchText, readPatches, treeReader, type FileChange as AppliedFile, type PatchInput, type TreeReader } from '../patch/index.js';
import type { HunkSpan } from './line-directives.js';

export interface FileChange {
  /** Path relative to the tree (the patched path; the original one for a deletion). */
  path: string;
  original: string | undefined;
  patched: string | undefined;
  hunks: HunkSpan[];
}

export interface ApplyOptions {
  /** Patch texts given directly (git input), applied after the named files. */
  texts?: Array<{ name: string; text: string }>;
  /** Where the original side comes from; default: the tree's files. */
  readOriginal?: TreeReader;
}

export async function applyPatchFiles(tree: string, names: string[], opts: ApplyOptions = {}): Promise<{ changes: FileChange[]; notes: string[]; applied: AppliedFile[] }> {
  const inputs: PatchInput[] = names.length || !opts.texts?.length ? await readPatches(names) : [];
  for (const t of opts.texts ?? []) inputs.push({ name: t.name, files: parsePatchText(t.text, { source: t.name }) });
  const applied = await applyToTree(inputs.flatMap((p) => p.files), opts.readOriginal ?? treeReader(tree));
  const notes = applied.notes.map((n) => `${n.file}: hunk ${n.hunk} applied${n.offset ? ` at offset ${n.offset}` : ''}${n.fuzz ? ` with fuzz ${n.fuzz}` : ''}`);
  const changes = applied.files
    .filter((f) => f.before !== f.after)
    .map((f) => {
      const path = (f.newPath ?? f.oldPath)!;
      const hunks = f.before !== undefined && f.after !== undefined ? changedLineRanges(f.before, f.after) : [];
      return { path, original: f.before, patched: f.after, hunks };
    });
  return { changes, notes, applied: applied.files };
}
