// The CLI skeleton as a user meets it: help, version, inspect, and the exit-code table.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ELF_TESTDATA } from '../helpers/corpus.js';

let object = '';
beforeAll(async () => {
  object = join(mkdtempSync(join(tmpdir(), 'cdm-cli-')), 'calls.o');
  await execa('gcc', ['-O2', '-c', '-ffunction-sections', '-fdata-sections', '-pg', '-mfentry', join(ELF_TESTDATA, 'calls.c'), '-o', object]);
});

describe('create-diff-module CLI', () => {
  it('--help lists the commands and the exit-code table', async () => {
    const r = await runCli(['--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('inspect');
    for (const code of ['0 ', '1 ', '2 ', '3 ', '4 ', '70']) expect(r.stdout).toMatch(new RegExp(`^\\s+${code}`, 'm'));
  });

  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('an unknown command or option is bad usage: exit 2', async () => {
    expect((await runCli(['frobnicate'])).exitCode).toBe(2);
    const r = await runCli(['inspect', '--no-such-option', object]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--no-such-option');
    expect((await runCli(['inspect'])).exitCode).toBe(2);
  });

  it('inspect prints sections, symbols and relocations', async () => {
    const r = await runCli(['inspect', object]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/\.text\.compute\s+PROGBITS\s+AX/);
    expect(r.stdout).toMatch(/FUNC\s+GLOBAL\s+DEFAULT\s+\d+ compute_twice/);
    expect(r.stdout).toMatch(/R_X86_64_PLT32\s+external_hook - 0x4/);
  });

  it('inspect --json is one valid document with the documented schema', async () => {
    const r = await runCli(['inspect', '--json', object]);
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.schema).toBe('create-diff-module/inspect@0');
    expect(report.header).toMatchObject({ class: 'ELF64', endian: 'little', machineName: 'x86_64', type: 'REL' });
    const weak = report.symbols.find((s: { name: string }) => s.name === 'weak_default');
    expect(weak).toMatchObject({ type: 'FUNC', bind: 'WEAK', section: '.text.weak_default' });
    const rela = report.relocations.find((r: { section: string }) => r.section === '.rela.text.compute');
    expect(rela.target).toBe('.text.compute');
    expect(rela.entries.some((e: { type: string; symbolName: string }) => e.type === 'R_X86_64_PLT32' && e.symbolName === 'external_hook')).toBe(true);
  });
});
