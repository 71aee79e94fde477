// The two compiles of one TU, as cheaply as correctness allows. The original object comes
// from the object cache when kbuild's record of its last build says nothing it read has
// changed, else from make (which also refreshes that record). The patched object is made by
// running the original's recorded command in the patched mirror: the command depends only on
// Makefiles and the config, which the patch leaves alone unless it edits a build file (then
// make runs). Either way the objects are the ones make would have produced.
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { cachedObject, objectKey, storeObject } from './object-cache.js';
import { compileFailure, compileUnit, type CompileResult } from './compile.js';
import { readRecordedCommand, runRecordedCommand, type RecordedCommand } from './recorded-command.js';
import { checkObjectCompiler, withCompiler, type CompilerCommand } from './compiler-command.js';
import { now } from '../common/clock.js';

export interface UnitCompileContext {
  cc: CompilerCommand;
  /** The compiler the tree names (CONFIG_CC_VERSION_TEXT's first word) and that text. */
  configured: { cc: string; versionText: string };
  /** Check each compiled object's .comment against versionText (off with --skip-compiler-check). */
  checkObjects: boolean;
  /** compilerIdentity(cc); undefined disables the object cache and recorded commands. */
  compiler?: string;
  /** The patch edits a Makefile, Kbuild, Kconfig or .config: flags may change, make must run. */
  buildFilesChanged: boolean;
  /** Called once compilers are running: work for the other cores can start. */
  onLaunch?: () => void;
}

/**
 * Original and patched object of `unit` (the original may be the cache's copy: read, never
 * write it). `onOriginal` hears of the original object as soon as it is
 * known (a cache hit, while the patched side still compiles), so it can be read meanwhile.
 */
export async function compileBoth(paths: { orig: string; patched: string }, unit: string, ctx: UnitCompileContext, onOriginal?: (object: string) => void): Promise<[CompileResult, CompileResult]> {
  const start = now();
  const recorded = ctx.compiler ? await readRecordedCommand(paths.orig, unit) : undefined;
  // The patched compile starts while the original's inputs are hashed; it is only kept when
  // the record proves valid (the cache hits), else make redoes both sides.
  const patched = recorded ? settle(compilePatched(paths.patched, unit, ctx, recorded)) : undefined;
  if (patched) ctx.onLaunch?.();
  const key = recorded && ctx.compiler ? await objectKey(paths.orig, recorded, ctx.compiler) : undefined;
  const hit = key && (await cachedObject(key));
  if (hit && patched) {
    const original: CompileResult = { object: hit, ms: now() - start, by: 'cache' };
    onOriginal?.(hit);
    const p = unwrap(await patched);
    if (ctx.checkObjects) await checkObjectCompiler(p.object, unit, ctx.configured.versionText, ctx.cc);
    return [original, p];
  }
  if (patched) {
    // Not proven current: make must not take this object for up to date.
    await patched;
    await rm(path.join(paths.patched, unit), { force: true });
  }
  // No valid record (first build, or something the unit reads changed): make decides, for both.
  const compiling = Promise.all([compileUnit(paths.orig, unit, ctx.cc, 'original'), compileUnit(paths.patched, unit, ctx.cc, 'patched')]);
  ctx.onLaunch?.();
  const both = await compiling;
  if (ctx.checkObjects) for (const r of both) await checkObjectCompiler(r.object, unit, ctx.configured.versionText, ctx.cc);
  if (ctx.compiler) {
    const fresh = await readRecordedCommand(paths.orig, unit);
    const freshKey = fresh && (await objectKey(paths.orig, fresh, ctx.compiler));
    if (freshKey) await storeObject(freshKey, both[0].object);
  }
  return both;
}

async function compilePatched(mirror: string, unit: string, ctx: UnitCompileContext, recorded: RecordedCommand): Promise<CompileResult> {
  if (ctx.buildFilesChanged) return compileUnit(mirror, unit, ctx.cc, 'patched');
  const start = now();
  // The launcher given now (--cc) replaces whatever compiler words the record has.
  const r = await runRecordedCommand(mirror, withCompiler(recorded, ctx.cc, ctx.configured.cc), ctx.cc.env);
  // gcc's -MMD output is fixdep's input; make is not running, so nothing consumes it. (Removed
  // at once: this is on the way from the compiler to the verdict.)
  rmSync(path.join(mirror, path.dirname(unit), `.${path.basename(unit)}.d`), { force: true });
  if (!r.ok) throw compileFailure(unit, 'patched', r.output);
  return { object: path.join(mirror, unit), ms: now() - start, by: 'recorded-command' };
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
const settle = <T>(p: Promise<T>): Promise<Settled<T>> => p.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));
function unwrap<T>(s: Settled<T>): T {
  if (s.ok) return s.value;
  throw s.error;
}

/** Files whose change can alter kbuild's flags for a unit. */
export function isBuildFile(rel: string): boolean {
  return /(^|\/)(Makefile[^/]*|Kbuild[^/]*|Kconfig[^/]*|[^/]*\.mk)$/.test(rel) || rel === '.config';
}
