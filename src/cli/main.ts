// Entry point: wires the commands to the stages and turns every failure into one line on
// stderr and a documented exit code. An uncaught exception ends as 70, never as Node's 1,
// which would read as a verdict.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CdmError, ExitCode } from '../common/errors.js';
import { EXIT_CODE_HELP } from './exit-codes.js';
import { diffObjectsCommand } from './diff-objects.js';
import { inspectCommand } from './inspect.js';
import { processOutput, type Output } from './output.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[], io: Output = processOutput): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const debug = argv.includes('--debug');
  const program = new Command('create-diff-module')
    .description('Turn a Linux kernel source diff into a livepatch module, and say why a patch is or is not live-patchable.')
    .version(packageVersion(), '-V, --version')
    .option('--debug', 'print stack traces of internal errors')
    .addHelpText('after', EXIT_CODE_HELP)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showSuggestionAfterError(true);

  program
    .command('inspect')
    .description('print the sections, symbols and relocations of an ELF64 relocatable object (a focused readelf)')
    .argument('<object>', 'an ELF64 relocatable object (.o)')
    .option('--json', 'machine-readable output (schema create-diff-module/inspect@0)')
    .addHelpText('after', EXIT_CODE_HELP)
    .action(async (object: string, opts: { json?: boolean }) => {
      exitCode = await inspectCommand(object, opts, io);
    });

  program
    .command('diff-objects')
    .description('compare two builds of one translation unit: the functions a live patch replaces or adds, and what it cannot patch')
    .argument('<orig>', 'the original object (.o), compiled with -ffunction-sections -fdata-sections')
    .argument('<patched>', 'the patched object, compiled the same way')
    .option('--json', 'machine-readable output (schema create-diff-module/diff-objects@0)')
    .addHelpText('after', EXIT_CODE_HELP)
    .action(async (orig: string, patched: string, opts: { json?: boolean }) => {
      exitCode = await diffObjectsCommand(orig, patched, opts, io);
    });

  for (const cmd of program.commands) cmd.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    return reportError(err, debug, io);
  }
}

function reportError(err: unknown, debug: boolean, io: Output): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.ok;
    // commander has already printed its message.
    return ExitCode.badInput;
  }
  if (err instanceof CdmError) {
    io.err(`create-diff-module: ${err.message}${err.hint ? `\n  hint: ${err.hint}` : ''}`);
    if (debug && err.stack) io.err(err.stack);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.err(`create-diff-module: internal error: ${message}`);
  if (debug && err instanceof Error && err.stack) io.err(err.stack);
  else io.err('  run again with --debug for a stack trace, and please report it');
  return ExitCode.internal;
}
