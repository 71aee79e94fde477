// The link stage's special-section records on real Debian 6.1 TUs: what a patch object carries
// for a jump label on a vmlinux key, and the refusal of a record the loader would read before
// its livepatch relocation exists (a tracepoint key that lives in the patched module itself).
// Loading these modules is the QEMU tier's build-special-sections test.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readElfFile } from '../../src/elf/index.js';
import { ensureTarget, targetKallsyms, targetVmlinux, TEST_ABI, type KernelTarget } from '../../src/target/index.js';
import { runCli } from '../helpers/cli.js';

const DATA = new URL('../../testdata/kernel/build/', import.meta.url).pathname;
let target: KernelTarget;
let common: string[];

beforeAll(async () => {
  target = await ensureTarget({ abi: TEST_ABI });
  common = ['--src', target.sourceDir, '--kallsyms', await targetKallsyms(target, { kaslr: true }), '--headers', target.headersDir, '--vmlinux', await targetVmlinux(target)];
});

describe('special-section records in the patch object', () => {
  it('carries the jump entry and its pr_debug descriptor; the unexported key becomes a livepatch relocation; output is deterministic', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cdm-records-'));
    const objects: Buffer[] = [];
    for (const n of [1, 2]) {
      const r = await runCli(['build', ...common, '--name', 'cdm_key', '--keep-object', '-o', join(out, `${n}.ko`), join(DATA, 'cmdline-static-key.patch')]);
      expect(r.exitCode, r.stderr).toBe(0);
      objects.push(readFileSync(join(out, `${n}-patch.o`)));
    }
    expect(objects[0]!.equals(objects[1]!)).toBe(true);
    const ko = await readElfFile(join(out, '1.ko'));
    const jump = ko.sections.find((s) => s.name === '__jump_table')!;
    // Two static branches: the schedstats test and the pr_debug's own key.
    expect(jump.size).toBe(32n);
    expect(ko.sections.find((s) => s.name === '__dyndbg')!.size).toBe(56n);
    const klp = ko.relocations.find((rs) => ko.sections[rs.section]!.name === '.klp.rela.vmlinux.__jump_table')!;
    expect(klp.entries.map((e) => ko.symbols[e.symbol]!.name)).toEqual(['.klp.sym.vmlinux.sched_schedstats,0']);
  });

  it('refuses a tracepoint key that lives in the patched module (ext4), exit 1, naming function and key', async () => {
    const modules = join(target.vmlinuz, '..', '..', 'lib', 'modules', `${target.abi}-amd64`);
    const out = mkdtempSync(join(tmpdir(), 'cdm-records-'));
    const r = await runCli(['build', ...common, '--modules-dir', modules, '-o', join(out, 'm.ko'), join(DATA, 'ext4-free-inode-trace.patch')]);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/ext4_free_inode: its jump-label key __tracepoint_ext4_free_inode lives in ext4/);
    expect(r.stderr).toMatch(/reads __jump_table when the patch loads/);
  });

  it('reports unload hazards (an escaping callback address, new state) and pins the module unless --allow-unload', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cdm-records-'));
    const r = await runCli(['build', '--json', ...common, '--name', 'cdm_ipi', '-o', join(out, 'pinned.ko'), join(DATA, 'cmdline-ipi-callback.patch')]);
    expect(r.exitCode, r.stderr).toBe(0);
    const { unload } = JSON.parse(r.stdout);
    expect(unload.safe).toBe(false);
    expect(unload.pinned).toBe(true);
    expect(unload.hazards.map((h: { kind: string; subject: string }) => `${h.kind} ${h.subject}`)).toEqual(['address-escapes cdm_count_ipi', 'new-state cdm_ipi_calls']);
    expect((await readElfFile(join(out, 'pinned.ko'))).sections.map((s) => s.name)).toContain('__param');
    const text = await runCli(['build', ...common, '--name', 'cdm_ipi', '-o', join(out, 'pinned.ko'), join(DATA, 'cmdline-ipi-callback.patch')]);
    expect(text.stdout).toMatch(/^unload: unsafe: cdm_count_ipi: its address is taken in \.text\.cmdline_proc_show/m);
    expect(text.stdout).toMatch(/echo 1 > \/sys\/module\/cdm_ipi\/parameters\/allow_unload/);

    const allowed = await runCli(['build', '--json', ...common, '--allow-unload', '--name', 'cdm_ipi', '-o', join(out, 'free.ko'), join(DATA, 'cmdline-ipi-callback.patch')]);
    expect(allowed.exitCode, allowed.stderr).toBe(0);
    expect(JSON.parse(allowed.stdout).unload).toMatchObject({ safe: false, pinned: false });
    expect((await readElfFile(join(out, 'free.ko'))).sections.map((s) => s.name)).not.toContain('__param');
    // A patch without hazards: safe, nothing pinned.
    const safe = await runCli(['build', '--json', ...common, '--name', 'cdm_key', '-o', join(out, 'safe.ko'), join(DATA, 'cmdline-static-key.patch')]);
    expect(JSON.parse(safe.stdout).unload).toEqual({ safe: true, pinned: false, hazards: [] });
  });

  it('imports the symbol namespace of a namespaced export the patch uses (idxd: dsa_bus_type in IDXD)', async () => {
    // From the stable corpus: idxd_pci_probe uses dsa_bus_type (EXPORT_SYMBOL_NS_GPL(..., IDXD));
    // without MODULE_IMPORT_NS modpost refuses the module.
    const modules = join(target.vmlinuz, '..', '..', 'lib', 'modules', `${target.abi}-amd64`);
    const out = mkdtempSync(join(tmpdir(), 'cdm-records-'));
    const r = await runCli(['build', '--json', ...common, '--modules-dir', modules, '--name', 'cdm_ns', '-o', join(out, 'ns.ko'), join(DATA, 'idxd-namespace-export.patch')]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).plan.namespaces).toEqual(['IDXD']);
    const modinfo = (await readElfFile(join(out, 'ns.ko'))).sections.find((s) => s.name === '.modinfo')!;
    expect(Buffer.from(modinfo.data).toString('latin1').split('\0')).toContain('import_ns=IDXD');
  });

  // Regressions from the stable corpus (6.1.0-54 → 55), each a small patch of the same shape:
  // pci-sysfs's new __resource_resize_store came with a .cold part that was left out (named in
  // kallsyms, where it is not); ceph's and cifs's printk_ratelimited states (`_rs.N`, 40 of
  // `_rs.1` in kallsyms) were named instead of carried.
  it.each([
    ['cmdline-new-cold-helper.patch', ['cdm_show_cmdline', 'cdm_show_cmdline.cold']],
    ['kmod-ratelimit-state.patch', ['_rs.1', '_rs.2', '_rs.4']],
  ])('%s: carries %s', async (patch, carried) => {
    const out = mkdtempSync(join(tmpdir(), 'cdm-records-'));
    const r = await runCli(['build', ...common, '--name', 'cdm_reg', '-o', join(out, 'm.ko'), join(DATA, patch)]);
    expect(r.exitCode, r.stderr).toBe(0);
    const syms = (await readElfFile(join(out, 'm.ko'))).symbols;
    for (const name of carried) expect(syms.some((s) => s.name === name && s.shndx !== 0), name).toBe(true);
    expect(syms.filter((s) => s.name.startsWith('.klp.sym.') && /\.cold|_rs\./.test(s.name))).toEqual([]);
  });
});
