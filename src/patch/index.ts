// Patches in memory: parse (unified diff, git diff, format-patch mbox) and apply to a tree's
// files without writing anything. Shared by `lint` and `check`.
export { parsePatchText, splitMbox, treePath, type FilePatch, type Hunk, type ParseOptions, type PatchOrigin } from './parse.js';
export { applyHunks, applyToTree, hunkHeader, treeReader, MAX_FUZZ, type AppliedPatch, type ApplyNote, type FileChange, type TreeReader } from './apply.js';
export { readPatches, type PatchInput } from './read.js';
export { changedLineRanges, type LineRange } from './ranges.js';
