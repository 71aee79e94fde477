// The real target kernel (Debian 12, linux 6.1, ABI pinned to TEST_ABI): download, unpack,
// prepare, compile real translation units, extract vmlinux. The first run in a fresh cache
// downloads about 215 MB and takes a minute or two; later runs reuse the cache.
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { diffKconfig, KNOWN_FILL_INS, parseKconfig } from '../../src/target/config.js';
import { compileTargetObject, ensureTarget, targetVmlinux, TEST_ABI, type KernelTarget } from '../../src/target/index.js';
import { resolvePackages } from '../../src/target/packages.js';

let target: KernelTarget;
const log = (line: string) => console.log(`[target] ${line}`);

const sections = async (obj: string) => (await execa('readelf', ['-SW', obj])).stdout;

beforeAll(async () => {
  target = await ensureTarget({ abi: TEST_ABI, log });
});

describe('ensureTarget', () => {
  it('gives the pinned ABI with every path in place', () => {
    expect(target.abi).toBe(TEST_ABI);
    expect(target.packageVersion).toBe('6.1.192-2');
    for (const p of [target.vmlinuz, target.config, target.sourceDir, path.join(target.headersDir, 'Makefile'), path.join(target.headersDir, 'Module.symvers')]) {
      expect(existsSync(p), p).toBe(true);
    }
    expect(target.sourceDir.startsWith(target.cacheDir)).toBe(true);
  });

  it('prepared .config equals the shipped config but for the four olddefconfig fill-ins', () => {
    const shipped = parseKconfig(readFileSync(target.config, 'utf8'));
    const prepared = parseKconfig(readFileSync(path.join(target.sourceDir, '.config'), 'utf8'));
    const diffs = diffKconfig(shipped, prepared);
    expect(diffs.map((d) => d.option).sort()).toEqual([...KNOWN_FILL_INS].sort());
    expect(diffs.every((d) => d.shipped === undefined)).toBe(true);
    expect(prepared.get('CONFIG_LIVEPATCH')).toBe('y');
    expect(prepared.get('CONFIG_CC_VERSION_TEXT')).toBe(shipped.get('CONFIG_CC_VERSION_TEXT'));
    expect(shipped.get('CONFIG_CC_VERSION_TEXT')).toMatch(/^"gcc-12 /);
  });

  it('finds the newest ABI on the mirror when none is pinned', async () => {
    const newest = await resolvePackages(undefined, log);
    expect(Number(newest.abi.split('-')[1])).toBeGreaterThanOrEqual(56);
    expect(newest.packageVersion).toMatch(/^6\.1\.\d+-\d+$/);
  });

  it('a pinned ABI Debian does not have is a clear environment error', async () => {
    await expect(ensureTarget({ abi: '6.1.0-9999' })).rejects.toMatchObject({ exitCode: 4, message: expect.stringContaining('6.1.0-9999') });
    await expect(ensureTarget({ abi: '5.10.0-1' })).rejects.toThrow(/not a Debian 6.1 kernel ABI/);
  });
});

describe('compileTargetObject', () => {
  it('compiles fs/proc/cmdline.o with one section per function', async () => {
    const obj = await compileTargetObject(target, 'fs/proc/cmdline.o', { log });
    expect(path.isAbsolute(obj)).toBe(true);
    const s = await sections(obj);
    expect(s).toContain('.text.cmdline_proc_show');
    expect(s).toContain('.rela.text.cmdline_proc_show');
    // kbuild's record of the command is there for later stages to reuse
    expect(readFileSync(path.join(path.dirname(obj), '.cmdline.o.cmd'), 'utf8')).toContain('-ffunction-sections -fdata-sections');
  });

  it('compiles kernel/fork.o', async () => {
    const obj = await compileTargetObject(target, 'kernel/fork.o', { log });
    const s = await sections(obj);
    expect(s).toMatch(/\.text\.copy_process\b/);
    expect(s).toMatch(/\.orc_unwind\b/); // objtool ran
  });

  it('leaves the prepared source tree untouched (objects go to the lab copy)', () => {
    expect(existsSync(path.join(target.sourceDir, 'fs/proc/cmdline.o'))).toBe(false);
    expect(existsSync(path.join(target.sourceDir, 'fs/proc/.cmdline.o.cmd'))).toBe(false);
  });

  it('rejects paths that are not objects of the tree', async () => {
    await expect(compileTargetObject(target, '../etc/passwd.o')).rejects.toMatchObject({ exitCode: 2 });
    await expect(compileTargetObject(target, 'fs/proc/no-such-file.o')).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe('targetVmlinux', () => {
  it('extracts an ELF vmlinux with .text at the unrandomised base', async () => {
    const vmlinux = await targetVmlinux(target);
    const s = await sections(vmlinux);
    expect(s).toMatch(/\.text\s+PROGBITS\s+ffffffff81000000/);
    expect(await targetVmlinux(target)).toBe(vmlinux); // cached
  });
});
