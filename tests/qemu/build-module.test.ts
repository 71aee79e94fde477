// `build` on code of a loadable module (drivers/block/loop.c, CONFIG_BLK_DEV_LOOP=m): the klp
// object names the module, sympos and run-pre matching come from the shipped loop.ko. The
// patch module loads before loop (the livepatch core patches loop when it arrives), refuses a
// loop offset that is not a multiple of 512 while enabled, and the old behaviour is back after
// disable and rmmod; dmesg stays clean.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTarget, ensureTarget, targetKallsyms, targetVmlinux, TEST_ABI, type KernelTarget } from '../../src/target/index.js';
import { runCli } from '../helpers/cli.js';

const PATCH = new URL('../../testdata/kernel/check/loop-module-offset.patch', import.meta.url).pathname;
let target: KernelTarget;
let dir: string;
const log = (line: string) => console.log(`[target] ${line}`);

beforeAll(async () => {
  target = await ensureTarget({ abi: TEST_ABI, log });
  dir = mkdtempSync(path.join(os.tmpdir(), 'cdm-build-module-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const modulesDir = () => path.join(path.dirname(target.vmlinuz), '..', 'lib', 'modules', `${target.abi}-amd64`);

const SCRIPT = `
lp=/sys/kernel/livepatch/cdm_loop
dd if=/dev/zero of=/tmp/img bs=1k count=64 2>/dev/null
# loop_set_status_from_info has a .cold part (an unload hazard): removal allowed at insmod.
insmod /modules/cdm_loop.ko allow_unload=1 && echo "insmod patch: ok"
echo "allow_unload: $(cat /sys/module/cdm_loop/parameters/allow_unload)"
i=0; while [ "$(cat $lp/transition 2>/dev/null)" != 0 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
echo "enabled: $(cat $lp/enabled) loop patched before loading: $(cat $lp/loop/patched)"
insmod /modules/loop.ko && echo "insmod loop: ok"
echo "loop patched: $(cat $lp/loop/patched)"
losetup -o 100 /dev/loop0 /tmp/img 2>/dev/null; echo "patched offset 100: rc=$?"
losetup -d /dev/loop0 2>/dev/null
losetup -o 512 /dev/loop0 /tmp/img; echo "patched offset 512: rc=$?"
losetup -d /dev/loop0
echo 0 > $lp/enabled
i=0; while [ -d $lp ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
[ -d $lp ] && echo "unpatch: stuck" || echo "unpatch: done"
rmmod cdm_loop && echo "rmmod patch: ok"
losetup -o 100 /dev/loop0 /tmp/img; echo "unpatched offset 100: rc=$?"
losetup -d /dev/loop0
rmmod loop && echo "rmmod loop: ok"
echo "--- dmesg ---"
dmesg
`;

describe('build for code of a loadable module', () => {
  it('patches loop when it loads, changes its behaviour, and restores it', async () => {
    const kallsyms = await targetKallsyms(target, { kaslr: true, log });
    const ko = path.join(dir, 'cdm_loop.ko');
    const r = await runCli(['build', '--json', '--src', target.sourceDir, '--kallsyms', kallsyms, '--vmlinux', await targetVmlinux(target), '--headers', target.headersDir,
      '--modules-dir', modulesDir(), '--name', 'cdm_loop', '-o', ko, PATCH]);
    expect(r.exitCode, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.plan.functions).toEqual([{ old_name: 'loop_set_status_from_info', new_symbol: 'loop_set_status_from_info', old_sympos: 0, object: 'loop' }]);
    // Run-pre matching compared our original loop.o with the shipped loop.ko.
    expect(report.verification.method).toBe('run-pre');
    expect(report.verification.image).toMatch(/loop\.ko$/);

    const loop = path.join(modulesDir(), 'kernel', 'drivers', 'block', 'loop.ko');
    const { console: con, output } = await bootTarget(target, { script: SCRIPT, modules: [ko, loop], kaslr: true, log });
    const [results, dmesg = ''] = output.split('--- dmesg ---\n');
    console.log(results);
    expect(results).toMatch(/^enabled: 1 loop patched before loading: 0$/m);
    expect(results).toMatch(/^loop patched: 1$/m);
    expect(results).toMatch(/^patched offset 100: rc=1$/m);
    expect(results).toMatch(/^patched offset 512: rc=0$/m);
    expect(results).toMatch(/^unpatch: done$/m);
    expect(results).toMatch(/^allow_unload: Y$/m);
    expect(results).toMatch(/^rmmod patch: ok$/m);
    expect(results).toMatch(/^unpatched offset 100: rc=0$/m);
    expect(results).toMatch(/^rmmod loop: ok$/m);
    for (const bad of ['Call Trace', 'BUG', 'WARNING']) {
      expect(dmesg, bad).not.toContain(bad);
      expect(con, bad).not.toContain(bad);
    }
  });
});
