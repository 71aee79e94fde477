// `explain` on the real Debian 6.1 tree (testdata/kernel/diff): an edited function names its
// hunk, an inlined callee is named with its chain, comment lines above a WARN are line numbers
// only, a new helper is a new definition; and git-native input on a history built beside the
// tree (an index-only git directory: the tree is only read), with the tree, index and HEAD
// unchanged afterwards.
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { execa } from 'execa';
import { runCli } from '../helpers/cli.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTarget, TEST_ABI, type KernelTarget } from '../../src/target/index.js';
import { registerExplain } from '../../src/cli/explain.js';
import { CdmError } from '../../src/common/errors.js';
import type { ExplainRecord } from '../../src/explain/index.js';

const DIFF = new URL('../../testdata/kernel/diff/', import.meta.url).pathname;

function treeHash(dir: string, contentOf: string[]): string {
  const h = createHash('sha256');
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, r));
      h.update(`${r}\0${st.size}\0${st.mode}\0${st.mtimeMs}\n`);
      if (st.isDirectory()) walk(r);
    }
  };
  walk('');
  for (const f of contentOf) h.update(readFileSync(join(dir, f)));
  return h.digest('hex');
}

/** The explain command as main.ts wires it, with captured output. */
async function explain(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  let code = -1;
  const program = new Command('create-diff-module').exitOverride();
  registerExplain(program, { out: (s) => void out.push(s), err: (s) => void err.push(s) }, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CdmError)) throw e;
    err.push(e.message);
    code = e.exitCode;
  }
  return { code, stdout: out.join(''), stderr: err.join('\n') };
}

const json = async (patch: string, ...more: string[]) => {
  const r = await explain(['explain', '--json', '--src', target.sourceDir, ...more, join(DIFF, patch)]);
  expect(r.stderr, r.stderr).not.toMatch(/internal error/);
  return { ...r, record: JSON.parse(r.stdout) as ExplainRecord };
};

const READ = ['.config', 'fs/proc/cmdline.c', 'kernel/fork.c'];
let target: KernelTarget;
let before = '';
beforeAll(async () => {
  target = await ensureTarget({ abi: TEST_ABI });
  before = treeHash(target.sourceDir, READ);
});

afterAll(() => {
  expect(treeHash(target.sourceDir, READ)).toBe(before);
});

