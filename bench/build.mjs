// Benchmark: `build` wall time from diff to .ko for a one-file patch on the prepared Debian
// tree, cold (the tree's mirrors and the object cache removed first; skipped with --smoke) and
// warm, split into compile (slower side), diff, run-pre verification, link and module build.
// Usage: node bench/build.mjs [--smoke]   (after `npm run build`)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ensureTarget, targetKallsyms, targetVmlinux, TEST_ABI } from '../dist/target/index.js';
import { cacheRoot, mirrorPaths } from '../dist/tree/mirror.js';

const smoke = process.argv.includes('--smoke');
const CLI = new URL('../bin/create-diff-module.js', import.meta.url).pathname;
const PATCH = new URL('../testdata/kernel/diff/proc-cmdline-string.patch', import.meta.url).pathname;
const target = await ensureTarget({ abi: TEST_ABI });
const kallsyms = await targetKallsyms(target, { kaslr: true });
const vmlinux = await targetVmlinux(target);
const out = mkdtempSync(join(tmpdir(), 'cdm-bench-build-'));

async function build() {
  const t = performance.now();
  const r = await execa(CLI, ['build', '--json', '--src', target.sourceDir, '--kallsyms', kallsyms, '--vmlinux', vmlinux, '--headers', target.headersDir,
    '--name', 'cdm_bench', '-o', join(out, 'cdm_bench.ko'), PATCH], { reject: false, stdin: 'ignore' });
  const wall = performance.now() - t;
  if (r.exitCode !== 0) throw new Error(`build failed: ${r.stderr}`);
  const j = JSON.parse(r.stdout);
  const tu = j.tus[0];
  return { wall, compile: Math.max(tu.timings.compileOrigMs ?? 0, tu.timings.compilePatchedMs ?? 0), by: `${tu.compiledBy.original}/${tu.compiledBy.patched}`, diff: tu.timings.diffMs, ...j.build_timings };
}

const rows = [];
if (!smoke) {
  rmSync((await mirrorPaths(target.sourceDir)).root, { recursive: true, force: true });
  rmSync(join(cacheRoot(), 'objects'), { recursive: true, force: true });
  rows.push({ what: 'cold fs/proc/cmdline.c', ...(await build()) });
}
await build();
rows.push({ what: 'warm fs/proc/cmdline.c', ...(await build()) });
const f = (v) => (v === undefined ? '' : Math.round(v));
console.log('build, diff to .ko (2 cores)');
console.log('| run | wall ms | compile ms | made by | diff ms | run-pre ms | link ms | module ms | rest ms |');
console.log('| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.what} | ${f(r.wall)} | ${f(r.compile)} | ${r.by} | ${f(r.diff)} | ${f(r.verifyMs)} | ${f(r.linkMs)} | ${f(r.moduleMs)} | ${f(r.wall - r.compile - r.diff - r.verifyMs - r.linkMs - r.moduleMs)} |`);
rmSync(out, { recursive: true, force: true });
