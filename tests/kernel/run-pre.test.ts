// Run-pre matching on the real Debian 6.1 kernel: the original objects a check compiles are
// byte-for-byte (outside relocations) the code in Debian's vmlinux at the kallsyms addresses
// of a KASLR boot; same-named local functions are told apart by their bytes; and a build whose
// original side is not the running kernel's code is refused, naming the function and offset.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readElfFile } from '../../src/elf/index.js';
import { readKernelImage, type KernelImage } from '../../src/elf/image.js';
import { lookup, readKallsyms, type Kallsyms } from '../../src/symbols/index.js';
import { ensureTarget, targetKallsyms, targetVmlinux, TEST_ABI, type KernelTarget } from '../../src/target/index.js';
import { checkTree } from '../../src/tree/index.js';
import { firstMismatch, functionCode, runPreMatch } from '../../src/verify/index.js';
import { runCli } from '../helpers/cli.js';
import { gitBeside, type GitBeside } from '../helpers/git-beside.js';

const DIFF = new URL('../../testdata/kernel/diff/', import.meta.url).pathname;
const DATA_BUILD = new URL('../../testdata/kernel/build/', import.meta.url).pathname;
let target: KernelTarget;
let kallsymsFile: string;
let kallsyms: Kallsyms;
let image: KernelImage;
let vmlinux: string;

beforeAll(async () => {
  target = await ensureTarget({ abi: TEST_ABI });
  kallsymsFile = await targetKallsyms(target, { kaslr: true });
  kallsyms = await readKallsyms(kallsymsFile);
  vmlinux = await targetVmlinux(target);
  image = await readKernelImage(vmlinux);
});

const objectsOf = async (patch: string) => {
  const r = await checkTree({ src: target.sourceDir, patches: [join(DIFF, patch)], keepObjects: mkdtempSync(join(tmpdir(), 'cdm-runpre-')) });
  return r.units[0]!;
};

describe('run-pre matching against Debian\'s vmlinux', () => {
  it('proves the replaced functions of kernel/fork.c are the running kernel\'s code, and tells same-named locals apart', async () => {
    const unit = await objectsOf('fork-inline-free-signal.patch');
    const replaced = unit.diff!.functions.filter((f) => f.status === 'changed' && !f.replacedVia && f.cause !== 'line-numbers').map((f) => f.name);
    expect(replaced.length).toBeGreaterThan(1);
    const original = await readElfFile(unit.objects!.orig);
    const r = runPreMatch({ original, originalFile: unit.path, object: 'vmlinux', replaced, kallsyms, image });
    expect(r.verified.map((f) => f.name).sort()).toEqual([...replaced].sort());
    expect(r.verified.every((f) => f.bytes > 0)).toBe(true);
    // fork.c defines local functions whose names kallsyms lists more than once: exactly the
    // resolved entry holds our bytes, every other entry of the name does not.
    expect(r.resolved.size).toBeGreaterThan(0);
    for (const [name, sympos] of r.resolved) {
      const code = functionCode(original, name)!;
      const entries = lookup(kallsyms, name, 'vmlinux');
      expect(entries.length).toBeGreaterThan(1);
      entries.forEach((e, i) => {
        const running = image.bytesAt(e.address - kallsyms.kaslrOffset, code.bytes.length);
        const match = running !== undefined && firstMismatch(code, running) === -1;
        expect(match, `${name} entry ${i + 1}`).toBe(i + 1 === sympos);
      });
    }
  });

  it('refuses code that is not the running kernel\'s, naming the function and the offset', async () => {
    const unit = await objectsOf('proc-cmdline-string.patch');
    // The patched build stands for a tree whose cmdline.c differs from the running kernel's.
    const notRunning = await readElfFile(unit.objects!.patched);
    expect(() => runPreMatch({ original: notRunning, originalFile: 'fs/proc/cmdline.o', object: 'vmlinux', replaced: ['cmdline_proc_show'], kallsyms, image }))
      .toThrow(/run-pre: cmdline_proc_show differs from the running kernel at \+0x[0-9a-f]+ \(our build: [0-9a-f ]+, running: [0-9a-f ]+\)/);
  });
});

