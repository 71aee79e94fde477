#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node
// Runs the bundled CLI (dist/bundle/create-diff-module.cjs, made by `npm run build`) through a
// V8 code cache. Loading dist/'s ~150 modules one by one costs Node ~0.2 s per command; the
// bundle ~50 ms, most of it compiling; with the cache (kept per command under the tool's cache
// directory, and checked by V8 against the source) ~20 ms, and the functions a command runs
// come compiled too. Node 22 does this itself (module.enableCompileCache); Node 20 has only
// vm.Script's cachedData.
//
// This file is CommonJS (bin/package.json says so, though the package is ESM): an ES module entry
// starts Node's ESM loader (a dozen internal modules, the module job, the top-level await) for
// nothing, a few ms of every start (interleaved runs; a first measurement of 30 ms was wrong).
//
// The shebang drops NODE_EXTRA_CA_CERTS: Node reads and parses that certificate file before any
// code runs (~50 ms on a 2-core VM whose environment sets it), and this tool opens no TLS
// connection (its downloads are apt-get's).
'use strict';
const { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { homedir } = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');

const bundle = path.join(__dirname, '..', 'dist', 'bundle', 'create-diff-module.cjs');
let source;
try {
  source = readFileSync(bundle, 'utf8');
} catch {
  // An incomplete installation is an environment failure (exit 4), like a missing tool.
  process.stderr.write(`create-diff-module: ${bundle} is missing\n  hint: run npm run build (or npm install) in ${path.dirname(path.dirname(path.dirname(bundle)))}\n`);
  process.exit(4);
}
const { size, mtimeMs } = statSync(bundle);
const command = /^[a-z][a-z-]*$/.test(process.argv[2] ?? '') ? process.argv[2] : 'other';
const cacheDir = path.join(process.env.CDM_CACHE_DIR || path.join(homedir(), '.cache', 'create-diff-module'), 'code-cache');
// Per installation: another checkout's bundle (a second install, bench/check.mjs --against) keeps
// its own cache instead of each run deleting the other's as out of date.
let place = 0x811c9dc5;
for (let i = 0; i < bundle.length; i++) place = Math.imul(place ^ bundle.charCodeAt(i), 0x01000193) >>> 0;
const installation = `${place.toString(16).padStart(8, '0')}-`;
const version = `${installation}${size}-${Math.round(mtimeMs)}-`;
const cacheFile = path.join(cacheDir, `${version}${command}.bin`);
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
// --debug's stack traces name the TypeScript sources (the bundle's source map); off otherwise,
// as it slows every start.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
// The bundle is CommonJS; import.meta.url is given to it as __cdm_url (esbuild --define).
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __cdm_url) {${source}\n})`, { filename: bundle, cachedData });
const bundled = { exports: {} };
script.runInThisContext()(bundled.exports, createRequire(bundle), bundled, bundle, path.dirname(bundle), pathToFileURL(bundle).href);

// A reader that goes away (`| head`) is not an error of ours.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

bundled.exports.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  writeCodeCache();
  // Left to itself, Node would now dispose of the heap and wait for V8's background compiles
  // still running: ~10 ms before the shell sees the exit (medians of 8, kernel/fork.c's check).
  // Exiting at once is only safe once all output is out: a write to a pipe that was full (a
  // slow reader, a report over 64 KiB) is still queued, and exit would cut the report short.
  if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(code);
});

// Written after the command ran, so the cache holds the functions it compiled on the way.
function writeCodeCache() {
  if (cachedData === undefined || script.cachedDataRejected) {
    try {
      mkdirSync(cacheDir, { recursive: true });
      // Older caches of this installation go; so do those of the naming before installations had a
      // prefix (they begin with the bundle's size, not eight hex digits and a dash), and another
      // installation's not read for 30 days (a checkout since removed; relatime keeps atime daily).
      const unused = Date.now() - 30 * 24 * 3600 * 1000;
      for (const old of readdirSync(cacheDir)) {
        if (old.startsWith(version)) continue;
        const file = path.join(cacheDir, old);
        const ours = old.startsWith(installation) || !/^[0-9a-f]{8}-/.test(old);
        const seen = ours ? undefined : statSync(file, { throwIfNoEntry: false });
        if (ours || (seen && Math.max(seen.atimeMs, seen.mtimeMs) < unused)) rmSync(file, { force: true });
      }
      const tmp = `${cacheFile}.tmp-${process.pid}`;
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cacheFile);
    } catch {
      // A cache directory that cannot be written only costs speed.
    }
  }
}
