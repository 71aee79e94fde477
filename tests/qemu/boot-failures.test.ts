// How a boot fails: a missing QEMU, a guest that never finishes (hard time-out, QEMU killed,
// one retry), a guest that dies (reported at once, never retried), a bad module path.
import { beforeAll, describe, expect, it } from 'vitest';
import { bootTarget, ensureTarget, TEST_ABI, type KernelTarget } from '../../src/target/index.js';
import { buildInitramfs } from '../../src/target/initramfs.js';

let target: KernelTarget;
const lines: string[] = [];
const log = (line: string) => {
  lines.push(line);
  console.log(`[target] ${line}`);
};

beforeAll(async () => {
  target = await ensureTarget({ abi: TEST_ABI, log });
});

describe('bootTarget failures', () => {
  it('names the missing QEMU binary', async () => {
    const err = await bootTarget(target, { script: 'true', qemu: 'qemu-system-x86_64-not-installed' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 4, message: expect.stringContaining('qemu-system-x86_64-not-installed: command not found') });
    expect((err as { hint?: string }).hint).toContain('qemu-system-x86');
  });

  it('a script that hangs hits the time-out twice and says so', async () => {
    lines.length = 0;
    const start = Date.now();
    const err = await bootTarget(target, { script: 'echo waiting >&2; sleep 100000\n', timeoutMs: 10_000, log }).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 4, message: expect.stringMatching(/QEMU boot timed out twice after 10 s/) });
    expect(lines.join('\n')).toMatch(/trying once more/);
    expect(Date.now() - start).toBeLessThan(90_000); // QEMU was killed, not waited for
  });

  it('a guest that crashes is reported at once, not retried', async () => {
    lines.length = 0;
    const err = await bootTarget(target, { script: 'echo 1 > /proc/sys/kernel/sysrq; echo c > /proc/sysrq-trigger\n', log })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 4, message: expect.stringContaining('stopped before its boot script finished') });
    expect((err as Error).message).toMatch(/\(Kernel panic - not syncing: sysrq triggered crash\)/);
    expect(lines.join('\n')).not.toMatch(/trying once more/);
  });

  it('a module that does not exist is a usage error', async () => {
    await expect(bootTarget(target, { script: 'true', modules: ['/nonexistent/x.ko'] })).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe('initramfs', () => {
  it('is byte-identical for the same inputs', async () => {
    const a = await buildInitramfs({ script: 'echo hi\n' });
    const b = await buildInitramfs({ script: 'echo hi\n' });
    expect(a.equals(b)).toBe(true);
    expect(a.subarray(0, 6).toString()).toBe('070701');
  });

  it('returns the script output from the second serial port, newlines normalised', async () => {
    const r = await bootTarget(target, { script: 'printf "a\\nb\\r\\n"; echo to-console >&2; uname -r\n', kaslr: false, log });
    expect(r.output).toBe(`a\nb\n${TEST_ABI}-amd64\n`);
    expect(r.console).toContain('to-console');
    expect(r.console).toContain('cdm-init: script exit status 0');
    expect(r.console).not.toContain('\r');
  });
});
