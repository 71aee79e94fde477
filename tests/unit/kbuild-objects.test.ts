// KbuildIndex asks make which objects a directory builds, and keeps each answer with the hashes
// of the makefiles make read for it. A minimal kbuild layout (auto.conf, Kbuild.include, a
// directory Makefile) is enough for the real make to answer.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KbuildIndex } from '../../src/tree/kbuild-objects.js';

let tree: string;
let cacheFile: string;
const savedPath = process.env.PATH;

function write(rel: string, text: string): void {
  mkdirSync(join(tree, rel, '..'), { recursive: true });
  writeFileSync(join(tree, rel), text);
}

async function ask(unit: string): Promise<string | undefined> {
  const index = new KbuildIndex(tree, 'x86', cacheFile);
  try {
    return await index.built(unit);
  } finally {
    await index.dispose();
  }
}

beforeEach(() => {
  tree = mkdtempSync(join(tmpdir(), 'cdm-kbuild-'));
  cacheFile = join(tree, '..', `${tree.split('/').pop()}-kbuild.json`);
  write('include/config/auto.conf', 'CONFIG_FOO=y\nCONFIG_BAR=m\n');
  write('scripts/Kbuild.include', '# empty\n');
  write('drivers/foo/Makefile', 'obj-$(CONFIG_FOO) += a.o\nobj-$(CONFIG_BAR) += b.o\nobj-$(CONFIG_NONE) += c.o\ninclude drivers/foo/extra.mk\n');
  write('drivers/foo/extra.mk', 'obj-y += d.o\n');
  write('drivers/Makefile', 'obj-y += foo/\n');
});

afterEach(() => {
  process.env.PATH = savedPath;
});

describe('KbuildIndex', () => {
  it('answers from make: built-in, modular, not built', async () => {
    expect(await ask('drivers/foo/a.o')).toBe('y');
    expect(await ask('drivers/foo/b.o')).toBe('m');
    expect(await ask('drivers/foo/c.o')).toBeUndefined();
    expect(await ask('drivers/foo/d.o')).toBe('y');
  });

  it('keeps answers with every makefile make read, included ones too, and reuses them without make', async () => {
    expect(await ask('drivers/foo/a.o')).toBe('y');
    const kept = JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, { makefiles: Array<[string, string]> }>;
    expect(kept['drivers/foo']!.makefiles.map(([f]) => f).sort()).toEqual(['drivers/foo/Makefile', 'drivers/foo/extra.mk', 'include/config/auto.conf', 'scripts/Kbuild.include']);
    process.env.PATH = '/nonexistent'; // make cannot run: only kept answers can come back
    expect(await ask('drivers/foo/b.o')).toBe('m');
  });

  it('asks make again when a makefile it read changed (the directory\'s, an included one, auto.conf)', async () => {
    expect(await ask('drivers/foo/a.o')).toBe('y');
    write('drivers/foo/Makefile', 'obj-m += a.o\ninclude drivers/foo/extra.mk\n');
    expect(await ask('drivers/foo/a.o')).toBe('m');
    write('drivers/foo/extra.mk', 'obj-m += d.o\n');
    expect(await ask('drivers/foo/d.o')).toBe('m');
    write('include/config/auto.conf', 'CONFIG_FOO=y\n');
    expect(await ask('drivers/foo/b.o')).toBeUndefined();
  });

  it('asks make again when a Kbuild file appears (kbuild reads it instead of the Makefile)', async () => {
    expect(await ask('drivers/foo/a.o')).toBe('y');
    write('drivers/foo/Kbuild', 'obj-y += k.o\n');
    expect(await ask('drivers/foo/k.o')).toBe('y');
    expect(await ask('drivers/foo/a.o')).toBeUndefined();
  });

  it('works without a cache file (nothing is written)', async () => {
    const index = new KbuildIndex(tree);
    expect(await index.built('drivers/foo/a.o')).toBe('y');
    await index.dispose();
    expect(existsSync(cacheFile)).toBe(false);
  });
});
