// /proc/kallsyms of the booted target, with and without KASLR: the real symbol table the
// symbols/ stage resolves against (the image's System.map is a placeholder).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTarget, targetKallsyms, TEST_ABI, type KernelTarget } from '../../src/target/index.js';

let target: KernelTarget;
const log = (line: string) => console.log(`[target] ${line}`);

beforeAll(async () => {
  target = await ensureTarget({ abi: TEST_ABI, log });
});

const parse = (file: string) => {
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const addr = new Map<string, bigint>();
  for (const l of lines) {
    const [a, type, name] = l.split(/\s+/);
    if (name && !addr.has(name) && /[Tt]/.test(type!)) addr.set(name, BigInt(`0x${a}`));
  }
  return { lines, addr };
};

describe('targetKallsyms', () => {
  it('nokaslr: the full table, _text at the link address', async () => {
    const file = await targetKallsyms(target, { kaslr: false, log });
    const { lines, addr } = parse(file);
    expect(lines.length).toBeGreaterThan(90_000);
    expect(lines).toContain('ffffffff81000000 T _text');
    expect(lines.every((l) => /^[0-9a-f]{16} \S /.test(l))).toBe(true); // no CR, no torn lines
    expect(addr.get('cmdline_proc_show')).toBeGreaterThan(0xffffffff81000000n);
    expect(await targetKallsyms(target, { kaslr: false })).toBe(file); // cached
  });

  it('kaslr: shifted by one offset, same layout relative to _text', async () => {
    const nok = parse(await targetKallsyms(target, { kaslr: false }));
    const k = parse(await targetKallsyms(target, { kaslr: true, log }));
    expect(k.lines.length).toBeGreaterThan(90_000);
    const text = k.addr.get('_text')!;
    expect(text).not.toBe(0xffffffff81000000n);
    for (const name of ['cmdline_proc_show', 'copy_process', 'klp_enable_patch']) {
      expect(k.addr.get(name)! - text, name).toBe(nok.addr.get(name)! - 0xffffffff81000000n);
    }
  });
});
