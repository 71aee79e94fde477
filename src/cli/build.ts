// `build`: everything `check` does, then the patch object and the livepatch module.
import { copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkInputs } from '../git/index.js';
import { ExitCode, InputError } from '../common/errors.js';
import { readElfFile, writeElf } from '../elf/index.js';
import { openRunningImage, runPreMatch, type VerifiedFunction } from '../verify/index.js';
import { linkPatchObject, separateGlobals, type LinkedObject } from '../link/index.js';
import { buildModule, CALLBACK_KINDS, type KlpCallbacks, type KlpPlan } from '../module/index.js';
import { findShippedModule, readKallsyms, readModuleSymbols, readSymvers, type Export, type Kallsyms, type ModuleSymbols } from '../symbols/index.js';
import { checkTree, type UnitReport } from '../tree/index.js';
import { checkRecord, parseCount } from './check.js';
import { loadConfigCc } from '../report/index.js';
import { toJson, type Output } from './output.js';
import { now } from '../common/clock.js';

export interface BuildOptions {
  src: string;
  cc?: string;
  maxTus?: string;
  buildDir?: string;
  kallsyms: string;
  headers?: string;
  name?: string;
  output?: string;
  replace?: boolean;
  keepObject?: boolean;
  /** --allow-unload: no self-pin even when the link found unload hazards. */
  allowUnload?: boolean;
  config?: string;
  json?: boolean;
  jobs?: string;
  skipCompilerCheck?: boolean;
  objectCache?: boolean;
  /** The running kernel's image for run-pre matching. */
  vmlinux?: string;
  vmlinuz?: string;
  /** --no-verify: false. */
  verify?: boolean;
  /** The running kernel's modules (/lib/modules/<release>), for patches to module code. */
  modulesDir?: string;
}

/**
 * Livepatch callbacks by convention (docs: README "build"): a function the patch adds named
 * cdm_pre_patch, cdm_post_patch, cdm_pre_unpatch or cdm_post_unpatch becomes that callback of
 * the patched object (mark a static one __used, or gcc drops it as unused).
 */
function callbacksOf(units: UnitReport[]): Pick<KlpPlan, 'callbacks'> {
  const byObject = new Map<string, KlpCallbacks>();
  for (const unit of units) {
    const entry = byObject.get(unit.object) ?? { object: unit.object };
    for (const kind of CALLBACK_KINDS) {
      const f = unit.diff!.functions.find((x) => x.status === 'new' && x.name === `cdm_${kind}`);
      if (!f) continue;
      if (entry[kind]) throw new InputError(`two files of the patch define cdm_${kind} for ${unit.object}`, 'one callback of each kind per patched object');
      entry[kind] = f.name;
    }
    byObject.set(unit.object, entry);
  }
  const callbacks = [...byObject.values()].filter((e) => CALLBACK_KINDS.some((k) => e[k]));
  return callbacks.length ? { callbacks } : {};
}

type Verification = { method: 'run-pre'; image: string; functions: VerifiedFunction[]; resolved: Record<string, number>; summary: string } | { method: 'none'; summary: string };

/** Run-pre matching of the unit's original object against the running kernel's image. */
async function verifyUnit(unit: UnitReport, kallsyms: Kallsyms, image: (() => Promise<RunningImage>) | undefined, shipped?: ModuleSymbols, log?: (l: string) => void): Promise<{ record: Verification; resolved?: Map<string, number> }> {
  if (!image) return { record: { method: 'none', summary: 'warning: --no-verify: nothing proved that this build matches the running kernel' } };
  const running = shipped ? undefined : await image();
  const against = shipped?.file ?? running!.file;
  const replaced = unit.diff!.functions.filter((f) => f.status === 'changed' && f.cause !== 'line-numbers' && !f.replacedVia).map((f) => f.name);
  const r = runPreMatch({ original: await readElfFile(unit.objects!.orig), originalFile: unit.path, object: unit.object, replaced, kallsyms, image: running, shipped });
  for (const [name, sympos] of r.resolved) log?.(`run-pre: ${name} is entry ${sympos} of its name in ${shipped ? shipped.file : 'kallsyms'} (the one whose bytes are this TU's)`);
  const summary = `verified: ${r.verified.map((f) => `${f.name} (${f.bytes} bytes${f.sympos ? `, sympos ${f.sympos}` : ''})`).join(', ')} match the running kernel's code (run-pre matching against ${against})`;
  return { record: { method: 'run-pre', image: against, functions: r.verified, resolved: Object.fromEntries(r.resolved), summary }, resolved: r.resolved };
}

