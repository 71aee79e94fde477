// `build` scenarios on the real Debian 6.1 kernel, all in one KASLR boot whose kallsyms differ
// from the dump the modules were built with: a replaced static function whose name occurs
// twice in kallsyms (fs/proc/fd.c seq_show, told apart by run-pre matching), new global data,
// a shadow variable with post-patch/post-unpatch callbacks, and two patches stacked on one
// function then atomically replaced (--replace) by a third. Each changes what a /proc file
// shows and restores it when disabled and removed; dmesg stays free of Call Trace/BUG/WARNING.
// Last, a transition that waits for a task asleep inside the patched pipe_read (its static
// call site is carried) and completes once the task has left it.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bootTarget } from '../../src/target/index.js';
import { builtModules, log } from '../helpers/built-modules.js';
import { LIVEPATCH_SHELL } from '../helpers/livepatch-shell.js';

const DATA = new URL('../../testdata/kernel/', import.meta.url).pathname;
const MODULES: Array<{ name: string; patch: string; replace?: boolean }> = [
  { name: 'cdm_fdinfo', patch: 'diff/proc-fdinfo-dev.patch' },
  { name: 'cdm_loadavg', patch: 'build/loadavg-new-global.patch' },
  { name: 'cdm_shadow', patch: 'build/cmdline-shadow-callbacks.patch' },
  { name: 'cdm_stack_a', patch: 'diff/proc-cmdline-string.patch' },
  { name: 'cdm_stack_b', patch: 'build/cmdline-suffix.patch' },
  { name: 'cdm_replace', patch: 'build/uptime-unit.patch', replace: true },
  { name: 'cdm_version', patch: 'build/version-machine.patch' },
  { name: 'cdm_pipe', patch: 'build/pipe-read-check.patch' },
  { name: 'cdm_rmfunc', patch: 'build/proc-remove-entry-func.patch' },
  { name: 'cdm_two', patch: 'build/proc-single-open-two-tus.patch' },
];

type BuildJson = { verification: { method: string; functions: Array<{ name: string; sympos: number }> }; plan: { functions: Array<{ old_name: string; new_symbol: string; old_sympos: number }> } };
const modules = builtModules('cdm-build-scenarios-', MODULES.map((m) => ({ ...m, patch: path.join(DATA, m.patch) })));
const built = { get: (name: string) => modules.json.get(name) as BuildJson | undefined };

const SCRIPT = `${LIVEPATCH_SHELL}
echo "fdinfo before: [$(grep '^dev:' /proc/self/fdinfo/0)]"
load cdm_fdinfo
echo "fdinfo patched: [$(grep '^dev:' /proc/self/fdinfo/0)]"
unload cdm_fdinfo
echo "fdinfo after: [$(grep '^dev:' /proc/self/fdinfo/0)]"

load cdm_loadavg
echo "loadavg 1: $(cat /proc/loadavg)"
echo "loadavg 2: $(cat /proc/loadavg)"
unpin cdm_loadavg
echo "loadavg after: $(cat /proc/loadavg)"

load cdm_shadow
echo "shadow 1: $(cat /proc/cmdline)"
echo "shadow 2: $(cat /proc/cmdline)"
unload cdm_shadow
echo "shadow after: $(cat /proc/cmdline)"

load cdm_stack_a
echo "stack a: $(cat /proc/cmdline)"
load cdm_stack_b
echo "stack a+b: $(cat /proc/cmdline)"
load cdm_replace
gone cdm_stack_a
gone cdm_stack_b
echo "replaced cmdline: $(cat /proc/cmdline)"
echo "replaced uptime: $(cat /proc/uptime)"
rmmod cdm_stack_a && echo "cdm_stack_a: removed"
rmmod cdm_stack_b && echo "cdm_stack_b: removed"
unload cdm_replace
echo "final uptime: $(cat /proc/uptime)"

load cdm_rmfunc
unload cdm_rmfunc

# Two TUs in one module, each replacing its own static proc_single_open (twice in kallsyms).
load cdm_two
cat /proc/cmdline > /dev/null
cat /proc/self/stat > /dev/null
unpin cdm_two

load cdm_version
echo "version: $(grep -c '^livepatched: x86_64$' /proc/version)"
unload cdm_version
echo "version after: $(grep -c '^livepatched' /proc/version)"

# A reader asleep inside pipe_read: the transition waits for it, then completes once it
# leaves (it reads a line and goes back to sleep, in the patched pipe_read by then).
mkfifo /tmp/fifo
exec 3<>/tmp/fifo
cat <&3 > /tmp/read.txt &
reader=$!
sleep 1
insmod /modules/cdm_pipe.ko && echo "cdm_pipe: inserted"
sleep 3
echo "pipe while asleep: transition=$(cat $lp/cdm_pipe/transition)"
echo hello >&3
settle cdm_pipe
echo "pipe after wake: transition=$(cat $lp/cdm_pipe/transition) read=$(cat /tmp/read.txt)"
kill $reader; exec 3>&-
unload cdm_pipe
echo "--- dmesg ---"
dmesg
`;

