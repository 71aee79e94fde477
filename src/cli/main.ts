// Entry point: wires the commands to the stages and turns every failure into one line on
// stderr and a documented exit code. An uncaught exception ends as 70, never as Node's 1,
// which would read as a verdict.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CdmError, ExitCode } from '../common/errors.js';
import { EXIT_CODE_HELP } from './exit-codes.js';
import { buildCommand, type BuildOptions } from './build.js';
import { checkCommand, registerCheckOptions } from './check.js';
import { pathsAfterDoubleDash } from '../git/index.js';
import { diffObjectsCommand } from './diff-objects.js';
import { inspectCommand } from './inspect.js';
import { registerLint } from './lint.js';
import { registerExplain } from './explain.js';
import { processOutput, type Output } from './output.js';
import { trace } from '../common/trace.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[], io: Output = processOutput): Promise<number> {
  trace('main');
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

  program
    .command('check')
    .description('compile the translation units a diff affects, original and patched, and say whether the patch is live-patchable')
    .requiredOption('--src <tree>', 'a prepared kernel source tree (its .config and include/generated); it is only read')
    .option('--build-dir <dir>', 'the build directory of a tree built with make O=<dir> (its .config and generated files); only read')
    .option('--config <file>', "the running kernel's config (e.g. /boot/config-$(uname -r)); refuse a tree configured differently")
    .option('-j, --jobs <n>', 'parallel compiles, two per TU (default: the number of cores; four times that with distcc or icecc)')
    .option('--cc <command>', 'the compiler command kbuild gets as CC, optionally behind a launcher: "ccache gcc-12", "distcc gcc-12" (default: the compiler CONFIG_CC_VERSION_TEXT names)')
    .option('--max-tus <n>', 'refuse a change that reaches more translation units than this', String(200))
    .option('--skip-compiler-check', 'accept a compiler other than the one in CONFIG_CC_VERSION_TEXT')
    .option('--no-object-cache', 'let make build both sides every time (no cached original objects, no recorded-command fast path)')
    .option('--json', 'machine-readable output, same as --format json (schema create-diff-module/report@0)')
    .argument('<input...>', 'unified diffs (git diff, git format-patch, diff -u) applied in order, - for standard input; or a git revision or range of --src (HEAD, A..B), optionally followed by -- <paths>')
    .addHelpText('after', EXIT_CODE_HELP)
    .action(async (operands: string[], opts: { src: string; buildDir?: string; config?: string; json?: boolean; jobs?: string; skipCompilerCheck?: boolean; objectCache?: boolean; cc?: string; maxTus?: string }) => {
      const { inputs, paths } = pathsAfterDoubleDash(argv, operands);
      exitCode = await checkCommand(inputs, { ...opts, paths }, io);
    });

  registerCheckOptions(program.commands.find((c) => c.name() === 'check')!);

  program
    .command('build')
    .description('everything check does, then the patch object and a livepatch module (.ko) for the running kernel')
    .requiredOption('--src <tree>', 'a prepared kernel source tree (only read)')
    .option('--build-dir <dir>', 'the build directory of a tree built with make O=<dir>; only read')
    .requiredOption('--kallsyms <file>', "the running kernel's /proc/kallsyms (read as root; KASLR dumps are fine)")
    .option('--headers <dir>', 'the kernel headers to build the module against (with Module.symvers), e.g. /usr/src/linux-headers-$(uname -r)')
    .option('--vmlinux <file>', "the running kernel's uncompressed image: the original code is checked against it (run-pre matching)")
    .option('--vmlinuz <file>', "the running kernel's vmlinuz (e.g. /boot/vmlinuz-$(uname -r)); a vmlinux is extracted from it with the tree's scripts/extract-vmlinux")
    .option('--no-verify', 'skip run-pre matching (the output then says nothing proved the build matches the running kernel)')
    .option('--modules-dir <dir>', "the running kernel's modules, for a patch to module code (default /lib/modules/<release of --headers>)")
    .option('--name <name>', 'module name (letters, digits, _; also the /sys/kernel/livepatch name)')
    .option('-o, --output <file.ko>', 'where to write the module (default <name>.ko)')
    .option('--replace', 'atomic replace: the new patch replaces every earlier livepatch')
    .option('--keep-object', 'also write the patch object (<name>-patch.o)')
    .option('--allow-unload', 'let the module be removed even when the build finds it unsafe (escaping function addresses, .cold parts, new state); otherwise such a module stays loaded until /sys/module/<name>/parameters/allow_unload is set')
    .option('--config <file>', "the running kernel's config; refuse a tree configured differently")
    .option('-j, --jobs <n>', 'parallel compiles, two per TU (default: the number of cores; four times that with distcc or icecc)')
    .option('--cc <command>', 'the compiler command kbuild gets as CC, optionally behind a launcher ("distcc gcc-12")')
    .option('--max-tus <n>', 'refuse a change that reaches more translation units than this', String(200))
    .option('--skip-compiler-check', 'accept a compiler other than the one in CONFIG_CC_VERSION_TEXT')
    .option('--no-object-cache', 'let make build both sides every time')
    .option('--json', 'machine-readable output (the report record plus module, name, plan)')
    .argument('<input...>', 'unified diffs, applied in order (- reads standard input); or a git revision or range of --src, optionally followed by -- <paths>')
    .addHelpText('after', EXIT_CODE_HELP)
    .action(async (operands: string[], opts: BuildOptions) => {
      const { inputs, paths } = pathsAfterDoubleDash(argv, operands);
      exitCode = await buildCommand(inputs, opts, io, paths);
    });

  registerLint(program, io, (code) => {
    exitCode = code;
  });

  registerExplain(program, io, (code) => {
    exitCode = code;
  });

  for (const cmd of program.commands) cmd.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });

  try {
    await program.parseAsync(argv, { from: 'user' });
    trace(`main returns ${exitCode}`);
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
