// Benchmark: diff-objects on the largest kernel objects we build (wall time, peak RSS).
// Usage: node bench/diff-objects.mjs [--smoke] [obj ...]   (after `npm run build`)
// Each measurement runs in a fresh node process so peak RSS is the differ's own.
import { copyFileSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { compileTargetObject, ensureTarget, TEST_ABI } from '../dist/target/index.js';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const objects = args.filter((a) => !a.startsWith('--'));
const list = objects.length ? objects : smoke ? ['fs/proc/cmdline.o', 'kernel/fork.o'] : ['fs/proc/cmdline.o', 'kernel/fork.o', 'mm/page_alloc.o', 'kernel/sched/core.o'];

const probe = `
  const { diffObjects } = await import(${JSON.stringify(new URL('../dist/diff/index.js', import.meta.url).href)});
  const t = performance.now();
  const d = await diffObjects(process.argv[1], process.argv[2]);
  const ms = performance.now() - t;
  console.log(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, verdict: d.verdict, functions: d.functions.length }));
`;

const target = await ensureTarget({ abi: TEST_ABI });
const dir = mkdtempSync(join(tmpdir(), 'cdm-bench-'));
const rows = [];
for (const obj of list) {
  const path = join(dir, obj.replaceAll('/', '_'));
  copyFileSync(await compileTargetObject(target, obj), path);
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const { stdout } = await execa('node', ['--input-type=module', '-e', probe, path, path]);
    runs.push(JSON.parse(stdout));
  }
  runs.sort((a, b) => a.ms - b.ms);
  const median = runs[1];
  rows.push({ object: obj, sizeMb: statSync(path).size / 1e6, ms: median.ms, maxRssMb: median.maxRssMb });
}
console.log('diff-objects (object against itself, median of 3; peak RSS of the whole node process)');
console.log('| object | size MB | wall ms | peak RSS MB |');
console.log('| --- | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.object} | ${r.sizeMb.toFixed(2)} | ${r.ms.toFixed(0)} | ${r.maxRssMb.toFixed(0)} |`);
