// The symbols stage on the real Debian 6.1 kernel's kallsyms, dumped under QEMU with and
// without KASLR (src/target caches both), and its Module.symvers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTarget, targetKallsyms, TEST_ABI, type KernelTarget } from '../../src/target/index.js';
import {
  duplicateNames, lookup, parseKallsyms, readKallsyms, readSymvers, symposAt, symposUnique, vmlinuxAddress,
  LINK_TIME_TEXT, type Kallsyms,
} from '../../src/symbols/index.js';
import { InputError } from '../../src/common/errors.js';

let target: KernelTarget;
let plain: Kallsyms;
let kaslr: Kallsyms;
beforeAll(async () => {
  target = await ensureTarget({ abi: TEST_ABI });
  plain = await readKallsyms(await targetKallsyms(target, { kaslr: false }));
  kaslr = await readKallsyms(await targetKallsyms(target, { kaslr: true }));
});

describe('kallsyms of the running Debian 6.1 kernel', () => {
  it('parses every entry; nokaslr has _text at the link address', () => {
    expect(plain.entries.length).toBeGreaterThan(90_000);
    expect(plain.kaslrOffset).toBe(0n);
    expect(lookup(plain, '_text')[0]!.address).toBe(LINK_TIME_TEXT);
    // The sympos problem is real: well over a thousand names occur more than once.
    expect(duplicateNames(plain)).toBeGreaterThan(1000);
  });

  it('maps a KASLR dump back to vmlinux addresses through _text', () => {
    expect(kaslr.kaslrOffset).not.toBe(0n);
    expect(kaslr.kaslrOffset % 0x200000n).toBe(0n); // CONFIG_PHYSICAL_ALIGN
    expect(kaslr.entries.length).toBe(plain.entries.length);
    let compared = 0;
    for (let i = 0; i < plain.entries.length; i += 97) {
      const a = plain.entries[i]!;
      const b = kaslr.entries[i]!;
      expect(b.name).toBe(a.name);
      expect(vmlinuxAddress(kaslr, b)).toBe(vmlinuxAddress(plain, a));
      compared++;
    }
    expect(compared).toBeGreaterThan(900);
    // Per-CPU symbols are absolute and do not move.
    const cpu = lookup(kaslr, 'cpu_number')[0]!;
    expect(cpu.type).toMatch(/[Aa]/);
    expect(cpu.address).toBe(lookup(plain, 'cpu_number')[0]!.address);
  });

  it('gives sympos by position among all same-named entries, in kallsyms order', () => {
    const cStart = lookup(plain, 'c_start');
    expect(cStart.length).toBe(3);
    cStart.forEach((e, i) => expect(symposAt(plain, 'c_start', e.address).sympos).toBe(i + 1));
    // The same answer from a KASLR dump: sympos depends on order, not addresses.
    cStart.forEach((e, i) => expect(symposAt(kaslr, 'c_start', e.address).sympos).toBe(i + 1));
    // user_read is a global (security/keys) and a static (selinux): a local-only count would say 0.
    const userRead = lookup(plain, 'user_read');
    expect(userRead.map((e) => e.type).sort()).toEqual(['T', 't']);
    const local = symposUnique(plain, 'user_read', (e) => e.type === 't');
    expect(local.sympos).toBe(userRead.findIndex((e) => e.type === 't') + 1);
    expect(local.sympos).toBeGreaterThan(0);
    expect(symposUnique(plain, 'cmdline_proc_show').sympos).toBe(0);
    expect(() => symposUnique(plain, 'c_start')).toThrow(InputError);
    expect(() => symposUnique(plain, 'no_such_symbol_anywhere')).toThrow(/not in/);
  });

  it('refuses a dump read without privileges (all addresses zero)', () => {
    const text = readFileSync(plain.file, 'utf8').split('\n').slice(0, 2000).map((l) => l.replace(/^[0-9a-f]{16}/, '0000000000000000')).join('\n');
    expect(() => parseKallsyms(text, 'unprivileged.txt')).toThrow(/every address is zero.*kptr_restrict/);
  });

  it('reads the exports of the headers\' Module.symvers', async () => {
    const symvers = await readSymvers(join(target.headersDir, 'Module.symvers'));
    expect(symvers.size).toBeGreaterThan(20_000);
    expect(symvers.get('seq_puts')?.module).toBe('vmlinux');
    expect(symvers.has('cmdline_proc_show')).toBe(false);
    // user_read is exported (security/keys) although selinux has a static of the same name.
    expect(symvers.get('user_read')?.module).toBe('vmlinux');
  });
});