describe('explain on real Debian 6.1 fixes', () => {
  it('an edited function names its hunk, and the first differing instruction with its line', async () => {
    const { code, record } = await json('proc-cmdline-string.patch');
    expect(code).toBe(0);
    expect(record.schema).toBe('create-diff-module/explain@0');
    const f = record.functions.find((x) => x.name === 'cmdline_proc_show')!;
    expect(f.cause).toBe('edited');
    expect(f.hunks.some((h) => h.file === 'fs/proc/cmdline.c' && (h.line === 9 || h.line === 10))).toBe(true);
    const d = f.first_difference!;
    expect(d.orig).not.toBe(d.patched);
    // The new literal, named by its contents.
    expect(d.patched).toContain('"cmdline: "');
    expect(d.orig).toContain('saved_command_line');
    expect(d.context.some((c) => c.differs)).toBe(true);
    expect(d.patched_line?.file).toBe('fs/proc/cmdline.c');
    expect(d.patched_line?.line).toBeGreaterThanOrEqual(7);
    // Text: a side-by-side view.
    const text = await explain(['explain', '--src', target.sourceDir, join(DIFF, 'proc-cmdline-string.patch')]);
    expect(text.stdout).toMatch(/cmdline_proc_show .*\[changed, edited\]/);
    expect(text.stdout).toMatch(/edited: hunk\(s\) at fs\/proc\/cmdline\.c:(9|10)/);
    expect(text.stdout).toMatch(/│/);
  });

  it('a string-literal-only change: the first difference names both literals by their contents', async () => {
    const { code, record } = await json('acct-message-string.patch');
    expect(code).toBe(0);
    expect(record.changed).toEqual(['check_free_space']);
    const f = record.functions[0]!;
    expect(f.cause).toBe('edited');
    expect(f.hunks).toEqual([{ file: 'kernel/acct.c', line: 139 }]);
    const d = f.first_difference!;
    expect(d.orig).toContain('Process accounting paused\\n');
    expect(d.patched).toContain('Process accounting paused (disk space low)');
    expect(d.patched_line).toMatchObject({ file: 'kernel/acct.c', line: 139 });
  });

  it('check --explain links each changed function to its explanation', async () => {
    const r = await runCli(['check', '--json', '--explain', '--src', target.sourceDir, join(DIFF, 'fork-new-helper.patch')]);
    expect(r.exitCode, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.functions.length).toBeGreaterThan(0);
    for (const f of report.functions) {
      expect(f.explanation?.name, f.name).toBe(f.name);
      expect(f.explanation.cause).toBe(f.cause);
    }
    expect(report.functions.some((f: { status: string; explanation: { origin: unknown } }) => f.status === 'new' && f.explanation.origin)).toBe(true);
    const text = await runCli(['check', '--explain', '--src', target.sourceDir, join(DIFF, 'fork-new-helper.patch')]);
    expect(text.stdout).toMatch(/│/);
  });

  it('an inlined callee is named, with the chain', async () => {
    const { record } = await json('fork-inline-free-signal.patch');
    const inl = record.functions.filter((x) => x.cause === 'inlined');
    expect(inl.length).toBeGreaterThan(0);
    for (const f of inl) {
      expect(f.callees).toContain('free_signal_struct');
      const i = f.inlined.find((x) => x.callee === 'free_signal_struct')!;
      expect(i.chain[0]).toBe(f.name);
      expect(i.chain[i.chain.length - 1]).toBe('free_signal_struct');
      expect(i.hunks.some((h) => h.file === 'kernel/fork.c')).toBe(true);
    }
  });

  it('a callee inlined into three callers: each caller names it and its hunk, read from the original build', async () => {
    // gcc inlines lock_trace into all three in the original build and stops inlining it once
    // the fix makes it larger: the evidence is in the original object's DWARF.
    const { record } = await json('proc-base-lock-trace-inlined.patch');
    const callers = record.functions.filter((x) => x.status === 'changed');
    expect(callers.map((x) => x.name).sort()).toEqual(['proc_pid_personality', 'proc_pid_stack', 'proc_pid_syscall']);
    for (const f of callers) {
      expect(f.cause, f.name).toBe('inlined');
      expect(f.callees, f.name).toEqual(['lock_trace']);
      const i = f.inlined.find((x) => x.callee === 'lock_trace')!;
      expect(i.chain).toEqual([f.name, 'lock_trace']);
      expect(i.hunks.length).toBeGreaterThan(0);
      expect(i.hunks.every((h) => h.file === 'fs/proc/base.c' && h.line >= 440 && h.line <= 450)).toBe(true);
    }
    const helper = record.functions.find((x) => x.name === 'lock_trace')!;
    expect(helper.status).toBe('new');
    expect(helper.origin?.kind).toBe('out-of-line');
  });

  it('comment lines above a WARN change no function (line numbers only)', async () => {
    const { code, record } = await json('fork-comment-lines-above-warn.patch');
    expect(code).toBe(3);
    expect(record.changed).toEqual([]);
    expect(record.new).toEqual([]);
    for (const f of record.functions) {
      expect(f.cause).toBe('line-numbers');
      expect(f.replaced).toBe(false);
    }
  });

  it('a new helper is a new definition; --function limits the output', async () => {
    const { record } = await json('fork-new-helper.patch');
    const f = record.functions.find((x) => x.name === 'clone3_stack_size_sane')!;
    expect(f.status).toBe('new');
    expect(f.origin).toEqual({ kind: 'definition' });
    expect(f.hunks[0]?.file).toBe('kernel/fork.c');
    expect(record.new).toContain('clone3_stack_size_sane');
    // The syscall body has no hunk inside it: the edited callee inlined into it is the evidence.
    const body = record.functions.find((x) => x.name === '__do_sys_clone3')!;
    expect(body.replaced_via?.sort()).toEqual(['__ia32_sys_clone3', '__x64_sys_clone3']);
    expect(body.inlined.some((i) => i.callee === 'clone3_stack_valid' && i.hunks.length > 0)).toBe(true);
    // Callers replaced only for their no-fentry callee: no instruction differs, and it says so.
    const wrapper = record.functions.find((x) => x.name === '__x64_sys_clone3')!;
    expect(wrapper.cause).toBe('reference');
    expect(wrapper.first_difference?.what).toMatch(/no fentry/);
    expect(wrapper.first_difference?.context).toEqual([]);
    const only = await json('fork-new-helper.patch', '--function', 'clone3_stack_size_sane');
    expect(only.record.functions.map((x) => x.name)).toEqual(['clone3_stack_size_sane']);
  });

  it('refuses a revision when --src is not a git work tree (exit 2)', async () => {
    const r = await explain(['explain', '--src', target.sourceDir, 'HEAD']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a git work tree/);
  });
});

