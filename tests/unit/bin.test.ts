// bin/create-diff-module.js: the bundled CLI run through a V8 code cache kept per command.
// Needs the bundle (`npm run build`, which `npm test` runs first).
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const BIN = new URL('../../bin/create-diff-module.js', import.meta.url).pathname;
const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function run(args: string[], cacheDir: string, bin = BIN) {
  return execa('node', [bin, ...args], { reject: false, stdin: 'ignore', env: { CDM_CACHE_DIR: cacheDir } });
}

describe('the CLI entry point', () => {
  it('keeps one code cache per command, and the cached runs answer the same', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'cdm-code-cache-'));
    const first = await run(['inspect', '--help'], cache);
    expect(first.exitCode).toBe(0);
    const files = readdirSync(join(cache, 'code-cache'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{8}-\d+-\d+-inspect\.bin$/);
    const written = statSync(join(cache, 'code-cache', files[0]!)).mtimeMs;
    const second = await run(['inspect', '--help'], cache);
    expect(second.stdout).toBe(first.stdout);
    // Accepted, not rewritten: V8 keys the cache by its flags, and nothing leaves one changed
    // (src/common/heap.ts sets --expose-gc only for a moment).
    expect(statSync(join(cache, 'code-cache', files[0]!)).mtimeMs).toBe(written);
    expect((await run(['--version'], cache)).stdout.trim()).toBe(version);
    expect(readdirSync(join(cache, 'code-cache')).sort()).toEqual([files[0], files[0]!.replace(/inspect\.bin$/, 'other.bin')].sort());
  });

  it('a damaged cache is rejected by V8, the command still runs, and the cache is written anew', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'cdm-code-cache-'));
    await run(['--version'], cache);
    const [file] = readdirSync(join(cache, 'code-cache'));
    writeFileSync(join(cache, 'code-cache', file!), 'not a code cache');
    const r = await run(['--version'], cache);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe(version);
    expect(readFileSync(join(cache, 'code-cache', file!)).length).toBeGreaterThan(1000);
  });

  it('two installations sharing a cache directory keep their own caches; one without the installation prefix is replaced', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'cdm-code-cache-'));
    mkdirSync(join(cache, 'code-cache'));
    writeFileSync(join(cache, 'code-cache', '862112-1795460788941-other.bin'), 'named before installations had a prefix');
    // A removed checkout's cache, not read for 40 days, goes when a cache is next written.
    const gone = join(cache, 'code-cache', '0badcafe-862112-1795460788941-check.bin');
    writeFileSync(gone, 'an installation since removed');
    const longAgo = new Date(Date.now() - 40 * 24 * 3600 * 1000);
    utimesSync(gone, longAgo, longAgo);
    const other = mkdtempSync(join(tmpdir(), 'cdm-install-'));
    for (const dir of ['bin', 'dist/bundle']) mkdirSync(join(other, dir), { recursive: true });
    copyFileSync(BIN, join(other, 'bin', 'create-diff-module.js'));
    copyFileSync(join(dirname(BIN), 'package.json'), join(other, 'bin', 'package.json')); // the bin is CommonJS
    copyFileSync(new URL('../../dist/bundle/create-diff-module.cjs', import.meta.url), join(other, 'dist', 'bundle', 'create-diff-module.cjs'));
    copyFileSync(new URL('../../package.json', import.meta.url), join(other, 'package.json'));
    const otherBin = join(other, 'bin', 'create-diff-module.js');
    expect((await run(['--version'], cache)).stdout.trim()).toBe(version);
    expect(readdirSync(join(cache, 'code-cache'))).toHaveLength(1); // the old-named and the unused one are gone
    const [ours] = readdirSync(join(cache, 'code-cache'));
    expect(ours).toMatch(/^[0-9a-f]{8}-\d+-\d+-other\.bin$/);
    expect((await run(['--version'], cache, otherBin)).stdout.trim()).toBe(version);
    const both = readdirSync(join(cache, 'code-cache'));
    expect(both).toHaveLength(2);
    expect(both).toContain(ours);
    // Each is used again as it is, not rewritten after the other's run deleted it.
    const written = statSync(join(cache, 'code-cache', ours!)).mtimeMs;
    expect((await run(['--version'], cache)).stdout.trim()).toBe(version);
    expect(statSync(join(cache, 'code-cache', ours!)).mtimeMs).toBe(written);
  });

  it('an unwritable cache directory only costs speed', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'cdm-code-cache-'));
    writeFileSync(join(parent, 'code-cache'), 'a file where the directory would go');
    const r = await run(['--version'], parent);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it('run as a program, Node does not load NODE_EXTRA_CA_CERTS (the tool makes no TLS connection)', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'cdm-code-cache-'));
    const env = { CDM_CACHE_DIR: cache, NODE_EXTRA_CA_CERTS: join(cache, 'no-such-bundle.pem') };
    // Through `node`, the file is loaded before any code runs (and its absence is warned about) …
    const viaNode = await execa('node', [BIN, '--version'], { reject: false, stdin: 'ignore', env });
    expect(viaNode.stderr).toContain('no-such-bundle.pem');
    // … the shebang's `env -u` leaves it out.
    const direct = await execa(BIN, ['--version'], { reject: false, stdin: 'ignore', env });
    expect(direct.exitCode).toBe(0);
    expect(direct.stdout.trim()).toBe(version);
    expect(direct.stderr).toBe('');
  });

  it('a report larger than a pipe holds reaches a slow reader whole, with the exit code', async () => {
    // The bin exits without Node's teardown only when nothing is left to write: a pipe that
    // filled up (64 KiB) leaves the rest of the report queued, and exiting then cuts it short.
    const dir = mkdtempSync(join(tmpdir(), 'cdm-big-report-'));
    const source = Array.from({ length: 400 }, (_, i) => `int counter_${i};\nint bump_${i}(int x) { counter_${i} += x; return counter_${i} * ${i + 1}; }\n`).join('');
    writeFileSync(join(dir, 'many.c'), source);
    await execa('gcc', ['-O2', '-c', '-ffunction-sections', '-fdata-sections', '-o', join(dir, 'many.o'), join(dir, 'many.c')]);
    const child = spawn(process.execPath, [BIN, 'inspect', '--json', join(dir, 'many.o')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CDM_CACHE_DIR: dir } });
    child.stderr.resume();
    child.stdout.pause(); // nothing read until the CLI has written what the pipe holds and more
    await new Promise((r) => setTimeout(r, 1500));
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stdout.resume();
    const stuck = setTimeout(() => child.kill('SIGKILL'), 20_000); // a lost report can also hang the reader
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(stuck);
    const out = Buffer.concat(chunks).toString();
    expect(code).toBe(0);
    expect(out.length).toBeGreaterThan(256 * 1024);
    const report = JSON.parse(out) as { symbols: Array<{ name: string }> };
    expect(report.symbols.filter((s) => /^bump_\d+$/.test(s.name))).toHaveLength(400);
  });

  it('without the bundle (not built): exit 4 and what to run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cdm-unbuilt-'));
    mkdirSync(join(root, 'bin'));
    copyFileSync(BIN, join(root, 'bin', 'create-diff-module.js'));
    const r = await run(['--version'], root, join(root, 'bin', 'create-diff-module.js'));
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain('dist/bundle/create-diff-module.cjs is missing');
    expect(r.stderr).toContain('npm run build');
  });
});
