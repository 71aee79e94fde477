// `explain --src <tree> [--json] [--function NAME]... <patch...|revision> [-- paths]`: runs the
// check pipeline, then says for every changed and new function why it changed: the cause, the
// first differing instruction pair (objdump) with its offset and source line, and where a new
// function comes from. Exit codes are check's.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { explainCheck, formatExplain, EXPLAIN_SCHEMA } from '../explain/index.js';
import { checkInputs, pathsAfterDoubleDash } from '../git/index.js';
import { checkExitCode, checkTree } from '../tree/index.js';
import { EXIT_CODE_HELP } from './exit-codes.js';
import { parseCount } from './check.js';
import { toJson, type Output } from './output.js';

export interface ExplainCommandOptions {
  src: string;
  cc?: string;
  maxTus?: string;
  buildDir?: string;
  json?: boolean;
  function?: string[];
  config?: string;
  jobs?: string;
  skipCompilerCheck?: boolean;
}

export async function explainCommand(inputs: string[], paths: string[], opts: ExplainCommandOptions, io: Output): Promise<number> {
  const quiet = opts.json || process.env.CI === 'true' || !process.stderr.isTTY;
  const given = await checkInputs(opts.src, inputs, paths);
  // The objects are copied out of the check's mirrors before another check can reuse them.
  const keep = await mkdtemp(path.join(tmpdir(), 'cdm-explain-'));
  try {
    const report = await checkTree({
      src: opts.src,
      buildDir: opts.buildDir,
      config: opts.config,
      patches: given.patches,
      patchTexts: given.patchTexts,
      originalFrom: given.originalFrom,
      keepObjects: keep,
      jobs: parseCount(opts.jobs, '--jobs'),
      cc: opts.cc,
      maxTus: parseCount(opts.maxTus, '--max-tus'),
      skipCompilerCheck: opts.skipCompilerCheck,
      log: quiet ? undefined : (line) => io.err(line),
    });
    const record = await explainCheck(report, { functions: opts.function });
    io.out(opts.json ? toJson(record) : formatExplain(record));
    return checkExitCode(report);
  } finally {
    await rm(keep, { recursive: true, force: true });
  }
}

export function registerExplain(program: Command, io: Output, setExitCode: (code: number) => void): void {
  program
    .command('explain')
    .description('why each function changed: the hunk, the inlined callee or the reference, and the first differing instruction with its source line')
    .requiredOption('--src <tree>', 'a prepared kernel source tree (a git work tree for revisions); it is only read')
    .option('--build-dir <dir>', 'the build directory of a tree built with make O=<dir>; only read')
    .option('--json', `machine-readable output (schema ${EXPLAIN_SCHEMA})`)
    .option('--function <name>', 'explain only this function (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--config <file>', "the running kernel's config; refuse a tree configured differently")
    .option('-j, --jobs <n>', 'parallel compiles, two per TU (default: the number of cores; four times that with distcc or icecc)')
    .option('--cc <command>', 'the compiler command kbuild gets as CC, optionally behind a launcher: "ccache gcc-12", "distcc gcc-12" (default: the compiler CONFIG_CC_VERSION_TEXT names)')
    .option('--max-tus <n>', 'refuse a change that reaches more translation units than this', String(200))
    .option('--skip-compiler-check', 'accept a compiler other than the one in CONFIG_CC_VERSION_TEXT')
    .argument('<input...>', 'patch files (- for standard input), or one git revision or range of --src (HEAD, A..B), optionally followed by -- <paths>')
    .addHelpText('after', EXIT_CODE_HELP)
    .action(async (operands: string[], opts: ExplainCommandOptions, cmd: Command) => {
      let root: Command = cmd;
      while (root.parent) root = root.parent;
      const { inputs, paths } = pathsAfterDoubleDash((root as unknown as { rawArgs: string[] }).rawArgs ?? [], operands);
      setExitCode(await explainCommand(inputs, paths, opts, io));
    });
}
