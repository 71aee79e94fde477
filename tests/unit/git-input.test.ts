// Git-native input on a tiny repository: patch texts per commit and the original side come
// from git; the work tree, the index and HEAD are untouched (an uncommitted edit included).
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInputs, classifyInputs, differingFromBase, gitInput, pathsAfterDoubleDash, patchesFromGit, perCommit, resolveRevisions } from '../../src/git/index.js';
import { parsePatchText } from '../../src/patch/index.js';
import { applyPatchFiles } from '../../src/tree/patches.js';
import { CdmError } from '../../src/common/errors.js';

const ENV = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.org', GIT_CONFIG_NOSYSTEM: '1', HOME: '/nonexistent' };
let repo = '';
const git = async (...args: string[]) => (await execa('git', ['-C', repo, ...args], { env: ENV })).stdout.trim();
const sha: Record<string, string> = {};

/** Every file under the repo (work tree and .git, index and HEAD included): path, size, mtime and bytes. */
function repoHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = statSync(join(dir, r));
      h.update(`${r}\0${st.size}\0${st.mtimeMs}\n`);
      if (st.isDirectory()) walk(r);
      else h.update(readFileSync(join(dir, r)));
    }
  };
  walk('');
  return h.digest('hex');
}

const CMDLINE_V1 = '// SPDX\n#include <linux/fs.h>\n\nstatic int show(void)\n{\n\treturn 0;\n}\n';
const CMDLINE_V2 = '// SPDX\n#include <linux/fs.h>\n\nstatic int show(void)\n{\n\tpr_info("x");\n\treturn 0;\n}\n';
const CMDLINE_V3 = '// SPDX\n#include <linux/fs.h>\n\nstatic int show(void)\n{\n\tpr_info("y");\n\treturn 0;\n}\n';

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), 'cdm-git-'));
  await execa('git', ['init', '-q', '-b', 'main', repo], { env: ENV });
  mkdirSync(join(repo, 'fs/proc'), { recursive: true });
  writeFileSync(join(repo, 'fs/proc/cmdline.c'), CMDLINE_V1);
  writeFileSync(join(repo, 'README'), 'readme\n');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'base');
  sha.base = await git('rev-parse', 'HEAD');
  writeFileSync(join(repo, 'fs/proc/cmdline.c'), CMDLINE_V2);
  writeFileSync(join(repo, 'fs/proc/new.c'), 'int x;\n');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'proc: print x');
  sha.one = await git('rev-parse', 'HEAD');
  writeFileSync(join(repo, 'fs/proc/cmdline.c'), CMDLINE_V3);
  await git('commit', '-q', '-am', 'proc: print y');
  sha.two = await git('rev-parse', 'HEAD');
  writeFileSync(join(repo, 'README'), 'readme 2\n');
  await git('commit', '-q', '-am', 'docs only');
  sha.docs = await git('rev-parse', 'HEAD');
  // A merge commit on a side branch.
  await git('checkout', '-q', '-b', 'side', sha.base);
  writeFileSync(join(repo, 'side.c'), 'int side;\n');
  await git('add', 'side.c');
  await git('commit', '-q', '-m', 'side');
  await git('checkout', '-q', 'main');
  await git('merge', '-q', '--no-ff', '-m', 'merge side', 'side');
  sha.merge = await git('rev-parse', 'HEAD');
  // An uncommitted edit that must stay, and a staged one.
  writeFileSync(join(repo, 'fs/proc/cmdline.c'), CMDLINE_V3 + '// local edit\n');
  writeFileSync(join(repo, 'fs/proc/new.c'), 'int x; /* staged */\n');
  await git('add', 'fs/proc/new.c');
  initial = repoHash(repo);
});

let initial = '';
afterAll(() => {
  // Nothing any test did wrote to the repository: work tree, index, HEAD, refs, objects.
  expect(repoHash(repo)).toBe(initial);
});

