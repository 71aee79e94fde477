// A git history beside a read-only tree: a git directory outside the tree whose index tracks
// some of the tree's files, with commits made from blobs (hash-object + update-index), so the
// tree itself is never written. GIT_DIR/GIT_WORK_TREE point git (and the tool) at it.
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export interface GitBeside {
  gitDir: string;
  git: (args: string[], input?: string) => Promise<string>;
  /** Commit `text` as the content of `file` (tree-relative). */
  commit: (file: string, text: string, message: string) => Promise<string>;
  /** HEAD, the index listing and the index file's bytes: equal before and after a read-only run. */
  state: () => Promise<string>;
  /** Point process.env at the history (for in-process calls); returns a restore function. */
  activate: () => () => void;
}

export async function gitBeside(tree: string, track: string[], baseMessage: string): Promise<GitBeside> {
  const gitDir = join(mkdtempSync(join(tmpdir(), 'cdm-git-beside-')), 'git');
  const env = { GIT_DIR: gitDir, GIT_WORK_TREE: tree, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };
  const git = async (args: string[], input?: string) => (await execa('git', args, { env, input, cwd: tree })).stdout.trim();
  await execa('git', ['init', '-q', '--bare', gitDir]);
  await git(['config', 'core.bare', 'false']);
  await git(['add', '-f', ...track]);
  await git(['commit', '-q', '-m', baseMessage]);
  return {
    gitDir,
    git,
    async commit(file, text, message) {
      const blob = await git(['hash-object', '-w', '--stdin'], text);
      await git(['update-index', '--cacheinfo', `100644,${blob},${file}`]);
      await git(['commit', '-q', '-m', message]);
      return git(['rev-parse', 'HEAD']);
    },
    async state() {
      return [await git(['rev-parse', 'HEAD']), await git(['ls-files', '-s']), readFileSync(join(gitDir, 'index')).toString('base64')].join('\n');
    },
    activate() {
      const saved = { GIT_DIR: process.env.GIT_DIR, GIT_WORK_TREE: process.env.GIT_WORK_TREE };
      process.env.GIT_DIR = gitDir;
      process.env.GIT_WORK_TREE = tree;
      return () => {
        for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      };
    },
  };
}
