// The tree pipeline: a diff and a prepared kernel tree in, per-TU verdicts out. Only the TUs
// the diff affects are compiled, each twice (original, patched), in scratch mirrors of the
// tree; the user's tree is only read.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { ExitCode, InputError } from '../common/errors.js';
import { diffObjects, prepareObject, type ObjectDiff, type PreparedObject } from '../diff/index.js';
import { affectedUnits } from './affected.js';
import { checkCompiler, checkPreparedTree, configuredCompiler, NotBuiltError, type CompileResult } from './compile.js';
import { compileBoth, isBuildFile, type UnitCompileContext } from './unit-compile.js';
import { compilerIdentity } from './compiler-identity.js';
import { checkLauncherVersion, compilerCommand, type CompilerCommand } from './compiler-command.js';
import { withLineDirectives } from './line-directives.js';
import { ensureMirror, mirrorPaths, realTree, restoreMirrorFile, writeMirrorFile } from './mirror.js';
import { applyPatchFiles, type FileChange } from './patches.js';
import { analyzeChanges, type SourceAnalysis } from '../source/index.js';
import { unitObject } from './unit-object.js';
import { KbuildIndex } from './kbuild-objects.js';
import { withLock } from '../common/lock.js';
import { trace, traced } from '../common/trace.js';
import { compareWithRunningConfig } from './config-check.js';
import { differingFromBase, gitBaseReader } from '../git/index.js';
import { byCodeUnit } from '../common/order.js';
import { collectGarbage } from '../common/heap.js';
import { now } from '../common/clock.js';

/** More translation units than this need --max-tus: a widely included header is hours of compiles. */
export const DEFAULT_MAX_TUS = 200;

export interface CheckOptions {
  src: string;
  /** The build directory of a tree built with make O=<dir> (its .config and generated files). */
  buildDir?: string;
  /** The running kernel's config (/boot/config-$(uname -r)); compared with the tree's .config. */
  config?: string;
  patches: string[];
  jobs?: number;
  skipCompilerCheck?: boolean;
  log?: (line: string) => void;
  /**
   * Where the original side comes from: the tree's files (default), or a git commit of the
   * tree (git-native input), read with git, never checked out. With a commit, every tracked
   * file whose work-tree content differs from it is compiled as of that commit in both builds.
   */
  originalFrom?: 'worktree' | { gitBase: string };
  /** Patch texts given directly (git format-patch output), applied after `patches`. */
  patchTexts?: Array<{ name: string; text: string }>;
  /** Copy each unit's two objects into this directory (UnitReport.objects), before another check can reuse the mirrors. */
  keepObjects?: string;
  /** false: make builds both sides every time (no object cache, no recorded-command fast path). */
  objectCache?: boolean;
  /** The compiler command for kbuild's CC, optionally behind a launcher ("distcc gcc-12"). */
  cc?: string;
  /** Refuse a change that reaches more translation units than this (default 200). */
  maxTus?: number;
}

export interface UnitReport {
  path: string;
  /** vmlinux, or the module the TU is linked into. */
  object: string;
  verdict: ObjectDiff['verdict'] | 'not-built';
  diff?: ObjectDiff;
  message?: string;
  /** Copies of the compiled objects (CheckOptions.keepObjects). */
  objects?: { orig: string; patched: string };
  timings: { compileOrigMs?: number; compilePatchedMs?: number; diffMs?: number };
  /** How each object was made (make, kbuild's recorded command, or the object cache). */
  compiledBy?: { original: CompileResult['by']; patched: CompileResult['by'] };
}

export interface CheckReport {
  verdict: 'patchable' | 'not-patchable' | 'no-change';
  changedFiles: string[];
  unhandledFiles: string[];
  /** How hunks applied when not exactly (offset, fuzz). */
  applyNotes: string[];
  /** The source analysis of the same diff (lint's findings). */
  source: SourceAnalysis;
  headers: Array<{ file: string; units: number }>;
  units: UnitReport[];
  /** Each changed file: original and patched text and the hunks (for explain). */
  changes: FileChange[];
  timings: { mirrorMs: number; totalMs: number };
}

