// Benchmark: `lint` time per patch over testdata/lint/*.patch against the real Debian 6.1 tree.
// Usage: node bench/lint.mjs [--runs N] [--json] [name ...]   (after `npm run build`)
// Reports, per patch, the first (cold: parser and code warming up in this process) and the
// median of N warm runs, in one node process as a CI job would run lint on one patch series.
// The include-graph index for header TU counts is built (or read from its cache) before timing
// and reported separately; it is built once per tree and cached on disk.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTarget, TEST_ABI } from '../dist/target/index.js';
import { includeGraph, lintPatchFiles } from '../dist/source/index.js';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
const asJson = args.includes('--json');
const names = args.filter((a, i) => !a.startsWith('--') && i !== runsAt + 1);
const DIR = new URL('../testdata/lint/', import.meta.url).pathname;
const all = readdirSync(DIR).filter((f) => f.endsWith('.patch')).map((f) => f.replace(/\.patch$/, '')).sort();
const list = names.length ? names : all;

const { sourceDir: src } = await ensureTarget({ abi: TEST_ABI });
let t = performance.now();
await includeGraph(src);
const indexMs = performance.now() - t;

const rows = [];
const wholeStart = performance.now();
for (const name of list) {
  const patch = join(DIR, `${name}.patch`);
  t = performance.now();
  const first = await lintPatchFiles([patch], { src });
  const cold = performance.now() - t;
  const times = [];
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    await lintPatchFiles([patch], { src });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  rows.push({ name, verdict: first.verdict, findings: first.findings.length, coldMs: cold, medianMs: times[Math.floor(times.length / 2)], maxMs: times.at(-1) });
}
const wholeMs = performance.now() - wholeStart;
const medians = rows.map((r) => r.medianMs).sort((a, b) => a - b);
const summary = {
  patches: rows.length,
  runsPerPatch: runs,
  includeIndexMs: Math.round(indexMs),
  medianOfMediansMs: +medians[Math.floor(medians.length / 2)].toFixed(1),
  p90Ms: +medians[Math.floor(medians.length * 0.9)].toFixed(1),
  maxMedianMs: +medians.at(-1).toFixed(1),
  under200ms: rows.filter((r) => r.medianMs < 200).length,
  wholeCorpusMs: Math.round(wholeMs),
};
if (asJson) {
  console.log(JSON.stringify({ rows, summary }, null, 2));
} else {
  console.log(`${'patch'.padEnd(30)} ${'verdict'.padEnd(14)} findings  cold ms  median ms  max ms`);
  for (const r of rows) {
    console.log(`${r.name.padEnd(30)} ${r.verdict.padEnd(14)} ${String(r.findings).padStart(8)} ${r.coldMs.toFixed(1).padStart(8)} ${r.medianMs.toFixed(1).padStart(10)} ${r.maxMs.toFixed(1).padStart(7)}`);
  }
  console.log(`\n${summary.patches} patches, ${runs} warm runs each; include index ${summary.includeIndexMs} ms (cached per tree)`);
  console.log(`median ${summary.medianOfMediansMs} ms, p90 ${summary.p90Ms} ms, max ${summary.maxMedianMs} ms per patch; ${summary.under200ms}/${summary.patches} under 200 ms; whole corpus (cold + ${runs} warm each) ${summary.wholeCorpusMs} ms`);
}
