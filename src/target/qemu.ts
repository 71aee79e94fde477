// Boot a kernel under QEMU with software emulation (TCG) and collect what it printed.
//
// Flags as measured in DESIGN.md: never KVM (QEMU hangs with it on these machines), never
// -nographic together with -serial file: (the file would become ttyS0 and there would be no
// ttyS1). The first serial port is the console (kernel log, the script's stderr); the second
// carries the script's stdout. Under TCG a boot takes 7-25 s depending on load, so every boot
// has a hard time-out of minutes; QEMU is killed when it runs out, and a boot that timed out
// is tried once more (a loaded machine can be slow once). A boot that finished with a wrong
// answer is never retried: that is the answer.
import { execa } from 'execa';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EnvironmentError } from '../common/errors.js';
import { MARK_END, MARK_START } from './initramfs.js';
import { quiet, timed, type Log } from './log.js';

export const DEFAULT_QEMU = 'qemu-system-x86_64';
export const DEFAULT_BOOT_TIMEOUT_MS = 5 * 60_000;

export interface QemuBoot {
  vmlinuz: string;
  initramfs: Uint8Array;
  kaslr: boolean;
  timeoutMs?: number;
  /** The QEMU binary (name on PATH or path); default qemu-system-x86_64. */
  qemu?: string;
  /** Extra kernel command-line words. */
  append?: readonly string[];
  log?: Log;
}

export interface BootResult {
  console: string;
  output: string;
}

/** CRLF (and a lone CR before LF from the tty layer) to LF. */
export const normaliseNewlines = (s: string) => s.replace(/\r+\n/g, '\n');

export function qemuArgs(vmlinuz: string, initramfs: string, dir: string, append: string): string[] {
  for (const f of [path.join(dir, 'console.txt'), path.join(dir, 'out.txt')]) {
    if (f.includes(',')) throw new EnvironmentError(`${f}: QEMU option values cannot contain a comma; set TMPDIR elsewhere`);
  }
  return [
    '-accel', 'tcg', '-cpu', 'max', '-m', '1024',
    '-display', 'none', '-monitor', 'none', '-no-reboot', '-net', 'none',
    '-serial', `file:${path.join(dir, 'console.txt')}`,
    '-serial', `file:${path.join(dir, 'out.txt')}`,
    '-kernel', vmlinuz, '-initrd', initramfs, '-append', append,
  ];
}

interface Attempt extends BootResult {
  timedOut: boolean;
}

async function bootOnce(b: QemuBoot, attempt: number): Promise<Attempt> {
  const qemu = b.qemu ?? DEFAULT_QEMU;
  const timeoutMs = b.timeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cdm-boot-'));
  try {
    const initrd = path.join(dir, 'initramfs.cpio');
    await writeFile(initrd, b.initramfs);
    const append = ['console=ttyS0', 'panic=-1', ...(b.kaslr ? [] : ['nokaslr']), ...(b.append ?? [])].join(' ');
    const args = qemuArgs(b.vmlinuz, initrd, dir, append);
    const result = await timed(b.log ?? quiet, `boot${attempt > 1 ? ` (attempt ${attempt})` : ''}`, () =>
      execa(qemu, args, {
        cwd: dir, reject: false, stdin: 'ignore', all: true,
        timeout: timeoutMs, killSignal: 'SIGKILL', // QEMU gets no chance to linger
      }));
    if ((result as { code?: string }).code === 'ENOENT') {
      throw new EnvironmentError(`${qemu}: command not found`, 'install qemu-system-x86 (toolchain/install-deps.sh)');
    }
    const read = async (f: string) => normaliseNewlines(await readFile(path.join(dir, f), 'utf8').catch(() => ''));
    const console = await read('console.txt');
    const output = await read('out.txt');
    if (result.timedOut) return { console, output, timedOut: true };
    if (result.exitCode !== 0) {
      const why = result.signal ? `killed by ${result.signal}` : `exit ${result.exitCode}`;
      throw new EnvironmentError(`${qemu} failed (${why}):\n${tail(String(result.all ?? ''))}`);
    }
    return { console, output, timedOut: false };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const tail = (text: string, lines = 30) => text.trimEnd().split('\n').slice(-lines).join('\n');

/** Boot, run /init's script, power off. Throws EnvironmentError when the guest does not finish. */
export async function boot(b: QemuBoot): Promise<BootResult> {
  const timeoutMs = b.timeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS;
  let attempt = await bootOnce(b, 1);
  if (attempt.timedOut) {
    b.log?.(`boot: timed out after ${timeoutMs / 1000} s, trying once more`);
    attempt = await bootOnce(b, 2);
  }
  if (attempt.timedOut) {
    const where = attempt.console.includes(MARK_START) ? 'the boot script did not finish' : 'the kernel did not reach /init';
    throw new EnvironmentError(
      `QEMU boot timed out twice after ${timeoutMs / 1000} s (${where}); console ends with:\n${tail(attempt.console)}`,
      'a loaded machine boots slower: raise the time-out; a script that waits forever never ends');
  }
  if (!attempt.console.includes(MARK_END)) {
    const reason = crashReason(attempt.console);
    throw new EnvironmentError(
      `the guest stopped before its boot script finished (${reason ?? 'no panic message; init failure?'}); console ends with:\n${tail(attempt.console)}`);
  }
  return { console: attempt.console, output: attempt.output };
}

/** The first line that says why a kernel died (the tail of the console is usually a stack trace). */
export function crashReason(console: string): string | undefined {
  const line = console.split('\n').find((l) => /Kernel panic - not syncing|BUG: |Oops: |general protection fault/.test(l));
  return line?.replace(/^\[\s*[\d.]+\]\s*/, '').trim();
}
