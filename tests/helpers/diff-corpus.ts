// The object differ's scenario corpus: testdata/diff/<scenario>/{orig,patched}.c, each with a
// hand-written expected.json, compiled at test time for every architecture whose cross
// compiler is installed, with kernel-like flags. Nothing binary is checked in.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export const DIFF_TESTDATA = new URL('../../testdata/diff/', import.meta.url).pathname;

export const ARCH_NAMES = ['x86_64', 'aarch64', 'ppc64le', 's390x'] as const;
export type ArchName = (typeof ARCH_NAMES)[number];

export interface DiffArch {
  name: ArchName;
  /** Tool prefix for gcc ('' for the native x86_64 compiler). */
  prefix: string;
  flags: string[];
}

// What every kbuild compile has in common, plus what the differ depends on.
const common = ['-O2', '-c', '-ffunction-sections', '-fdata-sections', '-g', '-fno-strict-aliasing', '-Wall', '-Werror'];

// Each arch with its own entry hook, as kbuild configures it for a livepatch-capable kernel, and
// the CC_USING_* define kbuild passes (kernel.h picks `notrace` by it). aarch64 and ppc64le get
// -fno-pie like the kernel (Debian's gcc defaults to PIE); s390x keeps the default, as the s390
// kernel and its modules are position independent.
export const DIFF_ARCHS: DiffArch[] = [
  {
    name: 'x86_64',
    prefix: '',
    flags: [...common, '-pg', '-mfentry', '-mrecord-mcount', '-fno-pic', '-mcmodel=kernel', '-mno-red-zone', '-DCC_USING_FENTRY'],
  },
  {
    name: 'aarch64',
    prefix: 'aarch64-linux-gnu-',
    flags: [...common, '-fpatchable-function-entry=2', '-fno-pie', '-DCC_USING_PATCHABLE_FUNCTION_ENTRY'],
  },
  {
    name: 'ppc64le',
    prefix: 'powerpc64le-linux-gnu-',
    flags: [...common, '-pg', '-mprofile-kernel', '-fno-pie', '-DCC_USING_MPROFILE_KERNEL'],
  },
  {
    name: 's390x',
    prefix: 's390x-linux-gnu-',
    flags: [...common, '-pg', '-mfentry', '-mrecord-mcount', '-mnop-mcount', '-DCC_USING_FENTRY'],
  },
];