describe('build scenarios on the real kernel', () => {
  it('the static seq_show (twice in kallsyms) was told apart by its bytes', () => {
    const v = built.get('cdm_fdinfo')!.verification;
    expect(v.method).toBe('run-pre');
    expect(v.functions).toMatchObject([{ name: 'seq_show' }]);
    expect(v.functions[0]!.sympos).toBeGreaterThan(0);
  });

  it('two TUs in one module: both same-named statics replaced, told apart, the second renamed in the module', () => {
    const { plan, verification } = built.get('cdm_two')!;
    expect(plan.functions.map((f) => [f.old_name, f.old_sympos, f.new_symbol])).toEqual([['proc_single_open', 1, 'proc_single_open'], ['proc_single_open', 2, 'proc_single_open.cdm1']]);
    expect(verification.functions.map((f) => f.sympos)).toEqual([1, 2]);
  });

  it('load, change behaviour, restore: dup-name static, new data, shadow variable with callbacks, stacked then replaced', async () => {
    const { console: con, output } = await bootTarget(modules.target, { script: SCRIPT, modules: MODULES.map((m) => modules.ko(m.name)), kaslr: true, log, timeoutMs: 8 * 60_000 });
    const [results, dmesg = ''] = output.split('--- dmesg ---\n');
    console.log(results);
    for (const m of MODULES.filter((x) => x.name !== 'cdm_pipe')) expect(results).toMatch(new RegExp(`^${m.name}: enabled=1 transition=0$`, 'm'));
    expect(results).not.toMatch(/stuck/);
    // A replaced static whose name kallsyms lists twice.
    expect(results).toMatch(/^fdinfo before: \[\]$/m);
    expect(results).toMatch(/^fdinfo patched: \[dev:\t\d+:\d+\]$/m);
    expect(results).toMatch(/^fdinfo after: \[\]$/m);
    // New global data, kept by the module.
    expect(results).toMatch(/^loadavg 1: .* reads=1$/m);
    expect(results).toMatch(/^loadavg 2: .* reads=2$/m);
    expect(results).toMatch(/^loadavg after: [\d. /]+$/m);
    // New state: the module stays until its removal is allowed.
    expect(results).not.toMatch(/^cdm_loadavg: removed while pinned$/m);
    expect(results).toMatch(/^cdm_loadavg: allow_unload=N$/m);
    expect(dmesg).toMatch(/cdm_loadavg: removing this live patch is now allowed/);
    // A shadow variable, freed by the post-unpatch callback.
    expect(results).toMatch(/^shadow 1: \[read 1\] console=ttyS0/m);
    expect(results).toMatch(/^shadow 2: \[read 2\] console=ttyS0/m);
    expect(results).toMatch(/^shadow after: console=ttyS0 panic=-1$/m);
    expect(dmesg).toMatch(/cmdline: read counter enabled/);
    expect(dmesg).toMatch(/cmdline: read counters freed/);
    // Stacked: the newest patch of a function wins; atomic replace drops both.
    expect(results).toMatch(/^stack a: cmdline: console=ttyS0 panic=-1$/m);
    expect(results).toMatch(/^stack a\+b: console=ttyS0 panic=-1 \[stacked\]$/m);
    expect(results).toMatch(/^replaced cmdline: console=ttyS0 panic=-1$/m);
    expect(results).toMatch(/^replaced uptime: [\d.]+ [\d.]+ \(s\)$/m);
    for (const name of ['cdm_stack_a', 'cdm_stack_b', 'cdm_replace', 'cdm_fdinfo', 'cdm_loadavg', 'cdm_shadow', 'cdm_rmfunc']) expect(results).toMatch(new RegExp(`^${name}: removed$`, 'm'));
    expect(results).toMatch(/^final uptime: [\d.]+ [\d.]+$/m);
    expect(dmesg).toMatch(/proc_single_open: livepatched \(generic\.c\)/);
    expect(dmesg).toMatch(/proc_single_open: livepatched \(base\.c\)/);
    expect(results).toMatch(/^cdm_two: removed$/m);
    expect(results).toMatch(/^version: 1$/m);
    expect(results).toMatch(/^version after: 0$/m);
    // The consistency model: not while the reader sleeps in pipe_read, right after it leaves.
    expect(results).toMatch(/^pipe while asleep: transition=1$/m);
    expect(results).toMatch(/^pipe after wake: transition=0 read=hello$/m);
    expect(results).toMatch(/^cdm_pipe: removed$/m);
    for (const bad of ['Call Trace', 'BUG', 'WARNING']) {
      expect(dmesg, bad).not.toContain(bad);
      expect(con, bad).not.toContain(bad);
    }
  });
});
