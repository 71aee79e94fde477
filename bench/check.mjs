// Benchmark: `check` wall time for one-file patches on the prepared Debian tree, warm (mirrors
// and original objects cached) and, unless --smoke, cold (mirrors removed first), split into
// make's own overhead, the compiler, objtool and the tool's own time, which the CLI's trace
// (CDM_TRACE=1) splits into before the first compiler starts and after the last one ends.
// The CLI runs as a user runs it: the bin as a program (its shebang decides how Node starts).
// Usage: node bench/check.mjs [--smoke] [--against <checkout>]   (after `npm run build`)
// --against: the warm rows again for another built checkout's CLI (a branch, an earlier commit:
// `git worktree add`, then npm run build there), its runs interleaved with this one's. Changes
// worth 10-20 ms are below what separate bench runs on this VM can tell apart.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { ensureTarget, TEST_ABI } from '../dist/target/index.js';
import { mirrorPaths } from '../dist/tree/mirror.js';
import { readRecordedCommand } from '../dist/tree/recorded-command.js';

const smoke = process.argv.includes('--smoke');
const CLI = new URL('../bin/create-diff-module.js', import.meta.url).pathname;
const againstAt = process.argv.indexOf('--against');
const AGAINST = againstAt > 0 ? join(process.argv[againstAt + 1] ?? '.', 'bin/create-diff-module.js') : undefined;
const DATA = new URL('../testdata/kernel/diff/', import.meta.url).pathname;
const cases = [['fs/proc/cmdline.o', 'proc-cmdline-string.patch'], ['kernel/fork.o', 'fork-inline-free-signal.patch']];

const target = await ensureTarget({ abi: TEST_ABI });
const paths = await mirrorPaths(target.sourceDir);

/** Time kbuild's recorded gcc and objtool commands for `unit` in the original mirror. */
async function recordedSplit(unit) {
  const dir = unit.split('/').slice(0, -1).join('/');
  const name = unit.split('/').pop();
  const out = {};
  for (const argv of (await readRecordedCommand(paths.orig, unit))?.steps ?? []) {
    const what = /objtool/.test(argv[0]) ? 'objtoolMs' : 'compilerMs';
    const t = performance.now();
    await execa(argv[0], argv.slice(1), { cwd: paths.orig, stdin: 'ignore' });
    out[what] = (out[what] ?? 0) + performance.now() - t;
  }
  // gcc's -MMD output is fixdep's input; left in the mirror, nothing would consume it.
  rmSync(join(paths.orig, dir, `.${name}.d`), { force: true });
  return out;
}

/** From the trace: when the first compile (make or kbuild's recorded gcc) started and the last compile step ended. */
function compileWindow(stderr) {
  const compileStep = /^\[trace\]\s+(\d+) ms  run (make CC=|gcc\S* -Wp,-MMD|\.\/tools\/objtool\/objtool)/;
  let first;
  let last;
  for (const line of stderr.split('\n')) {
    const m = compileStep.exec(line);
    if (!m) continue;
    const at = Number(m[1]);
    if (line.endsWith('…')) first ??= at;
    else last = at;
  }
  return { first, last };
}

async function check(patch, cli = CLI) {
  const t = performance.now();
  const r = await execa(cli, ['check', '--json', '--src', target.sourceDir, join(DATA, patch)], { reject: false, stdin: 'ignore', env: { CDM_TRACE: '1' } });
  const wall = performance.now() - t;
  const { first, last } = compileWindow(r.stderr);
  const report = JSON.parse(r.stdout);
  const tu = report.tus[0];
  const by = tu.compiledBy ? `${tu.compiledBy.original}/${tu.compiledBy.patched}` : '';
  return { wall, verdict: report.verdict, by, compile: Math.max(tu.timings.compileOrigMs ?? 0, tu.timings.compilePatchedMs ?? 0), diff: tu.timings.diffMs ?? 0, mirror: report.timings.mirrorMs, before: first, after: last === undefined ? undefined : wall - last };
}

const rows = [];
if (!smoke) {
  rmSync(paths.root, { recursive: true, force: true });
  rmSync(join(paths.root, '..', '..', 'objects'), { recursive: true, force: true });
  const cold = await check(cases[0][1]);
  rows.push({ what: `cold ${cases[0][0]}`, ...cold });
}
// Warm runs vary by ±15 % on a 2-core VM (when V8's background compiles finish, the other
// process's work): each warm row is the median of several runs, gcc alone measured between them.
const runs = smoke ? 3 : 7;
const median = (xs) => {
  const v = xs.filter((x) => x !== undefined).sort((a, b) => a - b);
  return v.length ? (v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2) : undefined;
};
const row = (what, samples) => {
  const r = { what, by: samples[0].by, verdict: samples[0].verdict };
  for (const k of ['wall', 'compile', 'diff', 'mirror', 'before', 'after', 'compilerMs', 'objtoolMs']) r[k] = median(samples.map((x) => x[k]));
  r.own = median(samples.map((x) => x.wall - x.compile - x.mirror));
  return r;
};
for (const [unit, patch] of cases) {
  await check(patch); // make sure everything is cached
  const samples = [];
  const other = [];
  for (let i = 0; i < runs; i++) {
    const gcc = await recordedSplit(unit);
    samples.push({ ...(await check(patch)), ...gcc });
    if (AGAINST) other.push({ ...(await check(patch, AGAINST)), ...gcc });
  }
  rows.push(row(`warm ${unit} (median of ${runs})`, samples));
  if (AGAINST) rows.push(row(`warm ${unit}, ${process.argv[againstAt + 1]} (median of ${runs}, interleaved)`, other));
}
console.log('check (2 cores; compile = slower of the two sides; gcc/objtool = kbuild\'s recorded commands run alone; original/patched made by make, cache or recorded-command)');
console.log('tool own = wall - compile - mirrors (compile: as check ran it, gcc and objtool started by the tool, the tool\'s own work on the other core); own/compile is the issue\'s measure, own/gcc against gcc run alone; before = process start to the first compiler, after = last compile step to exit (both include Node\'s start or exit)');
console.log('| run | wall ms | mirrors ms | compile ms | original/patched by | gcc ms | objtool ms | diff ms | tool own ms | before ms | after ms | own/compile | own/gcc | after/gcc | verdict |');
console.log('| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const r of rows) {
  const own = r.own ?? r.wall - r.compile - r.mirror;
  const f = (v) => (v === undefined ? '' : Math.round(v));
  const pct = (a, b) => (a === undefined || !b ? '' : `${Math.round((100 * a) / b)} %`);
  console.log(`| ${r.what} | ${f(r.wall)} | ${f(r.mirror)} | ${f(r.compile)} | ${r.by} | ${f(r.compilerMs)} | ${f(r.objtoolMs)} | ${f(r.diff)} | ${f(own)} | ${f(r.before)} | ${f(r.after)} | ${pct(own, r.compile)} | ${pct(own, r.compilerMs)} | ${pct(r.after, r.compilerMs)} | ${r.verdict} |`);
}
