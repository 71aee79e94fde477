// Late module patching with a module-specific klp relocation: the patch replaces a static
// function of binfmt_misc (=m) that reads the module's static `enabled` flag through
// `.klp.rela.binfmt_misc.*` / `.klp.sym.binfmt_misc.enabled,0`. The patch module loads first,
// while binfmt_misc is not loaded; the livepatch core applies the relocation section when
// binfmt_misc loads later (it must still be in module memory then: SHF_ALLOC), and the
// binfmt_misc status file shows the patched text with the real flag. Then disable, unload both.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModule } from '../../src/module/index.js';
import { bootTarget, ensureTarget, TEST_ABI, type KernelTarget } from '../../src/target/index.js';
import { BINFMT_PLAN, makeBinfmtPatchObject } from '../../testdata/module/fixture.js';

let target: KernelTarget;
let dir: string;
const log = (line: string) => console.log(`[target] ${line}`);

beforeAll(async () => {
  target = await ensureTarget({ abi: TEST_ABI, log });
  dir = mkdtempSync(path.join(os.tmpdir(), 'cdm-module-late-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const SCRIPT = `
lp=/sys/kernel/livepatch/cdm_klp_binfmt
bm=/proc/sys/fs/binfmt_misc
insmod /modules/cdm-klp-binfmt.ko && echo "insmod patch: ok"
i=0; while [ "$(cat $lp/transition 2>/dev/null)" != 0 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
echo "enabled: $(cat $lp/enabled) transition: $(cat $lp/transition) patched: $(cat $lp/binfmt_misc/patched 2>/dev/null)"
insmod /modules/binfmt_misc.ko && echo "insmod binfmt_misc: ok"
echo "object patched: $(cat $lp/binfmt_misc/patched)"
mount -t binfmt_misc none $bm && echo "mount: ok"
echo "status: $(cat $bm/status)"
echo 0 > $bm/status
echo "status after disable: $(cat $bm/status)"
echo 1 > $bm/status
echo 0 > $lp/enabled
i=0; while [ -d $lp ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
[ -d $lp ] && echo "unpatch: stuck" || echo "unpatch: done"
echo "status unpatched: $(cat $bm/status)"
rmmod cdm_klp_binfmt && echo "rmmod patch: ok"
umount $bm && rmmod binfmt_misc && echo "rmmod binfmt_misc: ok"
echo "--- dmesg ---"
dmesg
`;

describe('a src/module/ livepatch module for a loadable module, loaded before it', () => {
  it('applies the .klp.rela.binfmt_misc relocation when binfmt_misc loads; patches, unpatches, unloads', async () => {
    const patchObject = path.join(dir, 'patch.o');
    await makeBinfmtPatchObject(target.headersDir, patchObject);
    const ko = await buildModule({
      headersDir: target.headersDir, name: 'cdm-klp-binfmt', patchObject, plan: BINFMT_PLAN, replace: false, outDir: dir,
    });
    const binfmt = path.join(path.dirname(target.vmlinuz), '..', 'lib', 'modules', `${target.abi}-amd64`, 'kernel', 'fs', 'binfmt_misc.ko');

    const { console: con, output } = await bootTarget(target, { script: SCRIPT, modules: [ko, binfmt], kaslr: true, log });
    const [results, dmesg = ''] = output.split('--- dmesg ---\n');
    console.log(results);
    expect(results).toMatch(/^insmod patch: ok$/m);
    expect(results).toMatch(/^enabled: 1 transition: 0 patched: 0$/m);
    expect(results).toMatch(/^insmod binfmt_misc: ok$/m);
    expect(results).toMatch(/^object patched: 1$/m);
    expect(results).toMatch(/^status: enabled \[klp\]$/m);
    expect(results).toMatch(/^status after disable: disabled \[klp\]$/m);
    expect(results).toMatch(/^unpatch: done$/m);
    expect(results).toMatch(/^status unpatched: enabled$/m);
    expect(results).toMatch(/^rmmod patch: ok$/m);
    expect(results).toMatch(/^rmmod binfmt_misc: ok$/m);
    expect(dmesg).toMatch(/livepatch: applying patch 'cdm_klp_binfmt' to loading module 'binfmt_misc'/);
    for (const bad of ['Call Trace', 'BUG', 'WARNING']) {
      expect(dmesg, bad).not.toContain(bad);
      expect(con, bad).not.toContain(bad);
    }
  });
});
