// Command-line front of the target harness (toolchain/target.sh runs `node dist/target/cli.js`).
// Progress and per-step wall times go to stderr; results (paths, outputs) to stdout.
//
//   ensure                         download, unpack and prepare (or reuse) the target
//   compile <obj>...               compile objects in the lab tree, print their paths
//   boot [--script F | -c CMD] [--module KO]... [--nokaslr] [--timeout S]
//   kallsyms [--kaslr]             print the path of the cached /proc/kallsyms dump
//   vmlinux                        print the path of the extracted vmlinux
//   all                            every step once, for timing (CI warm-up)
import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { CdmError, ExitCode } from '../common/errors.js';
import { bootTarget, compileTargetObject, ensureTarget, targetKallsyms, targetVmlinux, type KernelTarget } from './index.js';
import { timed } from './log.js';
import { now } from '../common/clock.js';

const started = now();
const log = (line: string) => {
  process.stderr.write(`[target ${((now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
};

const program = new Command('target.sh')
  .description('the real target kernel: Debian 12 linux 6.1 source, headers and image, booted under QEMU')
  .option('--abi <abi>', 'Debian kernel ABI such as 6.1.0-56 (default: newest with source, image and headers at one version)')
  .option('--cache-dir <dir>', 'cache root (default $CDM_CACHE_DIR or ~/.cache/create-diff-module)');

const target = (): Promise<KernelTarget> => {
  const o = program.opts<{ abi?: string; cacheDir?: string }>();
  return ensureTarget({ abi: o.abi, cacheDir: o.cacheDir, log });
};

program.command('ensure').description('download, unpack and prepare the target (reuses a complete cache)')
  .action(async () => {
    process.stdout.write(`${JSON.stringify(await target(), null, 2)}\n`);
  });

program.command('compile').argument('<objects...>', 'objects relative to the tree, e.g. fs/proc/cmdline.o')
  .description('compile with -ffunction-sections -fdata-sections in the lab copy of the tree')
  .action(async (objects: string[]) => {
    const t = await target();
    for (const obj of objects) process.stdout.write(`${await compileTargetObject(t, obj, { log })}\n`);
  });

program.command('boot').description('boot the image under QEMU, run a script, print its output')
  .option('--script <file>', 'busybox sh script to run in the guest')
  .option('-c, --command <cmd>', 'script text to run in the guest')
  .option('--module <ko>', 'module to copy into the guest (/modules/<name>); repeatable', (v: string, all: string[]) => [...all, v], [] as string[])
  .option('--nokaslr', 'boot with nokaslr')
  .option('--timeout <seconds>', 'hard time-out per attempt', '300')
  .option('--console', 'print the console log too (to stderr)')
  .action(async (o: { script?: string; command?: string; module: string[]; nokaslr?: boolean; timeout: string; console?: boolean }) => {
    const script = o.script ? await readFile(o.script, 'utf8') : (o.command ?? 'uname -a; cat /proc/cmdline\n');
    const t = await target();
    const r = await bootTarget(t, { script, modules: o.module, kaslr: !o.nokaslr, timeoutMs: Number(o.timeout) * 1000, log });
    if (o.console) process.stderr.write(r.console);
    process.stdout.write(r.output);
  });

program.command('kallsyms').description('print the path of the cached /proc/kallsyms dump (booting once if needed)')
  .option('--kaslr', 'the dump of a KASLR boot (default nokaslr)')
  .action(async (o: { kaslr?: boolean }) => {
    const t = await target();
    process.stdout.write(`${await timed(log, `kallsyms (${o.kaslr ? 'kaslr' : 'nokaslr'})`, () => targetKallsyms(t, { kaslr: !!o.kaslr, log }))}\n`);
  });

program.command('vmlinux').description('print the path of vmlinux extracted from the image')
  .action(async () => {
    process.stdout.write(`${await targetVmlinux(await target(), { log })}\n`);
  });

program.command('all').description('every step once (ensure, compile, boot, kallsyms, vmlinux), with timings')
  .action(async () => {
    const t = await timed(log, 'ensure', target);
    await compileTargetObject(t, 'fs/proc/cmdline.o', { log });
    await bootTarget(t, { script: 'cat /proc/cmdline\n', log });
    await timed(log, 'kallsyms (nokaslr)', () => targetKallsyms(t, { kaslr: false, log }));
    await timed(log, 'kallsyms (kaslr)', () => targetKallsyms(t, { kaslr: true, log }));
    await targetVmlinux(t, { log });
  });

try {
  await program.parseAsync();
} catch (err) {
  if (err instanceof CdmError) {
    process.stderr.write(`target: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`target: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = ExitCode.internal;
  }
}
