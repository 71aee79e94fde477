// Git-native input: a revision or a range of a git work tree in place of patch files. Patch
// texts come from `git format-patch --stdout` (one per commit), the original side from the
// range's base commit (`git cat-file`), never from a checkout: the user's work tree, index
// and HEAD are only read. Every git call runs with GIT_OPTIONAL_LOCKS=0, so not even the
// index's stat cache is refreshed on disk.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { runTool, type ToolResult } from '../build/exec.js';
import { CdmError, ExitCode, InputError } from '../common/errors.js';

export interface GitSpec {
  /** One revision (`HEAD`, a sha, a tag: that commit alone) or one range (`A..B`). */
  revisions: string[];
  /** Pathspecs limiting the diff (`-- fs/proc/`), relative to the tree. */
  paths?: string[];
}

export interface GitPatch {
  /** `<short sha> <subject>`, for messages and per-commit reports. */
  name: string;
  commit: string;
  subject: string;
  /** A format-patch message (one commit's diff, no signature). */
  text: string;
}

export interface GitInput {
  /** The commit the original side is read from (the parent of the first commit). */
  base: string;
  /** The commits, oldest first. */
  commits: string[];
  patches: GitPatch[];
  /** Reads a tree-relative file as of `base`; undefined when it does not exist there. */
  readOriginal: (relPath: string) => Promise<string | undefined>;
}

/** Files whose change can change code: C sources and headers (and assembler sources). */
export const CODE_FILE = /\.(c|h|S)$/;

const GIT_ENV = { GIT_OPTIONAL_LOCKS: '0', GIT_PAGER: 'cat', PAGER: 'cat', LC_ALL: 'C', GIT_CONFIG_NOSYSTEM: '1' };

/** Options that make git's diff output what our parser expects, whatever the user's config. */
const DIFF_OPTS = ['--no-color', '--no-ext-diff', '--no-textconv', '--src-prefix=a/', '--dst-prefix=b/', '--no-renames', '--full-index'];

async function git(tree: string, args: string[], allowFailure = false): Promise<ToolResult> {
  return runTool('git', ['-C', tree, '-c', 'core.quotePath=false', ...args], { env: GIT_ENV, allowFailure, timeout: 10 * 60_000 });
}

/** The tree's path inside its repository ('' at the top level, else `sub/dir/`); undefined: not a git work tree. */
export async function gitPrefix(tree: string): Promise<string | undefined> {
  const r = await git(tree, ['rev-parse', '--is-inside-work-tree', '--show-prefix'], true);
  if (r.exitCode !== 0) return undefined;
  const [inside, prefix] = r.stdout.split('\n');
  return inside === 'true' ? (prefix ?? '') : undefined;
}

export async function isGitTree(tree: string): Promise<boolean> {
  return (await gitPrefix(tree)) !== undefined;
}

