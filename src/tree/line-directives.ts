// Keeping unchanged code on its original line numbers: after each hunk the patched copy gets
// a `#line N` directive naming the original number of the line that follows, so __LINE__ in
// every WARN/might_sleep below a hunk is what it was. The directive goes at the first line
// boundary at or after the hunk that is outside a comment, a string and a macro continuation.

export interface HunkSpan {
  /** 1-based first line of the hunk in the patched file, and how many lines it spans there. */
  newStart: number;
  newLines: number;
  oldStart: number;
  oldLines: number;
}

const STATE_CHARS = /["'/]/;

/** For each line start (1-based index), whether a directive may be placed before it. */
function safeLineStarts(lines: string[]): boolean[] {
  const safe: boolean[] = new Array(lines.length + 2).fill(false);
  let inComment = false;
  let continued = false;
  for (let i = 0; i < lines.length; i++) {
    safe[i + 1] = !inComment && !continued;
    const line = lines[i]!;
    continued = line.endsWith('\\');
    // Most lines cannot change the state: no comment end inside a comment, no quote or slash outside.
    if (inComment ? !line.includes('*/') : !STATE_CHARS.test(line)) continue;
    let inString: string | undefined;
    for (let j = 0; j < line.length; j++) {
      const ch = line[j]!;
      const next = line[j + 1];
      if (inComment) {
        if (ch === '*' && next === '/') {
          inComment = false;
          j++;
        }
      } else if (inString) {
        if (ch === '\\') j++;
        else if (ch === inString) inString = undefined;
      } else if (ch === '/' && next === '*') {
        inComment = true;
        j++;
      } else if (ch === '/' && next === '/') {
        break;
      } else if (ch === '"' || ch === "'") {
        inString = ch;
      }
    }
  }
  safe[lines.length + 1] = !inComment && !continued;
  return safe;
}

/**
 * The patched text with `#line` directives after each hunk. `hunks` are in file order, as the
 * diff gives them; lines after the last hunk keep their original numbers too.
 */
export function withLineDirectives(patched: string, hunks: HunkSpan[]): string {
  if (hunks.length === 0) return patched;
  const lines = patched.split('\n');
  const safe = safeLineStarts(lines);
  const inserts = new Map<number, number>(); // new-file line (1-based) → original line number
  let delta = 0;
  for (const h of hunks) {
    delta = h.newStart + h.newLines - (h.oldStart + h.oldLines);
    let at = h.newStart + h.newLines; // first line after the hunk
    while (at <= lines.length && !safe[at]) at++;
    if (at > lines.length) continue;
    const orig = at - delta;
    // A hunk whose lines end up where they were needs no directive.
    if (orig !== at) inserts.set(at, orig);
  }
  const out: string[] = [];
  lines.forEach((line, i) => {
    const orig = inserts.get(i + 1);
    if (orig !== undefined) out.push(`#line ${orig}`);
    out.push(line);
  });
  return out.join('\n');
}