export async function checkTree(opts: CheckOptions): Promise<CheckReport> {
  const t0 = now();
  trace('check starts');
  const log = opts.log ?? (() => {});
  const tree = await realTree(opts.src);
  const objtree = opts.buildDir ? await realTree(opts.buildDir) : undefined;
  await checkPreparedTree(tree, objtree);
  if (opts.config) {
    const { harmless } = await compareWithRunningConfig(path.join(objtree ?? tree, '.config'), opts.config);
    for (const d of harmless) log(`config: ${d.option} differs (${d.shipped ?? 'absent'} → ${d.prepared ?? 'absent'}), which does not change generated code`);
  }
  const configured = await configuredCompiler(objtree ?? tree);
  const cc = compilerCommand(opts.cc, configured.cc);
  // Asked now, answered while the patch applies (two short gcc runs).
  const identity = compilerIdentity(cc.compiler);
  identity.catch(() => undefined); // awaited below, after the patch's own errors
  const gitBase = typeof opts.originalFrom === 'object' ? opts.originalFrom.gitBase : undefined;
  const readOriginal = gitBase ? await gitBaseReader(tree, gitBase) : undefined;
  const { changes, notes, applied } = await traced('apply patches', () => applyPatchFiles(tree, opts.patches, { texts: opts.patchTexts, readOriginal }));
  for (const n of notes) log(n);
  if (changes.length === 0) throw new InputError(`${[...opts.patches, ...(opts.patchTexts ?? []).map((t) => t.name)].join(', ')}: the diff changes nothing`, 'pass a unified diff (git diff, git format-patch or diff -u output)');
  if (!opts.skipCompilerCheck) {
    checkCompiler(cc.compiler, configured.versionText, (await identity).version);
    await checkLauncherVersion(cc, configured.versionText);
  }
  // What the declarations say (lint's analysis of the same diff): a CPU-bound parse, started
  // once the compilers run so that it takes another core instead of delaying them.
  let analysis: Promise<SourceAnalysis> | undefined;
  const analyze = () => {
    analysis ??= traced('source analysis', () => analyzeChanges(applied));
    analysis.catch(() => undefined); // awaited by every unit and by the report
    return analysis;
  };

  const affected = await traced('affected units', () => affectedUnits(tree, changes.map((c) => c.path)));
  for (const [header, users] of affected.viaHeader) log(`${header} is included by ${users.length} translation unit(s)`);
  const paths = await mirrorPaths(tree, objtree);
  // One check per tree at a time: two would write the same patched mirror.
  await mkdir(paths.root, { recursive: true });
  // Sources and headers only, and none of the directories the mirror copies (kbuild may rewrite
  // what is there; a restored symlink would let it write the user's tree).
  const overlayable = (f: string) => /\.(c|h|S)$/.test(f) && !/^(scripts|tools|certs|usr|include\/generated|include\/config|arch\/[^/]+\/include\/generated)\//.test(f);
  const overlay = gitBase && readOriginal
    ? { read: readOriginal, others: (await differingFromBase(tree, gitBase)).filter((f) => overlayable(f) && !changes.some((c) => c.path === f)) }
    : undefined;
  const compiler = opts.objectCache === false ? undefined : (await identity).id;
  return withLock(path.join(paths.root, 'lock'), log, () => checkInMirrors(tree, paths, changes, affected, analyze, notes, { cc, configured, compiler }, { ...opts, buildDir: objtree }, log, t0, overlay));
}

