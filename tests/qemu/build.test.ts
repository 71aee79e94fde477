// `create-diff-module build` end to end on the real Debian 6.1 kernel: a diff to
// fs/proc/cmdline.c becomes a livepatch module (its reference to the unexported
// saved_command_line becomes a klp relocation), which loads into a KASLR boot different from
// the one the kallsyms dump came from, changes /proc/cmdline, and unpatches and unloads cleanly.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTarget, ensureTarget, targetKallsyms, targetVmlinux, TEST_ABI, type KernelTarget } from '../../src/target/index.js';
import { runCli } from '../helpers/cli.js';

let target: KernelTarget;
let dir: string;
const log = (line: string) => console.log(`[target] ${line}`);
const PATCH = new URL('../../testdata/kernel/diff/proc-cmdline-string.patch', import.meta.url).pathname;

beforeAll(async () => {
  target = await ensureTarget({ abi: TEST_ABI, log });
  dir = mkdtempSync(path.join(os.tmpdir(), 'cdm-build-qemu-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const SCRIPT = `
lp=/sys/kernel/livepatch/cdm_cmdline
echo "before: $(cat /proc/cmdline)"
insmod /modules/cdm_cmdline.ko && echo "insmod: ok"
i=0; while [ "$(cat $lp/transition 2>/dev/null)" != 0 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
echo "enabled: $(cat $lp/enabled) transition: $(cat $lp/transition)"
echo "patched: $(cat /proc/cmdline)"
echo 0 > $lp/enabled
i=0; while [ -d $lp ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
[ -d $lp ] && echo "unpatch: stuck" || echo "unpatch: done"
rmmod cdm_cmdline && echo "rmmod: ok"
echo "after: $(cat /proc/cmdline)"
echo "--- dmesg ---"
dmesg
`;

describe('build on the real kernel', () => {
  it('turns a fix to cmdline_proc_show into a module that patches and unpatches the running kernel', async () => {
    const kallsyms = await targetKallsyms(target, { kaslr: true, log });
    const ko = path.join(dir, 'cdm_cmdline.ko');
    const r = await runCli(['build', '--json', '--src', target.sourceDir, '--kallsyms', kallsyms, '--vmlinux', await targetVmlinux(target), '--headers', target.headersDir, '--name', 'cdm_cmdline', '-o', ko, PATCH]);
    expect(r.exitCode, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    // Run-pre matching proved the replaced function is the running kernel's code.
    expect(report.verification.method).toBe('run-pre');
    expect(report.verification.functions.map((f: { name: string }) => f.name)).toEqual(['cmdline_proc_show']);
    expect(report.plan.functions.map((f: { old_name: string }) => f.old_name)).toEqual(['cmdline_proc_show']);
    expect(report.plan.placeholders.map((p: { name: string }) => p.name)).toEqual(['saved_command_line']);

    const { console: con, output } = await bootTarget(target, { script: SCRIPT, modules: [ko], kaslr: true, log });
    const [results, dmesg = ''] = output.split('--- dmesg ---\n');
    console.log(results);
    expect(results).toMatch(/^before: console=ttyS0 panic=-1$/m);
    expect(results).toMatch(/^insmod: ok$/m);
    expect(results).toMatch(/^enabled: 1 transition: 0$/m);
    expect(results).toMatch(/^patched: cmdline: console=ttyS0 panic=-1$/m);
    expect(results).toMatch(/^unpatch: done$/m);
    expect(results).toMatch(/^rmmod: ok$/m);
    expect(results).toMatch(/^after: console=ttyS0 panic=-1$/m);
    for (const bad of ['Call Trace', 'BUG', 'WARNING']) {
      expect(dmesg, bad).not.toContain(bad);
      expect(con, bad).not.toContain(bad);
    }
  });
});
