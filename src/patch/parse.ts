// Parse a patch as users hand it over: a plain unified diff, a `git diff` (several files,
// renames, new and deleted files), or a `git format-patch` mbox of one or more messages.
// The `diff` package parses each message; this module splits mboxes, strips path prefixes
// (-p1), and refuses what cannot be applied safely: paths outside the tree, binary diffs,
// malformed hunks. Every refusal is an InputError (exit 2) naming the patch and the file.
import { parsePatch, type StructuredPatch, type StructuredPatchHunk } from 'diff';
import { InputError } from '../common/errors.js';

export type Hunk = StructuredPatchHunk;

export interface FilePatch {
  /** Path relative to the tree, after stripping; undefined for a created file. */
  oldPath?: string;
  /** Path relative to the tree, after stripping; undefined for a deleted file. */
  newPath?: string;
  status: 'modified' | 'created' | 'deleted' | 'renamed' | 'copied';
  hunks: Hunk[];
  /** Mode change only (or rename without content change): no hunks, nothing to apply. */
  modeOnly: boolean;
  /** Where it came from, for messages: the patch's name and, for an mbox, the message. */
  origin: PatchOrigin;
}

export interface PatchOrigin {
  /** The patch file name as the user gave it (or `<stdin>`). */
  source: string;
  /** 1-based message number in a format-patch mbox, when there is more than one. */
  message?: number;
  /** The mbox message's Subject, when there is one. */
  subject?: string;
}

export interface ParseOptions {
  /** Leading path components to strip, like patch -p; default 1 (a/ and b/). */
  strip?: number;
  /** Name used in messages; default `<patch>`. */
  source?: string;
}

const MBOX_SEPARATOR = /^From [0-9a-f]{40} Mon Sep 17 00:00:00 2001$/;

/** Split a `git format-patch` mbox into messages; a plain diff is one message. */
export function splitMbox(text: string): { body: string; subject?: string }[] {
  const lines = text.split('\n');
  const starts: number[] = [];
  lines.forEach((l, i) => {
    if (MBOX_SEPARATOR.test(l)) starts.push(i);
  });
  if (starts.length === 0) return [{ body: text }];
  const messages: { body: string; subject?: string }[] = [];
  for (let m = 0; m < starts.length; m++) {
    const msg = lines.slice(starts[m]! + 1, m + 1 < starts.length ? starts[m + 1] : lines.length);
    // The signature ("-- " then the git version) follows the last hunk: cut at the last one.
    let end = msg.length;
    for (let i = msg.length - 1; i >= 0; i--) {
      if (msg[i] === '-- ') {
        end = i;
        break;
      }
    }
    const body = msg.slice(0, end);
    let subject: string | undefined;
    for (let i = 0; i < body.length && body[i] !== ''; i++) {
      const m2 = /^Subject:\s*(.*)$/.exec(body[i]!);
      if (m2) {
        subject = m2[1]!;
        // RFC 822 folded header lines.
        while (i + 1 < body.length && /^[ \t]/.test(body[i + 1]!)) subject += ' ' + body[++i]!.trim();
      }
    }
    messages.push({ body: body.join('\n') + '\n', subject });
  }
  return messages;
}

function describe(origin: PatchOrigin): string {
  if (origin.message === undefined) return origin.source;
  return `${origin.source} (message ${origin.message}${origin.subject ? `: ${origin.subject}` : ''})`;
}

/** Strip `strip` leading components and refuse paths that would leave the tree. */
export function treePath(raw: string | undefined, strip: number, origin: PatchOrigin): string | undefined {
  if (raw === undefined) return undefined;
  // `diff -u` puts a timestamp after a tab; git quotes are already undone by the parser.
  let name = raw.split('\t')[0]!.trim();
  if (name === '/dev/null' || name === '') return undefined;
  if (name.startsWith('/')) {
    throw new InputError(`${describe(origin)}: refusing absolute path ${name}`, 'a patch must name files relative to the tree (a/path, b/path)');
  }
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw new InputError(`${describe(origin)}: refusing path ${name}: it leaves the source tree`, 'a patch must name files inside the tree; check how it was made');
  }
  if (parts.length <= strip) {
    throw new InputError(`${describe(origin)}: path ${name} has no component left after stripping ${strip}`, 'use a patch made by git diff or diff -u from the tree root (a/… b/…)');
  }
  name = parts.slice(strip).join('/');
  return name;
}