type RunningImage = Awaited<ReturnType<typeof openRunningImage>>;

/** One verification record for the module: each TU was checked against its own image or .ko. */
function combineVerification(records: Verification[]): Verification {
  if (records.length === 1) return records[0]!;
  const none = records.find((r) => r.method === 'none');
  if (none) return none;
  const runPre = records as Array<Extract<Verification, { method: 'run-pre' }>>;
  return {
    method: 'run-pre',
    image: [...new Set(runPre.map((r) => r.image))].join(', '),
    functions: runPre.flatMap((r) => r.functions),
    resolved: Object.assign({}, ...runPre.map((r) => r.resolved)),
    summary: runPre.map((r) => r.summary).join('\n'),
  };
}

/** /lib/modules/<release> of the headers' kernel: linux-headers-<release> names it. */
function defaultModulesDir(headers: string): string {
  const release = /linux-headers-(.+)$/.exec(path.basename(path.resolve(headers)))?.[1];
  return path.join('/lib/modules', release ?? '');
}

const defaultHeaders = () => `/usr/src/linux-headers-${process.env.CDM_KERNEL_RELEASE ?? ''}`;

export async function buildCommand(patches: string[], opts: BuildOptions, io: Output, paths: string[] = []): Promise<number> {
  const quiet = opts.json || process.env.CI === 'true' || !process.stderr.isTTY;
  const log = quiet ? undefined : (line: string) => io.err(line);
  // Patch files, or a git revision/range of --src (the original side read from git).
  const given = await checkInputs(opts.src, patches, paths);
  const stem = given.git ? given.git.commits[given.git.commits.length - 1]!.slice(0, 12) : path.basename(patches[0] ?? 'patch').replace(/\.[^.]*$/, '');
  const name = opts.name ?? `livepatch_${stem.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 55);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new InputError(`--name ${name}: a module name is letters, digits and _`);
  // Refused before anything is compiled: build proves the match unless told not to.
  if (opts.verify !== false && !opts.vmlinux && !opts.vmlinuz) {
    throw new InputError('build checks the original code against the running kernel (run-pre matching) and needs its image', 'pass --vmlinux <file> or --vmlinuz /boot/vmlinuz-$(uname -r); --no-verify skips the check (nothing then proves the module matches the running kernel)');
  }
  if (opts.vmlinux && opts.vmlinuz) throw new InputError('--vmlinux and --vmlinuz both given', 'pass one of them');
  const headers = opts.headers ?? defaultHeaders();
  const kallsyms = await readKallsyms(opts.kallsyms);
  const exports = await readSymvers(path.join(headers, 'Module.symvers'));
  const work = await mkdtemp(path.join(tmpdir(), 'cdm-build-'));
  try {
    return await buildIn(work, name, headers, kallsyms, exports, given, opts, io, log);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function buildIn(work: string, name: string, headers: string, kallsyms: Kallsyms, exports: Map<string, Export>, given: Awaited<ReturnType<typeof checkInputs>>, opts: BuildOptions, io: Output, log?: (l: string) => void): Promise<number> {
  const report = await checkTree({ src: opts.src, buildDir: opts.buildDir, patches: given.patches, patchTexts: given.patchTexts, originalFrom: given.originalFrom, config: opts.config, jobs: parseCount(opts.jobs, '--jobs'), cc: opts.cc ?? loadConfigCc(undefined), maxTus: parseCount(opts.maxTus, '--max-tus'), skipCompilerCheck: opts.skipCompilerCheck, objectCache: opts.objectCache, log, keepObjects: path.join(work, 'objects') });
  const record = checkRecord(report);
  if (report.verdict !== 'patchable') {
    if (opts.json) io.out(toJson(record));
    else io.err(`create-diff-module: ${report.verdict === 'no-change' ? 'nothing to patch' : 'not live-patchable'}: ${record.findings.filter((f) => f.severity === 'block').map((f) => `[${f.kind}] ${f.message}`).join('; ') || 'no function changes'}`);
    return report.verdict === 'no-change' ? ExitCode.noChange : ExitCode.notPatchable;
  }
  const units = report.units.filter((u) => u.verdict === 'patchable');
  const patchGlobals = newGlobals(units);
  const image = opts.verify === false ? undefined : lazy(() => openRunningImage({ vmlinux: opts.vmlinux, vmlinuz: opts.vmlinuz, tree: opts.src, workDir: work }));
  const linked: Array<LinkedObject & { verification: Verification }> = [];
  let verifyMs = 0;
  let linkMs = 0;
  for (const unit of units) {
    // Code of a loadable module: its shipped .ko gives sympos and the code run-pre compares.
    const moduleSymbols = unit.object === 'vmlinux' ? undefined : await readModuleSymbols(unit.object, await findShippedModule(opts.modulesDir ?? defaultModulesDir(headers), unit.object));
    let t = now();
    const verification = await verifyUnit(unit, kallsyms, image, moduleSymbols, log);
    verifyMs += now() - t;
    t = now();
    const firstPlaceholder = linked.reduce((n, l) => n + l.plan.placeholders.length, 0);
    const { elf, plan } = await linkPatchObject({ patched: unit.objects!.patched, diff: unit.diff!, object: unit.object, kallsyms, exports, resolved: verification.resolved, moduleSymbols, firstPlaceholder, patchGlobals });
    linked.push({ elf, plan, verification: verification.record });
    linkMs += now() - t;
  }
  separateGlobals(linked);
  const hazards = linked.flatMap((l) => l.plan.hazards);
  const plan: KlpPlan = {
    placeholders: linked.flatMap((l) => l.plan.placeholders),
    functions: linked.flatMap((l) => l.plan.functions),
    ...callbacksOf(units),
    namespaces: [...new Set(linked.flatMap((l) => l.plan.namespaces))].sort(),
    pin: opts.allowUnload ? [] : hazards.map((h) => h.message),
  };
  const verification = combineVerification(linked.map((l) => l.verification));
  const patchObjects = linked.map((l) => writeElf(l.elf));
  const out = path.resolve(opts.output ?? `${name}.ko`);
  const t = now();
  const ko = await buildModule({ headersDir: headers, name, patchObject: patchObjects, plan, replace: opts.replace ?? false, outDir: work });
  const moduleMs = now() - t;
  // Into place under a temporary name, then renamed: never a half-written module.
  await mkdir(path.dirname(out), { recursive: true });
  await copyFile(ko, `${out}.tmp-${process.pid}`);
  await rename(`${out}.tmp-${process.pid}`, out);
  // --keep-object: <out>-patch.o, or <out>-patch0.o, -patch1.o, ... for several TUs.
  const stem = out.replace(/\.ko$/, '');
  if (opts.keepObject) for (const [i, bytes] of patchObjects.entries()) await writeFile(`${stem}-patch${patchObjects.length === 1 ? '' : i}.o`, bytes);
  const unload = { safe: hazards.length === 0, pinned: (plan.pin ?? []).length > 0, hazards };
  const result = { ...record, module: out, name, plan, verification, unload, build_timings: { verifyMs, linkMs, moduleMs } };
  if (opts.json) io.out(toJson(result));
  else io.out(`${out}: livepatch module ${name} replacing ${plan.functions.map((f) => f.old_name).join(', ')}${plan.placeholders.length ? `; ${plan.placeholders.length} livepatch relocation(s)` : ''}\n${verification.summary}\n${unloadSummary(name, unload)}`);
  return ExitCode.ok;
}

/** New global functions and data of the patch: another TU's patch object may refer to them. */
function newGlobals(units: UnitReport[]): Set<string> {
  const names = new Set<string>();
  for (const u of units) {
    for (const f of u.diff!.functions) if (f.status === 'new' && f.bind !== 'local') names.add(f.name);
    for (const d of u.diff!.data) if (d.status === 'new') names.add(d.name);
  }
  return names;
}

function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= make());
}

/** What the build found about removing the module, and what the pin means for the user. */
function unloadSummary(name: string, unload: { pinned: boolean; hazards: Array<{ message: string }> }): string {
  if (unload.hazards.length === 0) return 'unload: safe (disable the patch, then rmmod)';
  const lines = unload.hazards.map((h) => `unload: unsafe: ${h.message}`);
  lines.push(unload.pinned
    ? `unload: the module stays loaded after it is disabled; to remove it anyway: echo 1 > /sys/module/${name}/parameters/allow_unload (or build with --allow-unload)`
    : 'unload: allowed anyway (--allow-unload)');
  return lines.join('\n');
}
