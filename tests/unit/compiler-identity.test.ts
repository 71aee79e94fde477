// The compiler's identity is asked of the compiler once and kept while its driver's and cc1's
// files are unchanged. A shell script stands in for gcc here so that its runs can be counted;
// the real gcc-12 is asked in the kernel tier's checks.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { compilerIdentity } from '../../src/tree/compiler-identity.js';

let dir: string;
let cc: string;
let cc1: string;
let store: string;
const runs = () => readFileSync(join(dir, 'runs'), 'utf8').split('\n').filter(Boolean).length;

function writeCompiler(version: string): void {
  writeFileSync(cc, `#!/bin/sh\necho run >> ${join(dir, 'runs')}\ncase "$1" in\n  --version) echo "${version}"; echo "Copyright";;\n  -print-prog-name=cc1) echo ${cc1};;\nesac\n`);
  chmodSync(cc, 0o755);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cdm-cc-'));
  cc = join(dir, 'fake-gcc');
  cc1 = join(dir, 'cc1');
  store = join(dir, 'cache', 'compilers.json');
  writeFileSync(join(dir, 'runs'), '');
  writeFileSync(cc1, 'cc1 v1');
  writeCompiler('fake-gcc (Test 1) 12.2.0');
});

describe('compilerIdentity', () => {
  it('asks the compiler, then answers from what it kept without running it', async () => {
    const first = await compilerIdentity(cc, store);
    expect(first.version).toBe('fake-gcc (Test 1) 12.2.0');
    expect(first.id.split('\n')).toHaveLength(3);
    expect(runs()).toBe(2); // --version and -print-prog-name=cc1
    const second = await compilerIdentity(cc, store);
    expect(second).toEqual(first);
    expect(runs()).toBe(2);
  });

  it('asks again when the driver or cc1 changed, and the identity changes with them', async () => {
    const first = await compilerIdentity(cc, store);
    writeCompiler('fake-gcc (Test 2) 12.3.0-upgraded'); // another size, whatever the mtime resolution
    const upgraded = await compilerIdentity(cc, store);
    expect(upgraded.version).toBe('fake-gcc (Test 2) 12.3.0-upgraded');
    expect(runs()).toBe(4);
    writeFileSync(cc1, 'cc1 v2, a longer file');
    const newCc1 = await compilerIdentity(cc, store);
    expect(runs()).toBe(6);
    expect(new Set([first.id, upgraded.id, newCc1.id]).size).toBe(3);
  });

  it('a compiler that is not there is the usual missing-tool error (exit 4)', async () => {
    await expect(compilerIdentity(join(dir, 'no-such-gcc'), store)).rejects.toMatchObject({ exitCode: 4 });
  });
});