async function checkInMirrors(
  tree: string, paths: { root: string; orig: string; patched: string }, changes: FileChange[], affected: Awaited<ReturnType<typeof affectedUnits>>,
  analyze: () => Promise<SourceAnalysis>, notes: string[], compilers: { cc: CompilerCommand; configured: { cc: string; versionText: string }; compiler?: string },
  opts: CheckOptions, log: (l: string) => void, t0: number,
  overlay?: { read: (rel: string) => Promise<string | undefined>; others: string[] },
): Promise<CheckReport> {
  const tm = now();
  const [o, p] = await traced('mirrors', () => Promise.all([ensureMirror(tree, paths.orig, opts.buildDir), ensureMirror(tree, paths.patched, opts.buildDir)]));
  log(`mirrors ${o.reused && p.reused ? 'reused' : 'built'} in ${Math.round(now() - tm)} ms (${paths.root})`);
  const mirrorMs = now() - tm;

  const written: FileChange[] = [];
  const units: UnitReport[] = [];
  const overlaid: string[] = [];
  try {
    if (overlay) {
      // The original side is a git commit: both builds see its content where the work tree
      // differs (uncommitted edits, later commits), and the original build its version of
      // every file the patches change.
      for (const rel of [...overlay.others, ...changes.map((c) => c.path)]) {
        const text = await overlay.read(rel);
        overlaid.push(rel);
        for (const m of [paths.orig, paths.patched]) {
          if (text === undefined) await rm(path.join(m, rel), { force: true });
          else writeMirrorFile(m, rel, text);
        }
      }
      if (overlay.others.length) log(`${overlay.others.length} file(s) differ from the base commit in the work tree: compiled as of the base`);
    }
    for (const c of changes) {
      if (c.patched === undefined && overlay) await rm(path.join(paths.patched, c.path), { force: true });
      if (c.patched === undefined) continue;
      const text = /\.[ch]$/.test(c.path) ? withLineDirectives(c.patched, c.hunks) : c.patched;
      writeMirrorFile(paths.patched, c.path, text);
      written.push(c);
    }
    // Ask kbuild which of the affected units this configuration builds at all.
    const kbuild = new KbuildIndex(paths.orig, 'x86', path.join(paths.root, 'kbuild-objects.json'));
    const queue: string[] = [];
    try {
      const built = await Promise.all(affected.units.map((unit) => kbuild.built(unit)));
      for (const [i, unit] of affected.units.entries()) {
        if (built[i]) queue.push(unit);
        else units.push({ path: unit, object: 'none', verdict: 'not-built', message: new NotBuiltError(unit).message, timings: {} });
      }
    } finally {
      await kbuild.dispose();
    }
    const maxTus = opts.maxTus ?? DEFAULT_MAX_TUS;
    if (queue.length > maxTus) {
      throw new InputError(`the change reaches ${queue.length} translation units that this configuration builds, more than --max-tus ${maxTus} (each is compiled twice)`,
        `pass --max-tus ${queue.length} to check it anyway${compilers.cc.distributed ? '' : '; a distributed launcher (--cc "distcc gcc-12") spreads the compiles'}`);
    }
    // Two compiles per unit run at once; by default one unit per core, more with a launcher
    // that compiles elsewhere.
    const jobs = Math.max(1, Math.floor((opts.jobs ?? availableParallelism() * (compilers.cc.distributed ? 4 : 1)) / 2));
    const total = queue.length;
    let done = 0;
    const started = now();
    const ctx: UnitCompileContext = {
      ...compilers,
      checkObjects: !opts.skipCompilerCheck,
      buildFilesChanged: changes.some((c) => isBuildFile(c.path)),
      onLaunch: analyze,
    };
    const worker = async () => {
      for (let unit = queue.shift(); unit; unit = queue.shift()) {
        units.push(await checkUnit(paths, unit, ctx, log, opts.keepObjects, async () => editedIn(await analyze(), unit)));
        done++;
        if (total > 1) {
          const left = ((now() - started) / done) * (total - done) / 1000;
          log(`[${done}/${total}] ${unit} done${done < total ? `, about ${Math.ceil(left)} s left` : ''}`);
        }
      }
    };
    await Promise.all(Array.from({ length: jobs }, worker));
  } finally {
    for (const c of written) restoreMirrorFile(tree, paths.patched, c.path);
    for (const rel of overlaid) {
      restoreMirrorFile(tree, paths.orig, rel);
      restoreMirrorFile(tree, paths.patched, rel);
    }
    // Objects built from the base commit's content are newer than the work tree's files they
    // now point at again: make would take them as up to date in the next check. Remove them.
    if (overlay) for (const u of units) for (const m of [paths.orig, paths.patched]) await rm(path.join(m, u.path), { force: true });
  }
  units.sort((a, b) => byCodeUnit(a.path, b.path));
  const source = await analyze();
  trace('units checked, mirrors restored');
  return {
    verdict: overall(units, source),
    changedFiles: changes.map((c) => c.path),
    applyNotes: notes,
    source,
    unhandledFiles: affected.unhandled,
    headers: [...affected.viaHeader].map(([file, users]) => ({ file, units: users.length })),
    units,
    changes,
    timings: { mirrorMs, totalMs: now() - t0 },
  };
}

