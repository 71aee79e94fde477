// The object differ's acceptance test: every scenario of testdata/diff, compiled for every
// architecture whose compiler is installed, through the built CLI as a user runs it
// (`create-diff-module diff-objects --json <orig.o> <patched.o>`), compared with the
// hand-written expected.json: verdict and exit code, the changed/new/removed functions and the
// problem kinds as sets of names without clone digits, and for each expected inlined caller at
// least the expected callees.
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import {
  ARCH_NAMES,
  DIFF_ARCHS,
  EXIT_CODE,
  PROBLEM_KINDS,
  VERDICTS,
  buildDiffCorpus,
  installedArchs,
  listScenarios,
  nameSet,
  normalizeName,
  pairKey,
  type CompiledPair,
  type Scenario,
} from '../helpers/diff-corpus.js';

const scenarios = listScenarios();
const installed = await installedArchs();
const installedNames = new Set(installed.map((a) => a.name));

let corpus = new Map<string, CompiledPair>();
beforeAll(async () => {
  corpus = await buildDiffCorpus({ archs: installed, scenarios, concurrency: 4 });
}, 600_000);

interface DiffJson {
  verdict?: unknown;
  changed?: unknown;
  new?: unknown;
  removed?: unknown;
  inlined?: unknown;
  problems?: unknown;
}

function names(v: unknown): string[] {
  return Array.isArray(v) ? nameSet(v.map(String)) : [`<not an array: ${JSON.stringify(v)}>`];
}

function problemKinds(v: unknown): string[] {
  if (!Array.isArray(v)) return [`<not an array: ${JSON.stringify(v)}>`];
  return [...new Set(v.map((p) => String((p as { kind?: unknown })?.kind)))].sort();
}

/** Expected inlined callers whose reported callees lack some of the expected ones. */
function missingInlined(expected: Scenario['expected']['inlined'], actual: unknown): Record<string, string[]> {
  const reported = new Map<string, Set<string>>();
  if (Array.isArray(actual)) {
    for (const entry of actual as Array<{ function?: unknown; callees?: unknown }>) {
      const fn = normalizeName(String(entry?.function));
      const set = reported.get(fn) ?? new Set<string>();
      if (Array.isArray(entry?.callees)) for (const c of entry.callees) set.add(normalizeName(String(c)));
      reported.set(fn, set);
    }
  }
  const missing: Record<string, string[]> = {};
  for (const { function: fn, callees } of expected) {
    const got = reported.get(normalizeName(fn)) ?? new Set<string>();
    const lacking = callees.filter((c) => !got.has(normalizeName(c)));
    if (lacking.length) missing[fn] = lacking;
  }
  return missing;
}

describe('the diff scenario corpus', () => {
  it('has at least 40 scenarios, each with a well-formed, self-consistent expected.json', () => {
    // listScenarios() already throws on a malformed or inconsistent expected.json.
    expect(scenarios.length).toBeGreaterThanOrEqual(40);
  });

  it('covers every verdict and every problem kind', () => {
    const verdicts = new Set(scenarios.map((s) => s.expected.verdict));
    expect([...verdicts].sort()).toEqual([...VERDICTS].sort());
    const kinds = new Set(scenarios.flatMap((s) => s.expected.problems));
    expect([...kinds].sort()).toEqual([...PROBLEM_KINDS].sort());
  });

  it('runs on x86_64, and in CI on at least two other architectures', () => {
    expect(installedNames.has('x86_64')).toBe(true);
    if (process.env.CI === 'true') expect(installed.length).toBeGreaterThanOrEqual(3);
    // Every scenario applies to x86_64, and most of them to the others too.
    expect(scenarios.filter((s) => !s.expected.archs.includes('x86_64')).map((s) => s.name)).toEqual([]);
    for (const arch of ARCH_NAMES.filter((a) => a !== 'x86_64')) {
      expect(scenarios.filter((s) => s.expected.archs.includes(arch)).length, arch).toBeGreaterThanOrEqual(40);
    }
  });

  it.for(DIFF_ARCHS.map((a) => a.name))('every scenario compiles for %s', (arch, { skip }) => {
    if (!installedNames.has(arch)) skip(`no ${arch} compiler installed`);
    const failures = [...corpus.values()].filter((p) => p.arch === arch && p.error).map((p) => `${p.scenario}: ${p.error}`);
    expect(failures).toEqual([]);
    expect([...corpus.values()].filter((p) => p.arch === arch).length).toBe(scenarios.filter((s) => s.expected.archs.includes(arch)).length);
  });
});

describe.for(DIFF_ARCHS.map((a) => [a.name, a] as const))('diff-objects on %s', ([, arch]) => {
  const cases = scenarios.filter((s) => s.expected.archs.includes(arch.name)).map((s) => [s.name, s] as const);
  it.skipIf(!installedNames.has(arch.name)).concurrent.for(cases)('%s', async ([, scenario], { expect }) => {
    const pair = corpus.get(pairKey(scenario.name, arch.name));
    if (!pair) throw new Error(`${scenario.name} was not compiled for ${arch.name}`);
    if (pair.error) throw new Error(`${scenario.name} does not compile for ${arch.name}:\n${pair.error}`);

    const r = await runCli(['diff-objects', '--json', pair.orig, pair.patched]);
    let report: DiffJson;
    try {
      report = JSON.parse(r.stdout) as DiffJson;
    } catch {
      throw new Error(`diff-objects printed no JSON (exit ${r.exitCode})\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 2000)}`);
    }

    const e = scenario.expected;
    const why = `${scenario.name} (${arch.name}): ${e.description}\n  expected because: ${e.reasoning}\n  stderr: ${r.stderr.slice(0, 1000)}`;
    expect({
      verdict: report.verdict,
      exitCode: r.exitCode,
      changed: names(report.changed),
      new: names(report.new),
      removed: names(report.removed),
      problems: problemKinds(report.problems),
    }, why).toEqual({
      verdict: e.verdict,
      exitCode: EXIT_CODE[e.verdict],
      changed: nameSet(e.changed),
      new: nameSet(e.new),
      removed: nameSet(e.removed),
      problems: [...new Set(e.problems)].sort(),
    });
    expect(missingInlined(e.inlined, report.inlined), `${why}\n  reported inlined: ${JSON.stringify(report.inlined)}`).toEqual({});
  });
});