describe('git input', () => {
  it('gives one format-patch text per commit of a range, and the original side from the base', async () => {
    const before = repoHash(repo);
    const input = await gitInput(repo, { revisions: [`${sha.base}..${sha.two}`] });
    expect(input.base).toBe(sha.base);
    expect(input.commits).toEqual([sha.one, sha.two]);
    expect(input.patches.map((p) => p.subject)).toEqual(['proc: print x', 'proc: print y']);
    const files = parsePatchText(input.patches[0]!.text, { source: 'x' });
    expect(files.map((f) => f.newPath).sort()).toEqual(['fs/proc/cmdline.c', 'fs/proc/new.c']);
    expect(await input.readOriginal('fs/proc/cmdline.c')).toBe(CMDLINE_V1);
    expect(await input.readOriginal('fs/proc/new.c')).toBeUndefined();
    // Applied in memory to the base: the patched side is the tip, whatever the work tree holds.
    const { changes } = await applyPatchFiles(repo, [], { texts: input.patches, readOriginal: input.readOriginal });
    expect(changes.find((c) => c.path === 'fs/proc/cmdline.c')?.patched).toBe(CMDLINE_V3);
    expect(changes.find((c) => c.path === 'fs/proc/cmdline.c')?.original).toBe(CMDLINE_V1);
    expect(changes.find((c) => c.path === 'fs/proc/new.c')?.patched).toBe('int x;\n');
    // Work tree, index and HEAD: unchanged, the uncommitted and the staged edit still there.
    expect(repoHash(repo)).toBe(before);
    expect(readFileSync(join(repo, 'fs/proc/cmdline.c'), 'utf8')).toBe(CMDLINE_V3 + '// local edit\n');
    expect(await git('rev-parse', 'HEAD')).toBe(sha.merge);
    expect(await git('diff', '--cached', '--name-only')).toBe('fs/proc/new.c');
  });

  it('takes one commit as the commit alone, HEAD~n style names, and limits by paths', async () => {
    const one = await patchesFromGit(repo, { revisions: [sha.two] });
    expect(one).toHaveLength(1);
    expect(one[0]!.text).toMatch(/^-\tpr_info\("x"\);$/m);
    expect((await resolveRevisions(repo, { revisions: ['main~2'] })).commits).toEqual([sha.two]);
    const limited = await patchesFromGit(repo, { revisions: [`${sha.base}..${sha.one}`], paths: ['fs/proc/new.c'] });
    expect(limited).toHaveLength(1);
    expect(parsePatchText(limited[0]!.text, { source: 'x' }).map((f) => f.newPath)).toEqual(['fs/proc/new.c']);
  });

  it('works from a subdirectory of the repository (paths relative to the tree)', async () => {
    const sub = join(repo, 'fs');
    const input = await gitInput(sub, { revisions: [sha.two] });
    expect(parsePatchText(input.patches[0]!.text, { source: 'x' }).map((f) => f.newPath)).toEqual(['proc/cmdline.c']);
    expect(await input.readOriginal('proc/cmdline.c')).toBe(CMDLINE_V2);
  });

  it('lists the files that differ from a base in the work tree', async () => {
    expect((await differingFromBase(repo, sha.two)).sort()).toEqual(['README', 'fs/proc/cmdline.c', 'fs/proc/new.c', 'side.c']);
  });

  const fails = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      expect(err).toBeInstanceOf(CdmError);
      return err as CdmError;
    }
    throw new Error('did not fail');
  };

  it('refuses a revision that does not exist (exit 2)', async () => {
    const e = await fails(gitInput(repo, { revisions: ['no-such-branch'] }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/no-such-branch: no such revision/);
    expect((await fails(gitInput(repo, { revisions: ['--output=/tmp/x'] }))).exitCode).toBe(2);
  });

  it('refuses a merge commit (exit 2)', async () => {
    const e = await fails(gitInput(repo, { revisions: [sha.merge] }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/merge commit/);
    expect((await fails(gitInput(repo, { revisions: [`${sha.two}..${sha.merge}`] }))).message).toMatch(/merge commit/);
  });

  it('says a range with no C changes is no change (exit 3)', async () => {
    const e = await fails(gitInput(repo, { revisions: [`${sha.two}..${sha.docs}`] }));
    expect(e.exitCode).toBe(3);
    expect(e.message).toMatch(/no C source or header changes.*README/);
    expect((await fails(gitInput(repo, { revisions: [sha.two], paths: ['Documentation'] }))).exitCode).toBe(3);
  });

  it('refuses a revision when --src is not a git work tree (exit 2)', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'cdm-nogit-'));
    const e = await fails(gitInput(plain, { revisions: ['HEAD'] }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/not a git work tree/);
  });

  it('tells patch files from revisions', async () => {
    const f = join(repo, 'README');
    expect(await classifyInputs([f, '-'])).toEqual({ kind: 'patches', names: [f, '-'] });
    expect(await classifyInputs(['HEAD~1..HEAD'], ['fs/proc'])).toEqual({ kind: 'git', spec: { revisions: ['HEAD~1..HEAD'], paths: ['fs/proc'] } });
    expect((await fails(classifyInputs([f, 'HEAD']))).exitCode).toBe(2);
  });

  it('splits paths after -- from the inputs', () => {
    expect(pathsAfterDoubleDash(['explain', '--src', '.', 'A..B', '--', 'fs/proc/', 'kernel/'], ['A..B', 'fs/proc/', 'kernel/'])).toEqual({ inputs: ['A..B'], paths: ['fs/proc/', 'kernel/'] });
    expect(pathsAfterDoubleDash(['explain', 'HEAD'], ['HEAD'])).toEqual({ inputs: ['HEAD'], paths: [] });
  });

  it('gives check its options: patch texts, the base as original side, one check per commit', async () => {
    const opts = await checkInputs(repo, [`${sha.base}..${sha.two}`]);
    expect(opts.patches).toEqual([]);
    expect(opts.originalFrom).toEqual({ gitBase: sha.base });
    expect(opts.patchTexts?.map((p) => p.name)).toEqual([`${sha.one.slice(0, 12)} proc: print x`, `${sha.two.slice(0, 12)} proc: print y`]);
    expect(perCommit(opts.git!).map((c) => [c.commit, c.base])).toEqual([[sha.one, sha.base], [sha.two, sha.one]]);
    const f = join(repo, 'README');
    expect(await checkInputs(repo, [f])).toEqual({ patches: [f] });
  });
});