async function requireGitTree(tree: string, what: string): Promise<string> {
  try {
    if (!(await stat(tree)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new InputError(`${tree}: no such directory`, 'pass --src <kernel source tree>');
  }
  const prefix = await gitPrefix(tree);
  if (prefix === undefined) {
    throw new InputError(`${tree} is not a git work tree, so ${what} cannot be read from it`, 'pass patch files instead (git format-patch output, or - for standard input), or --src a git work tree');
  }
  return prefix;
}

async function resolveCommit(tree: string, rev: string): Promise<string> {
  if (rev.startsWith('-')) throw new InputError(`${rev}: not a revision`, 'name a commit, tag or branch (HEAD, v6.1.190, A..B)');
  const r = await git(tree, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], true);
  const sha = r.stdout.trim();
  if (r.exitCode !== 0 || !/^[0-9a-f]{40,64}$/.test(sha)) {
    throw new InputError(`${rev}: no such revision in ${tree}`, 'name an existing commit, tag or branch (git log --oneline shows them)');
  }
  return sha;
}

async function parentsOf(tree: string, sha: string): Promise<string[]> {
  const r = await git(tree, ['rev-list', '--parents', '-n', '1', sha]);
  return r.stdout.trim().split(/\s+/).slice(1);
}

/**
 * Resolve a revision spec: `X` is the commit X alone (base X^), `A..B` the commits reachable
 * from B and not from A (base: the merge base of A and B), oldest first. Merge commits are
 * refused: their diff has no single original side.
 */
export async function resolveRevisions(tree: string, spec: GitSpec): Promise<{ base: string; commits: string[] }> {
  await requireGitTree(tree, `revision ${spec.revisions.join(' ')}`);
  if (spec.revisions.length !== 1) {
    throw new InputError(`${spec.revisions.join(' ')}: give one revision or one range`, 'a range A..B covers several commits; --per-commit reports them one by one');
  }
  const rev = spec.revisions[0]!;
  if (rev.includes('...')) throw new InputError(`${rev}: symmetric ranges are not supported`, 'use A..B (the commits of B not in A)');
  let base: string;
  let commits: string[];
  if (rev.includes('..')) {
    const [a, b] = rev.split('..');
    const from = await resolveCommit(tree, a || 'HEAD');
    const to = await resolveCommit(tree, b || 'HEAD');
    const mb = await git(tree, ['merge-base', from, to], true);
    if (mb.exitCode !== 0) throw new InputError(`${rev}: ${a} and ${b} have no common history`, 'name a range within one history');
    base = mb.stdout.trim();
    commits = (await git(tree, ['rev-list', '--reverse', `${from}..${to}`])).stdout.split('\n').filter(Boolean);
    if (commits.length === 0) throw new CdmError(ExitCode.noChange, `${rev}: the range has no commits`, 'A..B lists the commits of B that are not in A');
  } else {
    const sha = await resolveCommit(tree, rev);
    const parents = await parentsOf(tree, sha);
    if (parents.length === 0) throw new InputError(`${rev} (${sha.slice(0, 12)}) is a root commit: there is no original side to compare with`, 'name a commit that has a parent');
    commits = [sha];
    base = parents[0]!;
  }
  for (const c of commits) {
    const parents = await parentsOf(tree, c);
    if (parents.length > 1) {
      throw new InputError(`${c.slice(0, 12)} is a merge commit: its changes have no single original side`, 'check the commits the merge brought in (e.g. M^1..M^2), or a range that excludes the merge');
    }
  }
  return { base, commits };
}

function pathspecs(prefix: string, paths: string[] | undefined): string[] {
  // Relative to the tree (the repository may hold the tree in a subdirectory).
  const list = paths && paths.length ? paths : ['.'];
  return list.map((p) => {
    const joined = path.posix.join(prefix, p);
    // `:(top).` matches nothing in git 2.39: the top itself is `:(top)`.
    return `:(top)${joined === '.' || joined === './' ? '' : joined.replace(/\/$/, '')}`;
  });
}

/** Files the commits change (tree-relative), limited to the pathspecs. */
async function changedFiles(tree: string, prefix: string, base: string, tip: string, paths: string[] | undefined): Promise<string[]> {
  const r = await git(tree, ['diff', '--name-only', '-z', '--no-renames', '--relative', base, tip, '--', ...pathspecs(prefix, paths)]);
  return r.stdout.split('\0').filter(Boolean);
}

/**
 * Patch texts per commit of the spec (`git format-patch --stdout`, paths relative to the tree)
 * and the base commit the original side comes from. A range whose commits change no C source
 * or header is "no functional change" (exit 3).
 */
export async function gitInput(tree: string, spec: GitSpec): Promise<GitInput> {
  const prefix = await requireGitTree(tree, `revision ${spec.revisions.join(' ')}`);
  const { base, commits } = await resolveRevisions(tree, spec);
  const tip = commits[commits.length - 1]!;
  const files = await changedFiles(tree, prefix, base, tip, spec.paths);
  const where = spec.paths?.length ? ` under ${spec.paths.join(', ')}` : '';
  if (!files.some((f) => CODE_FILE.test(f))) {
    throw new CdmError(ExitCode.noChange, `${spec.revisions.join(' ')}: no C source or header changes${where}${files.length ? ` (changes only ${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''})` : ''}`, 'nothing to live-patch');
  }
  const patches: GitPatch[] = [];
  for (const c of commits) {
    const r = await git(tree, ['format-patch', '--stdout', '--no-signature', '--no-stat', '--relative', ...DIFF_OPTS, '-1', c, '--', ...pathspecs(prefix, spec.paths)]);
    // A commit that touches none of the paths gives a message without a diff: nothing to apply.
    if (!/^diff --git /m.test(r.stdout)) continue;
    const subject = (await git(tree, ['log', '-1', '--format=%s', c])).stdout.trim();
    patches.push({ name: `${c.slice(0, 12)} ${subject}`, commit: c, subject, text: r.stdout });
  }
  return { base, commits, patches, readOriginal: originalReader(tree, prefix, base) };
}

/** patchesFromGit(tree, spec): the patch texts alone, per commit. */
export async function patchesFromGit(tree: string, spec: GitSpec): Promise<{ name: string; text: string }[]> {
  return (await gitInput(tree, spec)).patches.map((p) => ({ name: p.name, text: p.text }));
}

/** Reads tree-relative files as of `base` (git cat-file: no filters, no checkout). */
export function originalReader(tree: string, prefix: string, base: string): (relPath: string) => Promise<string | undefined> {
  const cache = new Map<string, Promise<string | undefined>>();
  return (rel) => {
    let p = cache.get(rel);
    if (!p) {
      p = (async () => {
        const object = `${base}:${path.posix.join(prefix, rel)}`;
        const kind = await git(tree, ['cat-file', '-t', object], true);
        if (kind.exitCode !== 0 || kind.stdout.trim() !== 'blob') return undefined;
        return (await git(tree, ['cat-file', 'blob', object])).stdout;
      })();
      cache.set(rel, p);
    }
    return p;
  };
}

/** The original reader for a base given by name (CheckOptions.originalFrom). */
export async function gitBaseReader(tree: string, base: string): Promise<(relPath: string) => Promise<string | undefined>> {
  const prefix = await requireGitTree(tree, `base ${base}`);
  return originalReader(tree, prefix, await resolveCommit(tree, base));
}

/**
 * Tracked files whose work-tree content differs from `base` (uncommitted edits, later
 * commits), tree-relative: a check whose original side is `base` must see base's content
 * for them in both builds, not the work tree's.
 */
export async function differingFromBase(tree: string, base: string): Promise<string[]> {
  const prefix = await requireGitTree(tree, `base ${base}`);
  const r = await git(tree, ['diff', '--name-only', '-z', '--no-renames', '--relative', await resolveCommit(tree, base), '--', ...pathspecs(prefix, undefined)]);
  return r.stdout.split('\0').filter(Boolean);
}

/**
 * Command-line inputs: patch files ('-' and existing files) or git revisions. Mixing both is
 * refused; `paths` (after `--`) only go with revisions.
 */
export async function classifyInputs(args: string[], paths: string[] = []): Promise<{ kind: 'patches'; names: string[] } | { kind: 'git'; spec: GitSpec }> {
  const isFile = async (a: string) => {
    if (a === '-') return true;
    try {
      return (await stat(a)).isFile();
    } catch {
      return false;
    }
  };
  const files = await Promise.all(args.map(isFile));
  if (files.every(Boolean)) {
    if (paths.length) throw new InputError(`paths after -- (${paths.join(' ')}) only limit a git revision`, 'give a revision (HEAD, A..B) with -- <paths>');
    return { kind: 'patches', names: args };
  }
  if (files.some(Boolean)) {
    throw new InputError(`${args.join(' ')}: mixes patch files and revisions`, 'give either patch files or one revision/range');
  }
  return { kind: 'git', spec: { revisions: args, paths } };
}

/**
 * What a command's positional inputs mean for checkTree: patch files, or a revision/range of
 * `src` (patch texts per commit, original side from the base commit). Shared by check,
 * explain, lint and build.
 */
export async function checkInputs(src: string, args: string[], paths: string[] = []): Promise<{
  patches: string[];
  patchTexts?: Array<{ name: string; text: string }>;
  originalFrom?: { gitBase: string };
  git?: GitInput;
}> {
  const c = await classifyInputs(args, paths);
  if (c.kind === 'patches') return { patches: c.names };
  const input = await gitInput(src, c.spec);
  return { patches: [], patchTexts: input.patches.map((p) => ({ name: p.name, text: p.text })), originalFrom: { gitBase: input.base }, git: input };
}

/** The operands after a literal `--` in argv (commander drops the `--` itself). */
export function pathsAfterDoubleDash(rawArgs: readonly string[], operands: string[]): { inputs: string[]; paths: string[] } {
  const at = rawArgs.indexOf('--');
  if (at < 0) return { inputs: operands, paths: [] };
  const paths = rawArgs.slice(at + 1);
  return { inputs: operands.slice(0, Math.max(0, operands.length - paths.length)), paths };
}

/**
 * One check per commit (`--per-commit`): each commit's patch against its own parent. Commits
 * that touch none of the paths are left out (they have no patch).
 */
export function perCommit(input: GitInput): Array<{ commit: string; subject: string; base: string; patch: { name: string; text: string } }> {
  return input.patches.map((p) => {
    const at = input.commits.indexOf(p.commit);
    return { commit: p.commit, subject: p.subject, base: at > 0 ? input.commits[at - 1]! : input.base, patch: { name: p.name, text: p.text } };
  });
}
