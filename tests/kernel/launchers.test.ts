// Compiler launchers through kbuild (--cc): a distccd of the test's own, on the loopback
// address only, compiles the affected TUs of a real fix (its log says so); the verdict and the
// changed functions equal a local compile's; the tree's .config, and the mirror's, stay
// byte-identical (distcc would rename gcc-12 in `--version` and make kbuild re-sync the
// config without DISTCC_NO_REWRITE_CROSS=1). ccache works the same way. Refusals: an unknown
// launcher, and a change reaching more TUs than --max-tus.
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTarget, TEST_ABI, type KernelTarget } from '../../src/target/index.js';
import { mirrorPaths } from '../../src/tree/mirror.js';
import { runCli } from '../helpers/cli.js';

const DATA = new URL('../../testdata/kernel/', import.meta.url).pathname;
const PATCH = join(DATA, 'diff', 'proc-cmdline-string.patch');
let target: KernelTarget;
let daemon: ResultPromise | undefined;
let port = 0;
let logFile = '';

const freePort = () => new Promise<number>((resolve, reject) => {
  const srv = createServer();
  srv.listen(0, '127.0.0.1', () => {
    const addr = srv.address();
    srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
  });
});
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

/** The CLI with extra environment (the launcher's own variables pass through to it). */
async function withEnv(env: Record<string, string>, args: string[]) {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await runCli(args);
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

beforeAll(async () => {
  target = await ensureTarget({ abi: TEST_ABI });
  port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cdm-distccd-'));
  chmodSync(dir, 0o777);
  logFile = join(dir, 'distccd.log');
  writeFileSync(logFile, '');
  chmodSync(logFile, 0o666); // distccd drops root privileges before it writes its log
  daemon = execa('distccd', ['--daemon', '--no-detach', '--listen', '127.0.0.1', '--allow', '127.0.0.1', '--port', String(port),
    '--log-file', logFile, '--log-level', 'info', '--jobs', '2', '--enable-tcp-insecure'], { stdin: 'ignore', reject: false });
  // Ready when it accepts connections.
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.end(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
});

afterAll(async () => {
  daemon?.kill('SIGTERM');
  await daemon;
});

describe('compiler launchers (--cc)', () => {
  it('compiles the affected TUs on a distccd and gives the local verdict; no .config is rewritten', async () => {
    const config = join(target.sourceDir, '.config');
    const before = sha(config);
    const env = { DISTCC_HOSTS: `127.0.0.1:${port}/2`, DISTCC_FALLBACK: '0', DISTCC_SKIP_LOCAL_RETRY: '1' };
    const remote = await withEnv(env, ['check', '--json', '--no-object-cache', '--cc', 'distcc gcc-12', '--src', target.sourceDir, PATCH]);
    expect(remote.exitCode, remote.stderr).toBe(0);
    const log = readFileSync(logFile, 'utf8');
    // The patched build of the TU went through the daemon (the original too, unless make found
    // it up to date from an earlier run through the same launcher)...
    expect(log).toMatch(/COMPILE_OK .* gcc-12 fs\/proc\/cmdline\.c/);
    // ...and kbuild recorded the launcher as the command for the original object.
    const mirror = (await mirrorPaths(target.sourceDir)).orig;
    expect(readFileSync(join(mirror, 'fs/proc/.cmdline.o.cmd'), 'utf8')).toMatch(/^cmd_fs\/proc\/cmdline\.o := distcc gcc-12 /m);
    const local = await runCli(['check', '--json', '--no-object-cache', '--src', target.sourceDir, PATCH]);
    expect(local.exitCode, local.stderr).toBe(0);
    const [r, l] = [JSON.parse(remote.stdout), JSON.parse(local.stdout)];
    expect([r.verdict, r.changed, r.new]).toEqual([l.verdict, l.changed, l.new]);
    expect(sha(config)).toBe(before);
    // The mirror's copy was not re-synced either.
    expect(sha(join(mirror, '.config'))).toBe(before);
    // A TU of a loadable module (loop, =m) goes the same way.
    const module = await withEnv(env, ['check', '--json', '--cc', 'distcc gcc-12', '--src', target.sourceDir, join(DATA, 'check', 'loop-module-offset.patch')]);
    expect(module.exitCode, module.stderr).toBe(0);
    expect(JSON.parse(module.stdout).tus[0].object).toBe('loop');
    expect(readFileSync(logFile, 'utf8')).toMatch(/COMPILE_OK .* gcc-12 drivers\/block\/loop\.c/);
  });

  it('runs through ccache', async () => {
    const ccacheDir = mkdtempSync(join(tmpdir(), 'cdm-ccache-'));
    const args = ['check', '--json', '--no-object-cache', '--cc', 'ccache gcc-12', '--src', target.sourceDir, PATCH];
    const first = await withEnv({ CCACHE_DIR: ccacheDir }, args);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).changed).toEqual(['cmdline_proc_show']);
    const stats = await execa('ccache', ['-s', '-v'], { env: { CCACHE_DIR: ccacheDir } });
    expect(stats.stdout).toMatch(/(Cache size|Files)/);
    expect(stats.stdout).not.toMatch(/Files:\s+0\b/);
  });

  it('refuses an unknown launcher (exit 2) and a change past --max-tus, with the count (exit 2)', async () => {
    const bad = await runCli(['check', '--cc', 'frobnicate gcc-12', '--src', target.sourceDir, PATCH]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/frobnicate is not a known compiler launcher/);
    const many = await runCli(['check', '--max-tus', '3', '--src', target.sourceDir, join(DATA, 'check', 'proc-internal-header.patch')]);
    expect(many.exitCode).toBe(2);
    expect(many.stderr).toMatch(/reaches \d+ translation units .* more than --max-tus 3/);
  });
});
