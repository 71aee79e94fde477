// `lint [--src <tree>] [--format text|json|sarif|markdown] [--allow KIND]... <patch...|revision>`: the
// source-only CI gate. No compiler; the tree is only read. Exit 0 when nothing blocks (care
// and review findings never fail the gate), 1 when a blocking finding is not waived, 2 for
// bad input, 3 when the patches change nothing functional (comments, whitespace, docs).
// Waivers come from --allow and the config file (.create-diff-module.json, --config-file).
import type { Command } from 'commander';
import { InputError } from '../common/errors.js';
import { exitCodeFor, lintFilePatches, lintPatchFiles, REPORT_SCHEMA, type LintOptions } from '../source/index.js';
import { classifyInputs, gitInput, pathsAfterDoubleDash, type GitInput } from '../git/index.js';
import { parsePatchText } from '../patch/index.js';
import { colorsFor, FORMATS, loadConfigWaivers, mergeWaivers, parseAllowOption, parseFormat, renderReport, SOURCE_KIND_IDS, CONFIG_FILE_NAME } from '../report/index.js';
import { EXIT_CODE_HELP } from './exit-codes.js';
import type { Output } from './output.js';

export const LINT_SCHEMA = REPORT_SCHEMA;

export interface LintCommandOptions {
  src?: string;
  json?: boolean;
  sarif?: boolean;
  format?: string;
  allow?: string[];
  configFile?: string;
  strip?: string;
  verbose?: boolean;
  tuCounts?: boolean;
}

export async function lintCommand(patches: string[], opts: LintCommandOptions, io: Output, paths: string[] = []): Promise<number> {
  const format = parseFormat(opts);
  const strip = opts.strip === undefined ? 1 : Number(opts.strip);
  if (!Number.isInteger(strip) || strip < 0) throw new InputError(`-p ${opts.strip}: not a path strip count`, 'use -p1 for git diffs (the default)');
  // Kinds only `check` can see (object problems) are accepted, so one config serves both.
  const waivers = mergeWaivers(parseAllowOption(opts.allow), loadConfigWaivers(opts.configFile)).filter((w) => SOURCE_KIND_IDS.includes(w.kind));
  const base = { src: opts.src ?? '.', allow: waivers.map((w) => w.kind), strip, tuCounts: opts.tuCounts };
  // Patch files, or a git revision/range of --src: its commits' diffs against the base commit's files.
  const c = await classifyInputs(patches, paths);
  const report = c.kind === 'patches'
    ? await lintPatchFiles(c.names, base)
    : await lintGit(await gitInput(base.src, c.spec), base);
  report.waivers = waivers;
  // Built in full before anything is written: a consumer never sees half a document.
  io.out(renderReport(report, format, { color: colorsFor(process.stdout), verbose: opts.verbose, sarifKinds: SOURCE_KIND_IDS, title: 'create-diff-module lint' }));
  return exitCodeFor(report);
}

async function lintGit(input: GitInput, opts: LintOptions) {
  const files = input.patches.flatMap((p) => parsePatchText(p.text, { source: p.name }));
  return lintFilePatches(files, { ...opts, readOriginal: input.readOriginal });
}

export function registerLint(program: Command, io: Output, setExitCode: (code: number) => void): void {
  program
    .command('lint')
    .description('source-only live-patch gate: what a diff changes in data layout and meaning, with file:line reasons (no compiler needed)')
    .argument('<input...>', 'unified diff, git diff or git format-patch files, applied in order (- for standard input); or a git revision or range of --src (HEAD, A..B), optionally followed by -- <paths>')
    .option('--src <tree>', 'the kernel source tree the patches apply to (only read)', '.')
    .option('--format <format>', `output format: ${FORMATS.join(', ')} (markdown: a pull-request comment)`)
    .option('--json', `machine-readable report (schema ${REPORT_SCHEMA}); same as --format json`)
    .option('--sarif', 'SARIF 2.1.0 for code scanning (one rule per finding kind); same as --format sarif')
    .option('--allow <kind>', 'waive a finding kind (repeatable, or comma-separated)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--config-file <file>', `waivers with reasons, {"allow": [{"kind", "reason"}]} (default: ./${CONFIG_FILE_NAME} when present)`)
    .option('-p, --strip <n>', 'leading path components to strip from patch paths', '1')
    .option('-v, --verbose', 'also list info findings (changed and new functions, new data)')
    .option('--no-tu-counts', 'do not estimate how many TUs include a changed header')
    .addHelpText('after', EXIT_CODE_HELP)
    .action(async (operands: string[], opts: LintCommandOptions, cmd: Command) => {
      let root: Command = cmd;
      while (root.parent) root = root.parent;
      const { inputs, paths } = pathsAfterDoubleDash((root as unknown as { rawArgs: string[] }).rawArgs ?? [], operands);
      setExitCode(await lintCommand(inputs, opts, io, paths));
    });
}
