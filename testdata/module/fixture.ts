// Test fixture for the module stage (tests/kernel/module-klp.test.ts, tests/qemu/module-*.test.ts):
// patch objects shaped like src/link/'s output, made without src/link/. A replacement function
// (cmdline_klp.c, binfmt_klp.c) is compiled with the target headers' own flags (kbuild,
// single-object target: no modpost, so an unexported symbol may stay undefined); then that
// undefined symbol becomes the placeholder __cdm_klp_<N>, GLOBAL, defined in an 8-byte slot of
// a `.cdm.klp` section: every relocation that named it now names the placeholder, addend kept.
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTool } from '../../src/build/exec.js';
import { readElfFile, SHF, SHT, STB, STT, writeElf } from '../../src/elf/index.js';
import type { ElfObject } from '../../src/elf/index.js';
import type { KlpPlan } from '../../src/module/index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export const CMDLINE_PLAN: KlpPlan = {
  placeholders: [{ index: 0, name: 'saved_command_line', object: 'vmlinux', sympos: 0, type: 'OBJECT' }],
  functions: [{ old_name: 'cmdline_proc_show', new_symbol: 'cmdline_proc_show', old_sympos: 0, object: 'vmlinux' }],
};

/** Turn the undefined global `from` into placeholder `__cdm_klp_<index>` defined in `.cdm.klp`. */
export function placeholderize(obj: ElfObject, from: string, index: number): ElfObject {
  const sym = obj.symbols.find((s) => s.name === from && s.shndx === 0 && !s.special);
  if (!sym) throw new Error(`fixture: no undefined symbol ${from}`);
  let klp = obj.sections.find((s) => s.name === '.cdm.klp');
  if (!klp) {
    klp = {
      index: obj.sections.length, name: '.cdm.klp', type: SHT.PROGBITS, flags: SHF.ALLOC, addr: 0n, size: 0n,
      link: 0, info: 0, addralign: 8n, entsize: 0n, offset: 0n, data: new Uint8Array(0),
    };
    obj.sections.push(klp);
  }
  const value = BigInt(klp.data.length);
  const data = new Uint8Array(klp.data.length + 8);
  data.set(klp.data);
  klp.data = data;
  klp.size = BigInt(data.length);
  Object.assign(sym, { name: `__cdm_klp_${index}`, shndx: klp.index, value, size: 8n, type: STT.OBJECT, bind: STB.GLOBAL });
  return obj;
}

export const BINFMT_PLAN: KlpPlan = {
  placeholders: [{ index: 0, name: 'enabled', object: 'binfmt_misc', sympos: 0, type: 'OBJECT' }],
  functions: [{ old_name: 'bm_status_read', new_symbol: 'bm_status_read', old_sympos: 0, object: 'binfmt_misc' }],
};

/**
 * Compile testdata/module/<source> against the headers (kbuild's flags plus
 * -ffunction-sections, as src/target compiles kernel objects: each function in its own
 * .text.<name>), turn each named undefined symbol into its placeholder, write the object to `out`.
 */
export async function makePatchObject(headersDir: string, source: string, placeholders: Array<[string, number]>, out: string): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cdm-klp-fixture-'));
  const base = path.basename(source, '.c');
  try {
    await copyFile(path.join(HERE, source), path.join(dir, source));
    await writeFile(path.join(dir, 'Kbuild'), `obj-m := ${base}.o\nccflags-y := -ffunction-sections -fdata-sections\n`);
    await runTool('make', ['-C', headersDir, `M=${dir}`, `KCFLAGS=-ffile-prefix-map=${dir}/=`, `${base}.o`], { timeout: 10 * 60_000 });
    let obj = await readElfFile(path.join(dir, `${base}.o`));
    for (const [from, index] of placeholders) obj = placeholderize(obj, from, index);
    await writeFile(out, writeElf(obj));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The cmdline_proc_show replacement with saved_command_line as __cdm_klp_0. */
export function makeCmdlinePatchObject(headersDir: string, out: string): Promise<void> {
  return makePatchObject(headersDir, 'cmdline_klp.c', [['saved_command_line', 0]], out);
}

/** The binfmt_misc bm_status_read replacement with the module's `enabled` as __cdm_klp_0. */
export function makeBinfmtPatchObject(headersDir: string, out: string): Promise<void> {
  return makePatchObject(headersDir, 'binfmt_klp.c', [['enabled', 0]], out);
}
