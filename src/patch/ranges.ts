// The lines a change touches, original → final, as unified-diff hunks without context (1-based;
// a hunk with no old lines sits after old line `oldStart`). The texts may differ by several
// patches applied in turn, so the ranges come from comparing the two texts, not from the hunks.
import { structuredPatch } from 'diff';

export interface LineRange {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
}

/**
 * Lines common to the start of both texts are set aside before the diff runs: a fix touches a
 * few places of a file of thousands of lines (kernel/fork.c: 3,300), and the diff is on the way
 * to the compiler. Only the start: the diff follows a common prefix before anything else, so its
 * answer is the same, while which of several equal edits it picks near the end depends on what
 * follows (setting the common end aside too moved an inserted function's hunk by a line).
 */
export function changedLineRanges(before: string, after: string): LineRange[] {
  if (before === after) return [];
  let head = 0;
  let at = 0;
  // Whole lines only, compared in place (no split of either text).
  for (;;) {
    const end = before.indexOf('\n', at);
    if (end < 0 || end !== after.indexOf('\n', at) || before.slice(at, end) !== after.slice(at, end)) break;
    head++;
    at = end + 1;
  }
  return structuredPatch('a', 'b', before.slice(at), after.slice(at), '', '', { context: 0 }).hunks.map((h) => ({
    oldStart: h.oldStart + head,
    oldLines: h.oldLines,
    newStart: h.newStart + head,
    newLines: h.newLines,
  }));
}
