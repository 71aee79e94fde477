// Patched functions whose code the kernel rewrites at module load, on the real Debian 6.1
// kernel: a jump label on an unexported vmlinux key (sched_schedstats, toggled by its sysctl
// while the patch is live), a pr_debug whose descriptor the patch carries (enabled through the
// dynamic_debug control file), alternatives with static_cpu_has (meminfo_proc_show), a
// paravirt site (mm_release) and a syscall (newuname). Each changes behaviour, follows its key
// or feature, and restores the original when disabled and removed; dmesg stays clean.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readElfFile } from '../../src/elf/index.js';
import { bootTarget } from '../../src/target/index.js';
import { builtModules, log } from '../helpers/built-modules.js';
import { LIVEPATCH_SHELL } from '../helpers/livepatch-shell.js';

const DATA = new URL('../../testdata/kernel/build/', import.meta.url).pathname;
const MODULES = [
  { name: 'cdm_static_key', patch: 'cmdline-static-key.patch', sections: ['__jump_table', '__dyndbg'] },
  { name: 'cdm_meminfo', patch: 'meminfo-line.patch', sections: ['.altinstructions', '.altinstr_replacement', '.altinstr_aux'] },
  { name: 'cdm_mm_release', patch: 'mm-release-once.patch', sections: ['.parainstructions'] },
  { name: 'cdm_uname', patch: 'uname-machine.patch', sections: ['.orc_unwind_ip', '__mcount_loc'] },
  { name: 'cdm_ipi', patch: 'cmdline-ipi-callback.patch', sections: ['__param'] },
];

const built = builtModules('cdm-build-special-', MODULES.map((m) => ({ name: m.name, patch: path.join(DATA, m.patch) })));

const SCRIPT = `${LIVEPATCH_SHELL}stats=/proc/sys/kernel/sched_schedstats

load cdm_static_key
echo "key off: $(cat /proc/cmdline)"
echo 1 > $stats
echo "key on: $(cat /proc/cmdline)"
echo 0 > $stats
echo "key off again: $(cat /proc/cmdline)"
echo "dyndbg: $(grep -c 'cmdline_proc_show' /proc/dynamic_debug/control)"
echo 'func cmdline_proc_show +p' > /proc/dynamic_debug/control
cat /proc/cmdline > /dev/null
echo 'func cmdline_proc_show -p' > /proc/dynamic_debug/control
unload cdm_static_key
echo 1 > $stats
echo "key on, removed: $(cat /proc/cmdline)"
echo 0 > $stats

load cdm_meminfo
echo "meminfo: $(grep -c '^Livepatched:' /proc/meminfo)"
unload cdm_meminfo
echo "meminfo after: $(grep -c '^Livepatched:' /proc/meminfo)"

load cdm_uname
echo "uname: $(uname -m)"
unload cdm_uname
echo "uname after: $(uname -m)"

load cdm_mm_release
/bin/busybox true
unpin cdm_mm_release

load cdm_ipi
echo "ipi 1: $(cat /proc/cmdline)"
echo "ipi 2: $(cat /proc/cmdline)"
unpin cdm_ipi
echo "ipi after: $(cat /proc/cmdline)"
echo "--- dmesg ---"
dmesg
`;

describe('build: code the loader rewrites', () => {
  it.each(MODULES)('$name carries $sections', async (m) => {
    const elf = await readElfFile(built.ko(m.name));
    const names = elf.sections.map((s) => s.name);
    for (const s of m.sections) expect(names, s).toContain(s);
  });

  it('loads: jump label follows its key, pr_debug is controllable, alternatives and paravirt sites patched, all restored', async () => {
    const { console: con, output } = await bootTarget(built.target, { script: SCRIPT, modules: MODULES.map((m) => built.ko(m.name)), kaslr: true, log, timeoutMs: 8 * 60_000 });
    const [results, dmesg = ''] = output.split('--- dmesg ---\n');
    console.log(results);
    for (const m of MODULES) {
      expect(results).toMatch(new RegExp(`^${m.name}: enabled=1 transition=0$`, 'm'));
      expect(results).toMatch(new RegExp(`^${m.name}: removed$`, 'm'));
    }
    expect(results).not.toMatch(/stuck/);
    // The patch's jump entry joined the key: the branch flips with the sysctl, both ways.
    expect(results).toMatch(/^key off: console=ttyS0 panic=-1$/m);
    expect(results).toMatch(/^key on: console=ttyS0 panic=-1 \[schedstats\]$/m);
    expect(results).toMatch(/^key off again: console=ttyS0 panic=-1$/m);
    expect(results).toMatch(/^key on, removed: console=ttyS0 panic=-1$/m);
    // The carried descriptor is listed and prints when enabled.
    expect(results).toMatch(/^dyndbg: [1-9]\d*$/m);
    expect(dmesg).toMatch(/cmdline shown to cat/);
    expect(results).toMatch(/^meminfo: 1$/m);
    expect(results).toMatch(/^meminfo after: 0$/m);
    expect(results).toMatch(/^uname: livepatched$/m);
    expect(results).toMatch(/^uname after: x86_64$/m);
    expect(dmesg).toMatch(/mm_release: livepatched/);
    // Unload hazards (a .cold part; an IPI callback's address handed to the kernel, new state):
    // rmmod is refused until allow_unload is set.
    for (const pinned of ['cdm_mm_release', 'cdm_ipi']) {
      expect(results).not.toMatch(new RegExp(`^${pinned}: removed while pinned$`, 'm'));
      expect(results).toMatch(new RegExp(`^${pinned}: allow_unload=N$`, 'm'));
    }
    expect(results).toMatch(/^ipi 1: console=ttyS0 panic=-1 \[ipi [1-9]\d*\]$/m);
    const [, first, second] = /^ipi 1: .*\[ipi (\d+)\]\n^ipi 2: .*\[ipi (\d+)\]$/m.exec(results) ?? [];
    expect(Number(second)).toBeGreaterThan(Number(first));
    expect(results).toMatch(/^ipi after: console=ttyS0 panic=-1$/m);
    for (const bad of ['Call Trace', 'BUG', 'WARNING']) {
      expect(dmesg, bad).not.toContain(bad);
      expect(con, bad).not.toContain(bad);
    }
  });
});