export const VERDICTS = ['patchable', 'not-patchable', 'no-change'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** The problem kinds the differ emits (src/diff/types.ts). */
export const PROBLEM_KINDS = [
  'changed-data',
  'changed-bss-size',
  'changed-init',
  'changed-rodata-shared',
  'unknown-section',
  'new-export',
  'not-traceable',
  'removed-static-local',
] as const;
/** Reported for review; does not make a patch not-patchable on its own. */
export const NON_BLOCKING_KINDS: ReadonlySet<string> = new Set(['removed-static-local']);

/** Exit codes of diff-objects for each verdict (the foundation's table). */
export const EXIT_CODE: Record<Verdict, number> = { patchable: 0, 'not-patchable': 1, 'no-change': 3 };

export interface Expected {
  description: string;
  reasoning: string;
  verdict: Verdict;
  changed: string[];
  new: string[];
  removed: string[];
  inlined: Array<{ function: string; callees: string[] }>;
  problems: string[];
  archs: ArchName[];
}

export interface Scenario {
  name: string;
  dir: string;
  expected: Expected;
}

/** `foo.isra.3` -> `foo.isra`, `count.12` -> `count`, `foo.cold` stays: names compare without clone digits. */
export function normalizeName(name: string): string {
  return name.replace(/\.\d+(?=\.|$)/g, '');
}

/** Sorted set of normalised names. */
export function nameSet(names: Iterable<string>): string[] {
  return [...new Set([...names].map(normalizeName))].sort();
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** Checks one expected.json against the corpus format; returns the reasons it is malformed. */
export function expectedErrors(raw: unknown): string[] {
  const errors: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return ['not a JSON object'];
  const e = raw as Record<string, unknown>;
  const keys = ['description', 'reasoning', 'verdict', 'changed', 'new', 'removed', 'inlined', 'problems', 'archs'];
  for (const k of Object.keys(e)) if (!keys.includes(k)) errors.push(`unknown key "${k}"`);
  for (const k of keys) if (!(k in e)) errors.push(`missing key "${k}"`);
  for (const k of ['description', 'reasoning']) if (typeof e[k] !== 'string' || !(e[k] as string).trim()) errors.push(`${k} must be a non-empty string`);
  if (!VERDICTS.includes(e.verdict as Verdict)) errors.push(`verdict must be one of ${VERDICTS.join(', ')}`);
  for (const k of ['changed', 'new', 'removed', 'problems', 'archs']) if (!isStringArray(e[k])) errors.push(`${k} must be an array of strings`);
  if (isStringArray(e.problems)) {
    for (const p of e.problems) if (!(PROBLEM_KINDS as readonly string[]).includes(p)) errors.push(`unknown problem kind "${p}"`);
  }
  if (isStringArray(e.archs)) {
    if (e.archs.length === 0) errors.push('archs is empty');
    for (const a of e.archs) if (!(ARCH_NAMES as readonly string[]).includes(a)) errors.push(`unknown arch "${a}"`);
  }
  if (!Array.isArray(e.inlined)) errors.push('inlined must be an array');
  else {
    for (const entry of e.inlined) {
      const i = entry as Record<string, unknown>;
      if (typeof i?.function !== 'string' || !isStringArray(i.callees) || i.callees.length === 0) {
        errors.push(`inlined entry ${JSON.stringify(entry)} must be {"function": name, "callees": [names]}`);
      }
    }
  }
  if (errors.length) return errors;

  // Consistency of the expectation itself.
  const x = raw as Expected;
  const blocking = x.problems.filter((p) => !NON_BLOCKING_KINDS.has(p));
  if (x.verdict === 'no-change' && (x.changed.length || x.new.length || x.removed.length || x.problems.length)) {
    errors.push('a no-change verdict lists no functions and no problems');
  }
  if (x.verdict === 'not-patchable' && blocking.length === 0) errors.push('a not-patchable verdict needs a blocking problem');
  if (x.verdict === 'patchable' && blocking.length) errors.push(`a patchable verdict cannot have blocking problems (${blocking.join(', ')})`);
  if (x.verdict === 'patchable' && !x.changed.length && !x.new.length) errors.push('a patchable verdict replaces or adds something');
  const changed = new Set(nameSet(x.changed));
  for (const i of x.inlined) if (!changed.has(normalizeName(i.function))) errors.push(`inlined function ${i.function} is not in changed`);
  for (const list of ['changed', 'new', 'removed'] as const) {
    for (const n of x[list]) if (/\.cold(\.|$)/.test(n)) errors.push(`${list} lists the .cold fragment ${n}: fragments are never patch targets`);
  }
  return errors;
}

/** Every scenario directory with its parsed expected.json (synchronous: test names need it at collection). */
export function listScenarios(): Scenario[] {
  return readdirSync(DIFF_TESTDATA)
    .filter((d) => d !== 'include' && statSync(join(DIFF_TESTDATA, d)).isDirectory())
    .sort()
    .map((name) => {
      const dir = join(DIFF_TESTDATA, name);
      const file = join(dir, 'expected.json');
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new Error(`${file}: ${(err as Error).message}`);
      }
      const errors = expectedErrors(raw);
      if (errors.length) throw new Error(`${file}: ${errors.join('; ')}`);
      for (const src of ['orig.c', 'patched.c']) {
        if (!existsSync(join(dir, src))) throw new Error(`${dir}: missing ${src}`);
      }
      return { name, dir, expected: raw as Expected };
    });
}

export async function haveCompiler(prefix: string): Promise<boolean> {
  const r = await execa(`${prefix}gcc`, ['--version'], { reject: false });
  return r.exitCode === 0;
}

/** The architectures whose compiler is installed here. */
export async function installedArchs(): Promise<DiffArch[]> {
  const present = await Promise.all(DIFF_ARCHS.map((a) => haveCompiler(a.prefix)));
  return DIFF_ARCHS.filter((_, i) => present[i]);
}

/**
 * gcc's arguments for one side of one scenario. Both sides see the same file name (the one a
 * kernel build would give the file): __FILE__ (might_sleep, WARN, pr_debug) and the DWARF
 * name are mapped from `<dir>/orig.c` or `<dir>/patched.c` to `<scenario>.c`.
 */
export function compileArgs(arch: DiffArch, scenario: Scenario, side: 'orig' | 'patched', output: string): string[] {
  const source = join(scenario.dir, `${side}.c`);
  return [...arch.flags, `-ffile-prefix-map=${source}=${scenario.name}.c`, source, '-o', output];
}

export interface CompiledPair {
  scenario: string;
  arch: ArchName;
  orig: string;
  patched: string;
  /** The compiler's message when either side failed to compile. */
  error?: string;
}

/** Runs fn over items, at most `limit` at a time. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

export function pairKey(scenario: string, arch: ArchName): string {
  return `${scenario}/${arch}`;
}

/**
 * Compiles each scenario for each of the given archs it applies to (expected.archs), into a
 * fresh temporary directory, `concurrency` gcc processes at a time. A failed compile is
 * recorded on its pair, not thrown, so one broken scenario does not hide the others.
 */
export async function buildDiffCorpus(options: {
  archs: DiffArch[];
  scenarios?: Scenario[];
  concurrency?: number;
  dir?: string;
}): Promise<Map<string, CompiledPair>> {
  const scenarios = options.scenarios ?? listScenarios();
  const root = options.dir ?? mkdtempSync(join(tmpdir(), 'cdm-diff-corpus-'));
  const jobs: Array<{ arch: DiffArch; scenario: Scenario; side: 'orig' | 'patched'; output: string }> = [];
  const pairs = new Map<string, CompiledPair>();
  for (const arch of options.archs) {
    for (const scenario of scenarios) {
      if (!scenario.expected.archs.includes(arch.name)) continue;
      const dir = join(root, arch.name, scenario.name);
      mkdirSync(dir, { recursive: true });
      const pair: CompiledPair = { scenario: scenario.name, arch: arch.name, orig: join(dir, 'orig.o'), patched: join(dir, 'patched.o') };
      pairs.set(pairKey(scenario.name, arch.name), pair);
      jobs.push({ arch, scenario, side: 'orig', output: pair.orig }, { arch, scenario, side: 'patched', output: pair.patched });
    }
  }
  await mapLimit(jobs, options.concurrency ?? 4, async (job) => {
    const r = await execa(`${job.arch.prefix}gcc`, compileArgs(job.arch, job.scenario, job.side, job.output), { reject: false, stdin: 'ignore' });
    if (r.exitCode !== 0) {
      const pair = pairs.get(pairKey(job.scenario.name, job.arch.name))!;
      const message = `${job.arch.prefix}gcc ${job.side}.c (exit ${r.exitCode}): ${String(r.stderr).trim()}`;
      pair.error = pair.error ? `${pair.error}\n${message}` : message;
    }
  });
  return pairs;
}
