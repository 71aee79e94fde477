// The target cache is complete or it is rebuilt: stages without their stamp, with a file
// missing, or left half-unpacked are redone, never taken as good; a failed download leaves
// nothing behind. Run against a scratch cache root that borrows the real cache's downloads
// and unpacked stages through hard links (nothing here writes into a file in place: a redone
// stage is unpacked into fresh files), so the shared cache other tests use is never disturbed
// and each redone stage costs seconds.
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTarget, TEST_ABI, type KernelTarget } from '../../src/target/index.js';
import { ensureStage } from '../../src/target/stamp.js';

let real: KernelTarget;
let root: string;
let abiDir: string;

/** ensureTarget on the scratch root, returning the target and what it logged. */
async function ensureScratch(): Promise<{ target: KernelTarget; lines: string[] }> {
  const lines: string[] = [];
  const target = await ensureTarget({ abi: TEST_ABI, cacheDir: root, log: (l) => lines.push(l) });
  return { target, lines };
}

beforeAll(async () => {
  real = await ensureTarget({ abi: TEST_ABI, log: (l) => console.log(`[target] ${l}`) });
  root = mkdtempSync(path.join(os.tmpdir(), 'cdm-cache-test-'));
  abiDir = path.join(root, TEST_ABI);
  mkdirSync(abiDir);
  for (const stage of ['debs', 'image', 'headers', 'source']) {
    await execa('cp', ['-al', path.join(real.cacheDir, stage), path.join(abiDir, stage)]);
    await execa('cp', [path.join(real.cacheDir, `${stage}.stamp`), abiDir]);
  }
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('target cache completeness', () => {
  it('answers a complete pinned cache from its stamps, without apt', async () => {
    const { target, lines } = await ensureScratch();
    expect(lines).toEqual([expect.stringMatching(/cache complete/)]);
    expect(target.cacheDir).toBe(abiDir);
    expect(existsSync(target.vmlinuz)).toBe(true);
  });

  it('redoes a stage whose stamp is gone (an interrupted unpack)', async () => {
    rmSync(path.join(abiDir, 'image.stamp'));
    writeFileSync(path.join(abiDir, 'image', 'half-written'), '');
    const { target, lines } = await ensureScratch();
    expect(lines.join('\n')).toMatch(/image: .* has no stamp \(interrupted\?\), redoing it/);
    expect(lines.join('\n')).toMatch(/unpack image: done/);
    expect(existsSync(path.join(abiDir, 'image', 'half-written'))).toBe(false);
    expect(existsSync(target.vmlinuz)).toBe(true);
  });

  it('redoes a stage with a required file missing', async () => {
    const { target } = await ensureScratch();
    rmSync(path.join(target.headersDir, 'Module.symvers'));
    const { lines } = await ensureScratch();
    expect(lines.join('\n')).toMatch(/Module\.symvers is missing, redoing the stage/);
    expect(lines.join('\n')).toMatch(/unpack headers: done/);
    expect(existsSync(path.join(target.headersDir, 'Module.symvers'))).toBe(true);
  });

  it('redoes a stage whose stamp is corrupt or for another version, and removes leftovers', async () => {
    writeFileSync(path.join(abiDir, 'image.stamp'), '{"format":1,"stage":"ima');
    mkdirSync(path.join(abiDir, 'image.tmp'));
    const first = await ensureScratch();
    expect(first.lines.join('\n')).toMatch(/image: .* has no stamp/);
    expect(existsSync(path.join(abiDir, 'image.tmp'))).toBe(false);
    const stamp = JSON.parse(readFileSync(path.join(abiDir, 'image.stamp'), 'utf8'));
    writeFileSync(path.join(abiDir, 'image.stamp'), JSON.stringify({ ...stamp, packageVersion: '6.1.192-1' }));
    const second = await ensureScratch();
    expect(second.lines.join('\n')).toMatch(/image: stamp is for 6\.1\.0-56 6\.1\.192-1, not 6\.1\.0-56 6\.1\.192-2, redoing it/);
  });

  it('redoes stages built from another download, and an interrupted stage leaves nothing', async () => {
    const stamp = JSON.parse(readFileSync(path.join(abiDir, 'debs.stamp'), 'utf8'));
    // same files, new identity: everything unpacked from the old download is stale
    writeFileSync(path.join(abiDir, 'debs.stamp'), JSON.stringify({ ...stamp, id: 'feedfacefeedface' }));
    const lines: string[] = [];
    const stop = new Error('killed while unpacking');
    await expect(ensureTarget({
      abi: TEST_ABI, cacheDir: root,
      log: (l) => {
        lines.push(l);
        if (/unpack image: started/.test(l)) throw stop;
      },
    })).rejects.toBe(stop);
    expect(lines.join('\n')).toMatch(/image: built from another debs, redoing it/);
    expect(existsSync(path.join(abiDir, 'image'))).toBe(false);
    expect(existsSync(path.join(abiDir, 'image.tmp'))).toBe(false);
    expect(existsSync(path.join(abiDir, 'image.stamp'))).toBe(false);
  });

  it('a failing build leaves neither the stage nor its temporary directory', async () => {
    const dir = path.join(root, 'stage-test', 'thing');
    mkdirSync(path.dirname(dir), { recursive: true });
    const spec = {
      stage: 'thing', dir, abi: TEST_ABI, packageVersion: '1', required: ['a'], log: () => {},
      build: async (tmp: string) => {
        mkdirSync(tmp);
        writeFileSync(path.join(tmp, 'partial'), '');
        throw new Error('disk full');
      },
    };
    await expect(ensureStage(spec)).rejects.toThrow('disk full');
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(`${dir}.tmp`)).toBe(false);
    expect(existsSync(`${dir}.stamp`)).toBe(false);
    // a build that forgets a required file is not stamped either
    await expect(ensureStage({ ...spec, build: async (tmp: string) => { mkdirSync(tmp); } })).rejects.toThrow(/does not exist/);
    expect(existsSync(`${dir}.stamp`)).toBe(false);
  });
});

describe('no network', () => {
  it('a download that cannot reach the mirror is a clear environment error and adds nothing', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'cdm-nonet-'));
    const saved = process.env.http_proxy;
    process.env.http_proxy = 'http://127.0.0.1:9'; // apt honours it; nothing listens there
    try {
      const err = await ensureTarget({ abi: TEST_ABI, cacheDir: empty }).catch((e: unknown) => e);
      expect(err).toMatchObject({ exitCode: 4, message: expect.stringContaining('downloading the Debian 6.1.0-56 kernel packages failed') });
      expect((err as { hint?: string }).hint).toMatch(/network/);
      const abi = path.join(empty, TEST_ABI);
      expect(existsSync(path.join(abi, 'debs'))).toBe(false);
      expect(existsSync(path.join(abi, 'debs.tmp'))).toBe(false);
      expect(existsSync(path.join(abi, 'debs.stamp'))).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.http_proxy;
      else process.env.http_proxy = saved;
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('cache lock', () => {
  it('serialises holders in one process and takes over a lock whose owner is dead', async () => {
    const { withLock } = await import('../../src/common/lock.js');
    const lockRoot = mkdtempSync(path.join(os.tmpdir(), 'cdm-lock-'));
    const lock = path.join(lockRoot, '.lock');
    try {
      const order: string[] = [];
      const hold = (name: string) => withLock(lock, () => {}, async () => {
        order.push(`${name}+`);
        await new Promise((r) => setTimeout(r, 50));
        order.push(`${name}-`);
      });
      await Promise.all([hold('a'), hold('b')]);
      expect(order).toEqual(['a+', 'a-', 'b+', 'b-']);
      // a crashed owner: pid of a process that has exited
      const child = execa('true');
      const deadPid = child.pid!;
      await child;
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), `${deadPid}\n`);
      const said: string[] = [];
      expect(await withLock(lock, (l) => said.push(l), async () => 'got it')).toBe('got it');
      expect(said.join('\n')).toMatch(new RegExp(`owner ${deadPid} is gone, taking over`));
      expect(existsSync(lock)).toBe(false);
    } finally {
      rmSync(lockRoot, { recursive: true, force: true });
    }
  });
});