async function keep(dir: string, unit: string, a: string, b: string): Promise<{ orig: string; patched: string }> {
  const base = path.join(dir, unit.replace(/\//g, '__'));
  await mkdir(dir, { recursive: true });
  await copyFile(a, `${base}.orig.o`);
  await copyFile(b, `${base}.patched.o`);
  return { orig: `${base}.orig.o`, patched: `${base}.patched.o` };
}

/** Functions the diff edits that can be in `unit`'s code: its own, and those of changed headers. */
function editedIn(source: SourceAnalysis, unit: string): Set<string> {
  const tu = unit.replace(/\.o$/, '.c');
  return new Set(source.functions.filter((f) => f.status !== 'removed' && (f.tu === tu || /\.h$/.test(f.tu))).map((f) => f.name));
}

async function checkUnit(paths: { orig: string; patched: string }, unit: string, ctx: UnitCompileContext, log: (l: string) => void, keepDir: string | undefined, editedFunctions: () => Promise<Set<string>>): Promise<UnitReport> {
  log(`compiling ${unit} (original and patched)`);
  try {
    let original: Promise<PreparedObject> | undefined;
    let compiled = false;
    const [a, b] = await compileBoth(paths, unit, ctx, (object) => {
      original = prepareObject(object, { resolveAhead: true });
      original.catch(() => undefined); // awaited below; a compile failure must not leave it unhandled
      // The original read and the source analysed while the patched side still compiles:
      // their garbage is collected now rather than after the compile (common/heap.ts).
      original.then(editedFunctions).then(() => {
        if (compiled) return;
        collectGarbage();
        trace(`${unit}: heap collected`);
      }, () => undefined);
    });
    compiled = true;
    if (a.by === 'cache') log(`${unit}: original object from the cache (nothing it was built from changed)`);
    const t = now();
    trace(`${unit}: compiled`);
    const edited = await editedFunctions();
    const diff = await traced(`${unit}: diff`, async () => {
      const orig = await (original ?? prepareObject(a.object));
      // The patched side is read while the user waits: its unchanged functions' instruction ends
      // come from the original, and its DWARF is read for the changed functions only.
      const patched = await traced(`${unit}: read patched object`, () => prepareObject(b.object, { inlining: 'on-demand', like: orig }));
      return traced(`${unit}: pair, compare, classify`, () => diffObjects(orig, patched, { editedFunctions: edited?.size ? edited : undefined }));
    });
    const objects = keepDir ? await keep(keepDir, unit, a.object, b.object) : undefined;
    return {
      path: unit, object: unitObject(paths.orig, unit), verdict: diff.verdict, diff, objects,
      timings: { compileOrigMs: a.ms, compilePatchedMs: b.ms, diffMs: now() - t },
      compiledBy: { original: a.by, patched: b.by },
    };
  } catch (err) {
    if (err instanceof NotBuiltError) return { path: unit, object: 'vmlinux', verdict: 'not-built', message: err.message, timings: {} };
    throw err;
  }
}

function overall(units: UnitReport[], source: SourceAnalysis): CheckReport['verdict'] {
  // A blocking source finding (a struct layout, a flag's meaning) is invisible in code bytes.
  if (units.some((u) => u.verdict === 'not-patchable') || source.findings.some((f) => f.severity === 'block' && !f.waived)) return 'not-patchable';
  if (units.some((u) => u.verdict === 'patchable')) return 'patchable';
  return 'no-change';
}

export function checkExitCode(report: CheckReport): number {
  return report.verdict === 'patchable' ? ExitCode.ok : report.verdict === 'not-patchable' ? ExitCode.notPatchable : ExitCode.noChange;
}


