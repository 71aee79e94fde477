// The whole loop on the real kernel: the kernel's own samples/livepatch/livepatch-sample.c,
// built against the target's headers, loaded into the Debian kernel booted under QEMU with
// KASLR on; /proc/cmdline changes, the patch is disabled, unpatching completes, the module
// unloads, /proc/cmdline is back, and the kernel log is clean.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTarget, buildTargetModule, ensureTarget, TEST_ABI, type KernelTarget } from '../../src/target/index.js';

let target: KernelTarget;
let dir: string;
const log = (line: string) => console.log(`[target] ${line}`);

beforeAll(async () => {
  target = await ensureTarget({ abi: TEST_ABI, log });
  dir = mkdtempSync(path.join(os.tmpdir(), 'cdm-lp-sample-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// busybox sh. Waits are bounded (60 s each) so a stuck transition shows up as a wrong answer
// in the output rather than as a boot time-out.
const SCRIPT = `
lp=/sys/kernel/livepatch/livepatch_sample
echo "before: $(cat /proc/cmdline)"
insmod /modules/livepatch-sample.ko && echo "insmod: ok"
i=0; while [ "$(cat $lp/transition 2>/dev/null)" != 0 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
echo "enabled: $(cat $lp/enabled) transition: $(cat $lp/transition)"
echo "patched: $(cat /proc/cmdline)"
echo 0 > $lp/enabled
i=0; while [ -d $lp ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
[ -d $lp ] && echo "unpatch: stuck" || echo "unpatch: done"
rmmod livepatch_sample && echo "rmmod: ok"
echo "after: $(cat /proc/cmdline)"
echo "kaslr: $(grep ' _text$' /proc/kallsyms)"
echo "--- dmesg ---"
dmesg
`;

describe('livepatch-sample on the real kernel', () => {
  it('patches /proc/cmdline, unpatches, unloads, with a clean kernel log', async () => {
    copyFileSync(path.join(target.sourceDir, 'samples/livepatch/livepatch-sample.c'), path.join(dir, 'livepatch-sample.c'));
    writeFileSync(path.join(dir, 'Makefile'), 'obj-m += livepatch-sample.o\n');
    const [ko] = await buildTargetModule(target, dir);
    expect(ko).toBe(path.join(dir, 'livepatch-sample.ko'));

    const { console: con, output } = await bootTarget(target, { script: SCRIPT, modules: [ko!], kaslr: true, log });
    const [results, dmesg = ''] = output.split('--- dmesg ---\n');
    expect(results).toMatch(/^before: console=ttyS0 panic=-1$/m);
    expect(results).toMatch(/^insmod: ok$/m);
    expect(results).toMatch(/^enabled: 1 transition: 0$/m);
    expect(results).toMatch(/^patched: this has been live patched$/m);
    expect(results).toMatch(/^unpatch: done$/m);
    expect(results).toMatch(/^rmmod: ok$/m);
    expect(results).toMatch(/^after: console=ttyS0 panic=-1$/m);
    expect(results).not.toMatch(/^kaslr: ffffffff81000000 /m); // really randomised
    expect(dmesg).toMatch(/livepatch: enabling patch 'livepatch_sample'/);
    expect(dmesg).toMatch(/livepatch: 'livepatch_sample': unpatching complete/);
    for (const bad of ['Call Trace', 'BUG', 'WARNING']) {
      expect(dmesg, bad).not.toContain(bad);
      expect(con, bad).not.toContain(bad);
    }
  });
});