describe('build verifies by default', () => {
  const out = () => mkdtempSync(join(tmpdir(), 'cdm-runpre-build-'));
  const common = () => ['--src', target.sourceDir, '--kallsyms', kallsymsFile, '--headers', target.headersDir];

  it('refuses to build without an image unless --no-verify (exit 2, before compiling)', async () => {
    const r = await runCli(['build', ...common(), join(DIFF, 'proc-cmdline-string.patch')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/run-pre matching.*--vmlinux/s);
    const skipped = await runCli(['build', '--json', '--no-verify', ...common(), '-o', join(out(), 'm.ko'), join(DIFF, 'proc-cmdline-string.patch')]);
    expect(skipped.exitCode, skipped.stderr).toBe(0);
    const j = JSON.parse(skipped.stdout);
    expect(j.verification.method).toBe('none');
    expect(j.verification.summary).toMatch(/nothing proved that this build matches the running kernel/);
  });

  it('extracts a vmlinux from --vmlinuz and verifies against it', async () => {
    const r = await runCli(['build', '--json', ...common(), '--vmlinuz', target.vmlinuz, '-o', join(out(), 'm.ko'), join(DIFF, 'proc-cmdline-string.patch')]);
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.verification.method).toBe('run-pre');
    expect(j.verification.functions).toMatchObject([{ name: 'cmdline_proc_show', sympos: 0 }]);
  });

  // Regressions from the stable corpus, each with a small patch of the same shape: names that
  // repeat in every TU (ext4_mb_init_group's __func__.25 is in ext4.ko five times; rpcrdma's
  // __already_done flags) are carried, not named: remove_proc_entry's __func__.0 (405 entries of
  // that name in kallsyms), register_vmcore_cb's WARN_ON_ONCE/pr_warn_once flags (35).
  it.each([
    ['proc-remove-entry-func.patch', '__func__.0'],
    ['vmcore-register-once.patch', '__already_done.5'],
  ])('%s: carries %s instead of naming it', async (patch, carried) => {
    const ko = join(out(), 'm.ko');
    const r = await runCli(['build', '--json', ...common(), '--vmlinux', vmlinux, '-o', ko, join(DATA_BUILD, patch)]);
    expect(r.exitCode, r.stderr).toBe(0);
    const names = (await readElfFile(ko)).symbols.map((x) => x.name);
    expect(names).toContain(carried);
    expect(names.filter((n) => n.startsWith('.klp.sym.') && /__func__|__already_done|\.LC/.test(n))).toEqual([]);
  });

  it('refuses another Debian version\'s kernel: 6.1.0-55\'s ext4.ko for 6.1.0-56\'s ext4 code, naming the function', async () => {
    // 6.1.192-2 changed ext4_mb_init_group (the stable fix in the corpus): the 6.1.0-56 tree's
    // original is not the code 6.1.0-55 runs.
    const older = await ensureTarget({ abi: '6.1.0-55' });
    const olderKallsyms = await targetKallsyms(older, { kaslr: true });
    const modules = join(older.vmlinuz, '..', '..', 'lib', 'modules', `${older.abi}-amd64`);
    const r = await runCli(['build', '--src', target.sourceDir, '--kallsyms', olderKallsyms, '--vmlinux', await targetVmlinux(older), '--headers', older.headersDir,
      '--modules-dir', modules, '-o', join(out(), 'm.ko'), join(DATA_BUILD, 'ext4-init-group-early.patch')]);
    expect(r.exitCode, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/run-pre: ext4_mb_init_group differs from the running kernel's ext4\.ko(: \d+ bytes in our build, \d+ in .*ext4\.ko| at \+0x[0-9a-f]+ \(our build: [0-9a-f ]+, shipped: [0-9a-f ]+\))/);
    // With the matching kernel's modules, the same patch builds.
    const own = join(target.vmlinuz, '..', '..', 'lib', 'modules', `${target.abi}-amd64`);
    const ok = await runCli(['build', '--json', ...common(), '--vmlinux', vmlinux, '--modules-dir', own, '-o', join(out(), 'ok.ko'), join(DATA_BUILD, 'ext4-init-group-early.patch')]);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).verification.functions.map((f: { name: string }) => f.name)).toEqual(['ext4_mb_init_group']);
  });

  describe('on a tree that is not the running kernel\'s', () => {
    // Git history beside the tree: the base commit changes an unrelated-looking line of the
    // patched function's file (how the running kernel and a user's tree drift apart), HEAD
    // adds the fix. The original side (the base) is then not the running kernel's code.
    let history: GitBeside;
    let restore = () => {};
    beforeAll(async () => {
      history = await gitBeside(target.sourceDir, ['fs/proc/cmdline.c'], 'base: Debian 6.1');
      const orig = readFileSync(join(target.sourceDir, 'fs/proc/cmdline.c'), 'utf8');
      const drifted = orig.replace("\tseq_putc(m, '\\n');", '\tseq_puts(m, "\\n");');
      expect(drifted).not.toBe(orig);
      await history.commit('fs/proc/cmdline.c', drifted, 'proc: seq_puts for the newline');
      await history.commit('fs/proc/cmdline.c', drifted.replace('\tseq_puts(m, saved_command_line);', '\tseq_puts(m, "cmdline: ");\n\tseq_puts(m, saved_command_line);'), 'proc: prefix cmdline');
      restore = history.activate();
    });
    afterAll(() => restore());

    it('is refused by run-pre matching, naming the differing function (exit 4)', async () => {
      const state = await history.state();
      const r = await runCli(['build', ...common(), '--vmlinux', vmlinux, '-o', join(out(), 'm.ko'), 'HEAD']);
      expect(r.exitCode, r.stderr).toBe(4);
      expect(r.stderr).toMatch(/run-pre: cmdline_proc_show differs from the running kernel at \+0x/);
      expect(await history.state()).toBe(state);
    });
  });
});