function parseMessage(body: string, origin: PatchOrigin, strip: number): FilePatch[] {
  const binary = body.search(/^GIT binary patch$/m);
  if (binary >= 0) {
    const headers = [...body.slice(0, binary).matchAll(/^diff --git \S+ (?:b\/)?(\S+)$/gm)];
    const file = headers.length ? headers[headers.length - 1]![1] : undefined;
    throw new InputError(`${describe(origin)}: binary diff${file ? ` for ${file}` : ''}: cannot be analysed or live-patched`, 'remove the binary change from the patch');
  }
  let parsed: StructuredPatch[];
  try {
    parsed = parsePatch(body);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    // Name the file whose hunk broke: the last file header before the failure point.
    throw new InputError(`${describe(origin)}: malformed diff: ${msg}${lastFileBefore(body, msg)}`, 'regenerate the patch with git diff or git format-patch; a hand-edited hunk must keep its @@ line counts right');
  }
  const files: FilePatch[] = [];
  for (const p of parsed) {
    if (p.oldFileName === undefined && p.newFileName === undefined) {
      if (p.hunks.length > 0) throw new InputError(`${describe(origin)}: malformed diff: a hunk without ---/+++ file headers`, 'regenerate the patch with git diff');
      continue;
    }
    if (p.isBinary) {
      const name = (p.newFileName ?? p.oldFileName ?? '').replace(/^[ab]\//, '');
      throw new InputError(`${describe(origin)}: binary diff for ${name}: cannot be analysed or live-patched`, 'remove the binary change from the patch');
    }
    let oldPath = treePath(p.oldFileName, strip, origin);
    let newPath = treePath(p.newFileName, strip, origin);
    if (p.isCreate) oldPath = undefined;
    if (p.isDelete) newPath = undefined;
    if (oldPath === undefined && newPath === undefined) {
      throw new InputError(`${describe(origin)}: a file change names neither an old nor a new file`, 'regenerate the patch with git diff');
    }
    const status: FilePatch['status'] =
      oldPath === undefined ? 'created' : newPath === undefined ? 'deleted' : p.isRename ? 'renamed' : p.isCopy ? 'copied' : oldPath !== newPath ? 'renamed' : 'modified';
    for (const h of p.hunks) checkHunk(h, newPath ?? oldPath!, origin);
    files.push({ oldPath, newPath, status, hunks: p.hunks, modeOnly: p.hunks.length === 0, origin });
  }
  return files;
}

function lastFileBefore(body: string, msg: string): string {
  const m = /line (\d+)/.exec(msg);
  if (!m) return '';
  const lines = body.split('\n').slice(0, Number(m[1]));
  for (let i = lines.length - 1; i >= 0; i--) {
    const f = /^\+\+\+ (?:b\/)?(\S+)/.exec(lines[i]!);
    if (f) return ` (in ${f[1]})`;
  }
  return '';
}

function checkHunk(h: Hunk, file: string, origin: PatchOrigin): void {
  let oldCount = 0;
  let newCount = 0;
  for (const l of h.lines) {
    const c = l[0];
    if (c === ' ') oldCount++, newCount++;
    else if (c === '-') oldCount++;
    else if (c === '+') newCount++;
  }
  if (oldCount !== h.oldLines || newCount !== h.newLines) {
    throw new InputError(
      `${describe(origin)}: malformed hunk @@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@ in ${file}: it has ${oldCount} old and ${newCount} new lines`,
      'the patch was truncated or hand-edited; regenerate it',
    );
  }
}

/** Parse one patch file's text (plain diff, git diff, or format-patch mbox). */
export function parsePatchText(text: string, opts: ParseOptions = {}): FilePatch[] {
  const strip = opts.strip ?? 1;
  const source = opts.source ?? '<patch>';
  if (text.includes('\0')) throw new InputError(`${source}: not a text diff (it contains NUL bytes)`, 'give a unified diff, a git diff or a git format-patch file');
  const normalized = text.replace(/\r\n/g, '\n');
  const messages = splitMbox(normalized);
  const files: FilePatch[] = [];
  messages.forEach((m, i) => {
    const origin: PatchOrigin = { source, ...(messages.length > 1 || m.subject ? { message: i + 1, subject: m.subject } : {}) };
    files.push(...parseMessage(m.body, origin, strip));
  });
  if (files.length === 0) {
    throw new InputError(`${source}: no file changes found: not a unified diff`, 'give a unified diff, a git diff or a git format-patch file');
  }
  return files;
}
