// A module built by src/module/ on the real kernel: the replacement cmdline_proc_show reads the
// unexported saved_command_line through a livepatch relocation (placeholder → .klp.rela /
// .klp.sym by the post-link step), so /proc/cmdline showing the patched text with the real
// command line proves the kernel resolved the klp relocation, under KASLR. Then the patch is
// disabled, unpatching completes, the module unloads, /proc/cmdline is back, the log is clean.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModule } from '../../src/module/index.js';
import { bootTarget, ensureTarget, TEST_ABI, type KernelTarget } from '../../src/target/index.js';
import { CMDLINE_PLAN, makeCmdlinePatchObject } from '../../testdata/module/fixture.js';

let target: KernelTarget;
let dir: string;
const log = (line: string) => console.log(`[target] ${line}`);

beforeAll(async () => {
  target = await ensureTarget({ abi: TEST_ABI, log });
  dir = mkdtempSync(path.join(os.tmpdir(), 'cdm-module-klp-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const SCRIPT = `
lp=/sys/kernel/livepatch/cdm_klp_cmdline
echo "before: $(cat /proc/cmdline)"
insmod /modules/cdm-klp-cmdline.ko && echo "insmod: ok"
i=0; while [ "$(cat $lp/transition 2>/dev/null)" != 0 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
echo "enabled: $(cat $lp/enabled) transition: $(cat $lp/transition)"
echo "patched: $(cat /proc/cmdline)"
echo 0 > $lp/enabled
i=0; while [ -d $lp ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
[ -d $lp ] && echo "unpatch: stuck" || echo "unpatch: done"
rmmod cdm_klp_cmdline && echo "rmmod: ok"
echo "after: $(cat /proc/cmdline)"
echo "kaslr: $(grep ' _text$' /proc/kallsyms)"
echo "--- dmesg ---"
dmesg
`;

describe('a src/module/ livepatch module with a klp relocation on the real kernel', () => {
  it('resolves the unexported saved_command_line, patches, unpatches, unloads, with a clean log', async () => {
    const patchObject = path.join(dir, 'patch.o');
    await makeCmdlinePatchObject(target.headersDir, patchObject);
    const ko = await buildModule({
      headersDir: target.headersDir, name: 'cdm-klp-cmdline', patchObject, plan: CMDLINE_PLAN, replace: false, outDir: dir,
    });
    expect(ko).toBe(path.join(dir, 'cdm-klp-cmdline.ko'));

    const { console: con, output } = await bootTarget(target, { script: SCRIPT, modules: [ko], kaslr: true, log });
    const [results, dmesg = ''] = output.split('--- dmesg ---\n');
    console.log(results);
    expect(results).toMatch(/^before: console=ttyS0 panic=-1$/m);
    expect(results).toMatch(/^insmod: ok$/m);
    expect(results).toMatch(/^enabled: 1 transition: 0$/m);
    expect(results).toMatch(/^patched: console=ttyS0 panic=-1 \[klp\]$/m);
    expect(results).toMatch(/^unpatch: done$/m);
    expect(results).toMatch(/^rmmod: ok$/m);
    expect(results).toMatch(/^after: console=ttyS0 panic=-1$/m);
    expect(results).not.toMatch(/^kaslr: ffffffff81000000 /m);
    expect(dmesg).toMatch(/livepatch: enabling patch 'cdm_klp_cmdline'/);
    expect(dmesg).toMatch(/livepatch: 'cdm_klp_cmdline': unpatching complete/);
    for (const bad of ['Call Trace', 'BUG', 'WARNING']) {
      expect(dmesg, bad).not.toContain(bad);
      expect(con, bad).not.toContain(bad);
    }
  });
});
