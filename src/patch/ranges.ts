// The lines a change touches, original → final, as hunks without context: 1-based starts, and
// a side with no lines starts at the line that follows the change (jsdiff's structuredPatch;
// a unified diff's text would name the line before). The texts may differ by several
// patches applied in turn, so the ranges come from comparing the two texts, not from the hunks.
import { diffArrays } from 'diff';

export interface LineRange {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
}

/** A text's lines, each with its line end: the tokens a line diff compares. */
function lineTokens(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/**
 * Lines common to the start of both texts are set aside before the diff runs: a fix touches a
 * few places of a file of thousands of lines (kernel/fork.c: 3,300), and the diff is on the way
 * to the compiler. Only the start: the diff follows a common prefix before anything else, so its
 * answer is the same, while which of several equal edits it picks near the end depends on what
 * follows (setting the common end aside too moved an inserted function's hunk by a line). The
 * lines are diffed as arrays (the same Myers diff jsdiff's line diff runs, on the same tokens,
 * without its tokenizer's cost), and the hunks made as its structuredPatch makes them without
 * context; tests compare the two.
 */
export function changedLineRanges(before: string, after: string): LineRange[] {
  if (before === after) return [];
  const a = lineTokens(before);
  const b = lineTokens(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  const ranges: LineRange[] = [];
  let oldLine = head;
  let newLine = head;
  let current: LineRange | undefined;
  for (const change of diffArrays(a.slice(head), b.slice(head))) {
    const n = change.count ?? change.value.length;
    if (!change.added && !change.removed) {
      current = undefined;
      oldLine += n;
      newLine += n;
      continue;
    }
    if (!current) {
      current = { oldStart: oldLine + 1, oldLines: 0, newStart: newLine + 1, newLines: 0 };
      ranges.push(current);
    }
    if (change.removed) {
      current.oldLines += n;
      oldLine += n;
    } else {
      current.newLines += n;
      newLine += n;
    }
  }
  return ranges;
}
