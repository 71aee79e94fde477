// The module stage against the real target's headers: a placeholder patch object (as src/link/
// emits it, made here by testdata/module/fixture.ts) is linked by kbuild with the generated
// registration source, and the post-link step writes the livepatch relocation section and
// symbol that Documentation/livepatch/module-elf-format.rst describes. readelf is the judge.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readElf, readElfFile, SHF, SHN } from '../../src/elf/index.js';
import {
  buildModuleDetailed, checkPlan, generateRegistration, KLP_RELA_FLAGS, postLinkKlp, type BuiltModule,
} from '../../src/module/index.js';
import { ensureTarget, TEST_ABI, type KernelTarget } from '../../src/target/index.js';
import { BINFMT_PLAN, CMDLINE_PLAN, makeBinfmtPatchObject, makeCmdlinePatchObject } from '../../testdata/module/fixture.js';

let target: KernelTarget;
let dir: string;
let patchObject: string;
let built: BuiltModule;

beforeAll(async () => {
  target = await ensureTarget({ abi: TEST_ABI, log: (l) => console.log(`[target] ${l}`) });
  dir = mkdtempSync(path.join(os.tmpdir(), 'cdm-module-kernel-'));
  patchObject = path.join(dir, 'patch.o');
  await makeCmdlinePatchObject(target.headersDir, patchObject);
  built = await buildModuleDetailed({
    headersDir: target.headersDir, name: 'cdm-klp-test', patchObject, plan: CMDLINE_PLAN, replace: false, outDir: dir,
  });
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const readelf = async (args: string[], file: string) => (await execa('readelf', [...args, '--wide', file])).stdout;

describe('the placeholder patch object', () => {
  it('references saved_command_line only through __cdm_klp_0, defined in .cdm.klp', async () => {
    const obj = await readElfFile(patchObject);
    const ph = obj.symbols.find((s) => s.name === '__cdm_klp_0')!;
    expect(obj.sections[ph.shndx]!.name).toBe('.cdm.klp');
    expect(obj.symbols.some((s) => s.name === 'saved_command_line')).toBe(false);
    const text = obj.sections.find((s) => s.name === '.text.cmdline_proc_show')!;
    const rs = obj.relocations.find((r) => r.target === text.index)!;
    expect(rs.entries.filter((e) => e.symbol === ph.index)).toHaveLength(1);
  });
});

describe('buildModule on the target headers', () => {
  it('writes <name>.ko with the .klp.rela section (AIo: SHF_ALLOC|SHF_INFO_LINK|SHF_RELA_LIVEPATCH)', async () => {
    expect(built.path).toBe(path.join(dir, 'cdm-klp-test.ko'));
    expect(built.sysfsName).toBe('cdm_klp_test');
    const sections = await readelf(['-S'], built.path);
    const line = sections.split('\n').find((l) => l.includes('.klp.rela.vmlinux..text.cmdline_proc_show'));
    expect(line, sections).toBeDefined();
    expect(line).toMatch(/\sRELA\s+0{16} [0-9a-f]+ 000018 18 AIo\s+\d+\s+\d+\s+8$/);
    expect(built.postLink.sections).toEqual([{ name: '.klp.rela.vmlinux..text.cmdline_proc_show', target: '.text.cmdline_proc_show', relocations: 1 }]);
    expect(built.postLink.symbols).toEqual(['.klp.sym.vmlinux.saved_command_line,0']);
    expect(built.postLink.unused).toEqual([]);
  });

  it('has the .klp.sym symbol at SHN_LIVEPATCH and the relocation against it, addend kept', async () => {
    const syms = await readelf(['-s'], built.path);
    const sym = syms.split('\n').find((l) => l.endsWith(' .klp.sym.vmlinux.saved_command_line,0'));
    expect(sym, syms).toMatch(/0{16}\s+0 OBJECT\s+GLOBAL DEFAULT\s+(OS \[0xff20\]|LIVEPATCH)\s/);
    const relocs = await readelf(['-r'], built.path);
    const section = relocs.split(/\n(?=Relocation section)/).find((s) => s.startsWith("Relocation section '.klp.rela.vmlinux..text.cmdline_proc_show'"));
    expect(section, relocs).toMatch(/R_X86_64_PC32\s+0{16} \.klp\.sym\.vmlinux\.saved_command_line,0 - 4/);

    const ko = readElf(new Uint8Array(readFileSync(built.path)), built.path);
    const klp = ko.sections.find((s) => s.name === '.klp.rela.vmlinux..text.cmdline_proc_show')!;
    expect(klp.flags).toBe(KLP_RELA_FLAGS);
    expect(klp.flags & SHF.RELA_LIVEPATCH).toBe(SHF.RELA_LIVEPATCH);
    expect(klp.link).toBe(ko.symtab);
    expect(ko.sections[klp.info]!.name).toBe('.text.cmdline_proc_show');
    const klpSym = ko.symbols.find((s) => s.name.startsWith('.klp.sym.'))!;
    expect(klpSym.shndx).toBe(SHN.LIVEPATCH);
    // No allocated section still relocates against a placeholder; the bytes the kernel will
    // relocate are zero (x86-64's apply_relocate_add refuses anything else).
    for (const rs of ko.relocations) {
      if (!(ko.sections[rs.target]!.flags & SHF.ALLOC)) continue;
      for (const e of rs.entries) expect(ko.symbols[e.symbol]!.name).not.toMatch(/^__cdm_klp_/);
    }
    const rs = ko.relocations.find((r) => r.section === klp.index)!;
    const at = Number(rs.entries[0]!.offset);
    expect([...ko.sections[klp.info]!.data.subarray(at, at + 4)]).toEqual([0, 0, 0, 0]);
  });

  it('is a livepatch module: modinfo livepatch=Y, GPL', async () => {
    const { stdout } = await execa('modinfo', ['-F', 'livepatch', built.path], { reject: false });
    const info = stdout || (await readelf(['-p', '.modinfo'], built.path));
    expect(info).toMatch(/Y/);
    expect(await readelf(['-p', '.modinfo'], built.path)).toMatch(/license=GPL/);
    expect(await readelf(['-p', '.modinfo'], built.path)).toMatch(/vermagic=6\.1\.0-\d+-amd64 SMP preempt mod_unload modversions/);
  });

  it('is deterministic: the same inputs give the same bytes', async () => {
    const again = mkdtempSync(path.join(os.tmpdir(), 'cdm-module-again-'));
    try {
      const second = await buildModuleDetailed({
        headersDir: target.headersDir, name: 'cdm-klp-test', patchObject, plan: CMDLINE_PLAN, replace: false, outDir: again,
      });
      expect(Buffer.compare(readFileSync(second.path), readFileSync(built.path))).toBe(0);
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });
});

describe('a patch for a loadable module (binfmt_misc)', () => {
  it('puts its relocation in .klp.rela.binfmt_misc.* against .klp.sym.binfmt_misc.enabled,0', async () => {
    const obj = path.join(dir, 'binfmt-patch.o');
    await makeBinfmtPatchObject(target.headersDir, obj);
    const mod = await buildModuleDetailed({
      headersDir: target.headersDir, name: 'cdm-klp-binfmt', patchObject: obj, plan: BINFMT_PLAN, outDir: dir,
    });
    expect(mod.postLink.sections).toEqual([{ name: '.klp.rela.binfmt_misc..text.bm_status_read', target: '.text.bm_status_read', relocations: 1 }]);
    expect(mod.postLink.symbols).toEqual(['.klp.sym.binfmt_misc.enabled,0']);
    const src = await readelf(['-r'], mod.path);
    expect(src).toMatch(/\.klp\.sym\.binfmt_misc\.enabled,0 - [0-9a-f]+/);
  });
});

describe('registration source and plan checks', () => {
  it('groups functions per object, vmlinux (NULL) first, callbacks and replace as asked; compiles with -Werror', async () => {
    const src = generateRegistration(checkPlan({
      placeholders: [],
      functions: [
        { old_name: 'ext4_foo', new_symbol: 'ext4_foo', old_sympos: 0, object: 'ext4' },
        // A global the headers declare with its real type: the asm-label binding must not clash.
        { old_name: 'vfs_read', new_symbol: 'vfs_read', old_sympos: 0, object: 'vmlinux' },
        { old_name: 'user_read', new_symbol: 'user_read', old_sympos: 2, object: 'vmlinux' },
      ],
      callbacks: [{ object: 'ext4', pre_patch: 'my_pre_patch', post_unpatch: 'my_post_unpatch' }],
      pin: ['vfs_read: its address is stored in .data.ops */ (sic)', 'count: new data that holds state'],
    }), { replace: true });
    expect(src).toContain('extern char cdm_new_0[] __asm__("ext4_foo");');
    expect(src).toMatch(/static struct klp_object objs\[\] = \{\n\t\{\n\t\t\/\* vmlinux \*\/\n\t\t\.name = NULL,\n\t\t\.funcs = funcs_0,/);
    expect(src).toContain('.name = "ext4",');
    expect(src).toContain('.old_sympos = 2,');
    expect(src).toMatch(/\.callbacks = \{\n\t\t\t\.pre_patch = cdm_pre_patch_0,\n\t\t\t\.post_unpatch = cdm_post_unpatch_1,\n\t\t\},/);
    expect(src).toContain('extern int cdm_pre_patch_0(struct klp_object *obj) __asm__("my_pre_patch");');
    expect(src).toContain('.replace = true,');
    expect(src).toContain('MODULE_INFO(livepatch, "Y");');
    // Unload hazards: a self-reference until allow_unload is set; the reasons in the source.
    expect(src).toContain('module_param_cb(allow_unload, &cdm_allow_unload_ops, NULL, 0600);');
    expect(src).toMatch(/if \(!cdm_unload_allowed\) \{\n\t\t__module_get\(THIS_MODULE\);/);
    expect(src).toContain(' *   count: new data that holds state');
    // A reason cannot end the comment early (it is also in MODULE_PARM_DESC, as a C string).
    expect(src).toContain(' *   vfs_read: its address is stored in .data.ops * / (sic)');

    const regDir = mkdtempSync(path.join(os.tmpdir(), 'cdm-registration-'));
    try {
      writeFileSync(path.join(regDir, 'reg.c'), src);
      writeFileSync(path.join(regDir, 'Kbuild'), 'obj-m := reg.o\nccflags-y := -Werror\n');
      await execa('make', ['-C', target.headersDir, `M=${regDir}`, 'reg.o']);
      const { stdout } = await execa('nm', [path.join(regDir, 'reg.o')]);
      for (const sym of ['ext4_foo', 'vfs_read', 'user_read', 'my_pre_patch', 'my_post_unpatch', 'klp_enable_patch', 'module_put', 'kstrtobool']) {
        expect(stdout).toMatch(new RegExp(`^\\s+U ${sym}$`, 'm'));
      }
    } finally {
      rmSync(regDir, { recursive: true, force: true });
    }
  });

  it('refuses a placeholder the plan does not describe and a module symbol no klp_object applies', async () => {
    const ko = readElf(new Uint8Array(readFileSync(path.join(dir, 'patch.o'))), 'patch.o');
    expect(() => postLinkKlp(ko, { placeholders: [], functions: CMDLINE_PLAN.functions })).toThrow(/__cdm_klp_0 has no entry/);
    const plan = checkPlan({ ...CMDLINE_PLAN, placeholders: [{ ...CMDLINE_PLAN.placeholders[0]!, object: 'ext4' }] });
    expect(() => postLinkKlp(ko, plan)).toThrow(/replaces no function of ext4/);
    expect(() => checkPlan({ placeholders: [{ index: 0, name: 'a,b', object: 'vmlinux', sympos: 0, type: 'FUNC' }], functions: CMDLINE_PLAN.functions })).toThrow(/comma/);
    expect(() => checkPlan({ placeholders: [], functions: [] })).toThrow(/no functions/);
  });
});
