// The object differ on real changes to Debian's 6.1 sources: each testdata/kernel/diff/*.patch
// is applied in the lab tree, both builds are compiled with kbuild's flags, and diff-objects'
// answer is checked against the hand-written <name>.expected.json beside the patch.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTarget, TEST_ABI, type KernelTarget } from '../../src/target/index.js';
import { buildKernelPair } from '../helpers/kernel-patch.js';
import { runCli } from '../helpers/cli.js';
import { baseName } from '../../src/diff/names.js';

const DIR = new URL('../../testdata/kernel/diff/', import.meta.url).pathname;
const cases = readdirSync(DIR).filter((f) => f.endsWith('.patch')).map((f) => f.replace(/\.patch$/, '')).sort();

interface Expected {
  description: string;
  reasoning: string;
  verdict: string;
  changed: string[];
  new: string[];
  problems: string[];
  inlined?: Array<{ function: string; callees: string[] }>;
  lineNumbersOnly?: string[];
}

let target: KernelTarget;
beforeAll(async () => {
  target = await ensureTarget({ abi: TEST_ABI });
});

const names = (list: string[]) => [...new Set(list.map(baseName))].sort();

describe('diff-objects on real Debian 6.1 changes', () => {
  it('has at least 5 real kernel changes', () => {
    expect(cases.length).toBeGreaterThanOrEqual(5);
  });

  it.each(cases)('%s', async (name) => {
    const expected = JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf8')) as Expected;
    const pair = await buildKernelPair(target, join(DIR, `${name}.patch`));
    const r = await runCli(['diff-objects', '--json', pair.orig, pair.patched]);
    const report = JSON.parse(r.stdout);
    expect(report.verdict, r.stderr).toBe(expected.verdict);
    expect(r.exitCode).toBe({ patchable: 0, 'not-patchable': 1, 'no-change': 3 }[expected.verdict as string]);
    expect(names(report.changed)).toEqual(names(expected.changed));
    expect(names(report.new)).toEqual(names(expected.new));
    expect([...new Set(report.problems.filter((p: { severity: string }) => p.severity === 'block').map((p: { kind: string }) => p.kind))].sort()).toEqual([...new Set(expected.problems)].sort());
    for (const inl of expected.inlined ?? []) {
      const got = report.inlined.find((x: { function: string }) => baseName(x.function) === baseName(inl.function));
      expect(got, `${inl.function} changed because of inlining`).toBeDefined();
      for (const callee of inl.callees) expect(got.callees).toContain(callee);
    }
    for (const fn of expected.lineNumbersOnly ?? []) {
      const f = report.functions.find((x: { name: string }) => x.name === fn);
      expect(f?.cause, `${fn}: line numbers only`).toBe('line-numbers');
    }
  });
});
