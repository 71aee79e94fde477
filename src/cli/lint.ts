// `lint [--src <tree>] [--json|--sarif] [--allow KIND]... <patch>...`: the source-only CI
// gate. No compiler; the tree is only read. Exit 0 when nothing blocks (care and review
// findings never fail the gate), 1 when a blocking finding is not waived, 2 for bad input,
// 3 when the patches change nothing functional (comments, whitespace, documentation).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import pc from 'picocolors';
import { InputError } from '../common/errors.js';
import { exitCodeFor, formatText, lintPatchFiles, REPORT_SCHEMA, toSarif } from '../source/index.js';
import { EXIT_CODE_HELP } from './exit-codes.js';
import { toJson, type Output } from './output.js';

export const LINT_SCHEMA = REPORT_SCHEMA;

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export interface LintCommandOptions {
  src?: string;
  json?: boolean;
  sarif?: boolean;
  allow?: string[];
  strip?: string;
  verbose?: boolean;
  tuCounts?: boolean;
}

export async function lintCommand(patches: string[], opts: LintCommandOptions, io: Output): Promise<number> {
  if (opts.json && opts.sarif) throw new InputError('--json and --sarif are exclusive', 'choose one output format');
  const strip = opts.strip === undefined ? 1 : Number(opts.strip);
  if (!Number.isInteger(strip) || strip < 0) throw new InputError(`-p ${opts.strip}: not a path strip count`, 'use -p1 for git diffs (the default)');
  const allow = (opts.allow ?? []).flatMap((a) => a.split(',')).map((a) => a.trim()).filter(Boolean);
  const report = await lintPatchFiles(patches, { src: opts.src ?? '.', allow, strip, tuCounts: opts.tuCounts });
  // Built in full before anything is written: a consumer never sees half a document.
  if (opts.json) io.out(toJson(report));
  else if (opts.sarif) io.out(toJson(toSarif(report, { version: version() })));
  else {
    const useColor = !process.env.NO_COLOR && process.stdout.isTTY === true;
    io.out(formatText(report, { color: useColor ? pc : undefined, verbose: opts.verbose }));
  }
  return exitCodeFor(report);
}

export function registerLint(program: Command, io: Output, setExitCode: (code: number) => void): void {
  program
    .command('lint')
    .description('source-only live-patch gate: what a diff changes in data layout and meaning, with file:line reasons (no compiler needed)')
    .argument('<patch...>', 'unified diff, git diff or git format-patch files, applied in order (- for standard input)')
    .option('--src <tree>', 'the kernel source tree the patches apply to (only read)', '.')
    .option('--json', `machine-readable report (schema ${REPORT_SCHEMA})`)
    .option('--sarif', 'SARIF 2.1.0 for code scanning (one rule per finding kind)')
    .option('--allow <kind>', 'waive a finding kind (repeatable, or comma-separated)', (v: string, prev: string[] = []) => [...prev, v])
    .option('-p, --strip <n>', 'leading path components to strip from patch paths', '1')
    .option('-v, --verbose', 'also list info findings (changed and new functions, new data)')
    .option('--no-tu-counts', 'do not estimate how many TUs include a changed header')
    .addHelpText('after', EXIT_CODE_HELP)
    .action(async (patches: string[], opts: LintCommandOptions) => {
      setExitCode(await lintCommand(patches, opts, io));
    });
}
