// diff-objects on inputs that are not two builds of one TU: exit 2 and one clear line.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ELF_TESTDATA, haveCompiler } from '../helpers/corpus.js';

const FLAGS = ['-O2', '-c', '-ffunction-sections', '-fdata-sections', '-pg', '-mfentry', '-mrecord-mcount'];
let dir = '';
const obj = (n: string) => join(dir, n);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cdm-diff-bad-'));
  await Promise.all([
    execa('gcc', [...FLAGS, join(ELF_TESTDATA, 'calls.c'), '-o', obj('calls.o')]),
    execa('gcc', [...FLAGS, join(ELF_TESTDATA, 'data.c'), '-o', obj('data.o')]),
    execa('gcc', ['-O2', '-c', '-pg', '-mfentry', join(ELF_TESTDATA, 'calls.c'), '-o', obj('calls-nosections.o')]),
  ]);
  if (await haveCompiler('aarch64-linux-gnu-')) {
    await execa('aarch64-linux-gnu-gcc', ['-O2', '-c', '-ffunction-sections', '-fdata-sections', join(ELF_TESTDATA, 'calls.c'), '-o', obj('calls-a64.o')]);
  }
  const good = readFileSync(obj('calls.o'));
  writeFileSync(obj('corrupt.o'), good.subarray(0, 200));
});

async function expectBad(args: string[], pattern: RegExp) {
  const r = await runCli(['diff-objects', ...args]);
  expect(r.exitCode, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n')[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('diff-objects on bad input', () => {
  it('two unrelated objects', async () => {
    await expectBad([obj('calls.o'), obj('data.o')], /share no function or data names/);
  });

  it('objects of different architectures', async () => {
    if (!(await haveCompiler('aarch64-linux-gnu-'))) return;
    await expectBad([obj('calls.o'), obj('calls-a64.o')], /x86_64 .* but .* is aarch64/);
  });

  it('an object compiled without -ffunction-sections', async () => {
    await expectBad([obj('calls-nosections.o'), obj('calls.o')], /without -ffunction-sections/);
  });

  it('a corrupt object', async () => {
    await expectBad([obj('calls.o'), obj('corrupt.o')], /corrupt\.o: truncated/);
  });

  it('a missing object', async () => {
    await expectBad([obj('calls.o'), obj('missing.o')], /missing\.o: no such file/);
  });

  it('the same object twice is no change: exit 3', async () => {
    const r = await runCli(['diff-objects', '--json', obj('calls.o'), obj('calls.o')]);
    expect(r.exitCode).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ schema: 'create-diff-module/diff-objects@0', verdict: 'no-change', changed: [], new: [] });
  });
});