describe('explain with git input', () => {
  // A git directory outside the tree whose index tracks fs/proc of the (read-only) tree: two
  // commits change fs/proc/cmdline.c in history only, so the work tree holds the base's
  // content, which is, for git, an uncommitted edit. GIT_DIR/GIT_WORK_TREE point git at it.
  let gitDir = '';
  let saved: Record<string, string | undefined> = {};
  const env = () => ({ GIT_DIR: gitDir, GIT_WORK_TREE: target.sourceDir, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' });
  const git = async (args: string[], input?: string) => (await execa('git', args, { env: env(), input, cwd: target.sourceDir })).stdout.trim();
  const gitState = async () => [await git(['rev-parse', 'HEAD']), await git(['ls-files', '-s']), readFileSync(join(gitDir, 'index')).toString('base64')].join('\n');

  beforeAll(async () => {
    gitDir = join(mkdtempSync(join(tmpdir(), 'cdm-git-kernel-')), 'git');
    await execa('git', ['init', '-q', '--bare', gitDir]);
    await git(['config', 'core.bare', 'false']);
    await git(['add', '-f', 'fs/proc']);
    await git(['commit', '-q', '-m', 'base: fs/proc of Debian 6.1']);
    const orig = readFileSync(join(target.sourceDir, 'fs/proc/cmdline.c'), 'utf8');
    const one = orig.replace('\tseq_puts(m, saved_command_line);', '\tseq_puts(m, "cmdline: ");\n\tseq_puts(m, saved_command_line);');
    const two = one.replace("\tseq_putc(m, '\\n');", "\tseq_putc(m, '\\n');\n\tseq_putc(m, '\\n');");
    expect(two).not.toBe(one);
    for (const [text, msg] of [[one, 'proc: prefix cmdline'], [two, 'proc: two newlines']] as const) {
      const blob = await git(['hash-object', '-w', '--stdin'], text);
      await git(['update-index', '--cacheinfo', `100644,${blob},fs/proc/cmdline.c`]);
      await git(['commit', '-q', '-m', msg]);
    }
    saved = { GIT_DIR: process.env.GIT_DIR, GIT_WORK_TREE: process.env.GIT_WORK_TREE };
    process.env.GIT_DIR = gitDir;
    process.env.GIT_WORK_TREE = target.sourceDir;
  });

  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  });

  it('explains HEAD and a range; the tree, index and HEAD are unchanged', async () => {
    const state = await gitState();
    const head = await explain(['explain', '--json', '--src', target.sourceDir, 'HEAD']);
    expect(head.code, head.stderr).toBe(0);
    const h = JSON.parse(head.stdout) as ExplainRecord;
    expect(h.changed).toEqual(['cmdline_proc_show']);
    // HEAD alone adds the second newline: its hunk is below the first commit's line.
    expect(h.functions[0]!.hunks.some((x) => x.line >= 10)).toBe(true);
    const range = await explain(['explain', '--json', '--src', target.sourceDir, 'HEAD~2..HEAD', '--', 'fs/proc/']);
    expect(range.code, range.stderr).toBe(0);
    const r = JSON.parse(range.stdout) as ExplainRecord;
    expect(r.changed).toEqual(['cmdline_proc_show']);
    expect(r.functions[0]!.hunks.some((x) => x.line === 9)).toBe(true);
    expect(await gitState()).toBe(state);
  });

  it('check takes a revision too, reading the original side from git', async () => {
    const state = await gitState();
    const r = await runCli(['check', '--json', '--src', target.sourceDir, 'HEAD~2..HEAD', '--', 'fs/proc/']);
    expect(r.exitCode, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.verdict).toBe('patchable');
    expect(report.changed).toEqual(['cmdline_proc_show']);
    expect(await gitState()).toBe(state);
  });

  it('check --per-commit reports each commit against its parent; lint takes the range too', async () => {
    const state = await gitState();
    const r = await runCli(['check', '--json', '--per-commit', '--src', target.sourceDir, 'HEAD~2..HEAD', '--', 'fs/proc/']);
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.schema).toBe('create-diff-module/per-commit@0');
    expect(out.commits.map((c: { subject: string }) => c.subject)).toEqual(['proc: prefix cmdline', 'proc: two newlines']);
    for (const c of out.commits) {
      expect(c.report.verdict).toBe('patchable');
      expect(c.report.changed).toEqual(['cmdline_proc_show']);
    }
    // Each commit's hunk is its own: the second commit's lies below the first's added line.
    const lines = out.commits.map((c: { report: { functions: Array<{ hunks: Array<{ line: number }> }> } }) => c.report.functions[0]!.hunks.map((h) => h.line));
    expect(lines[0]).toContain(9);
    expect(lines[1]!.every((l: number) => l >= 10)).toBe(true);
    const text = await runCli(['check', '--per-commit', '--src', target.sourceDir, 'HEAD~2..HEAD']);
    expect(text.stdout).toMatch(/^commit [0-9a-f]{12} proc: prefix cmdline$/m);
    expect(text.stdout).toMatch(/2 commit\(s\), overall verdict: patchable/);
    const lint = await runCli(['lint', '--json', '--src', target.sourceDir, 'HEAD~2..HEAD']);
    expect(lint.exitCode, lint.stderr).toBe(0);
    // The range as one change against its base: both commits' lines in cmdline_proc_show.
    expect(JSON.parse(lint.stdout).changed).toEqual(['cmdline_proc_show']);
    expect(await gitState()).toBe(state);
  });

  it('check --per-commit refuses patch files (exit 2)', async () => {
    const r = await runCli(['check', '--per-commit', '--src', target.sourceDir, join(DIFF, 'proc-cmdline-string.patch')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--per-commit .* git revision range/);
  });

  it('says a range with no C changes under the paths is no change (exit 3), an unknown revision exit 2', async () => {
    const none = await explain(['explain', '--src', target.sourceDir, 'HEAD~2..HEAD', '--', 'Documentation/']);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/no C source or header changes/);
    const bad = await explain(['explain', '--src', target.sourceDir, 'v9.9..HEAD']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/v9\.9: no such revision/);
  });
});
