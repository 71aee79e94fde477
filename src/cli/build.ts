// `build`: everything `check` does, then the patch object and the livepatch module.
import { copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkInputs } from '../git/index.js';
import { CdmError, ExitCode, InputError } from '../common/errors.js';
import { readElfFile, writeElf } from '../elf/index.js';
import { openRunningImage, runPreMatch, type VerifiedFunction } from '../verify/index.js';
import { linkPatchObject } from '../link/index.js';
import { buildModule, CALLBACK_KINDS, type KlpCallbacks, type KlpPlan } from '../module/index.js';
import { findShippedModule, readKallsyms, readModuleSymbols, readSymvers, type Export, type Kallsyms, type ModuleSymbols } from '../symbols/index.js';
import { checkTree, type UnitReport } from '../tree/index.js';
import { checkRecord, parseCount } from './check.js';
import { loadConfigCc } from '../report/index.js';
import { toJson, type Output } from './output.js';

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
function callbacksOf(unit: UnitReport): Pick<KlpPlan, 'callbacks'> {
  const entry: KlpCallbacks = { object: unit.object };
  for (const kind of CALLBACK_KINDS) {
    const f = unit.diff!.functions.find((x) => x.status === 'new' && x.name === `cdm_${kind}`);
    if (f) entry[kind] = f.name;
  }
  return CALLBACK_KINDS.some((k) => entry[k]) ? { callbacks: [entry] } : {};
}

type Verification = { method: 'run-pre'; image: string; functions: VerifiedFunction[]; resolved: Record<string, number>; summary: string } | { method: 'none'; summary: string };

/** Run-pre matching of the unit's original object against the running kernel's image. */
async function verifyUnit(work: string, unit: UnitReport, kallsyms: Kallsyms, opts: BuildOptions, shipped?: ModuleSymbols, log?: (l: string) => void): Promise<{ record: Verification; resolved?: Map<string, number> }> {
  if (opts.verify === false) return { record: { method: 'none', summary: 'warning: --no-verify: nothing proved that this build matches the running kernel' } };
  const image = shipped ? undefined : await openRunningImage({ vmlinux: opts.vmlinux, vmlinuz: opts.vmlinuz, tree: opts.src, workDir: work });
  const against = shipped?.file ?? image!.file;
  const replaced = unit.diff!.functions.filter((f) => f.status === 'changed' && f.cause !== 'line-numbers' && !f.replacedVia).map((f) => f.name);
  const r = runPreMatch({ original: await readElfFile(unit.objects!.orig), originalFile: unit.path, object: unit.object, replaced, kallsyms, image, shipped });
  for (const [name, sympos] of r.resolved) log?.(`run-pre: ${name} is entry ${sympos} of its name in ${shipped ? shipped.file : 'kallsyms'} (the one whose bytes are this TU's)`);
  const summary = `verified: ${r.verified.map((f) => `${f.name} (${f.bytes} bytes${f.sympos ? `, sympos ${f.sympos}` : ''})`).join(', ')} match the running kernel's code (run-pre matching against ${against})`;
  return { record: { method: 'run-pre', image: against, functions: r.verified, resolved: Object.fromEntries(r.resolved), summary }, resolved: r.resolved };
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
  if (units.length !== 1) throw new CdmError(ExitCode.environment, `the patch changes ${units.length} translation units; build handles one per module for now`, 'split the patch per file');
  const unit = units[0]!;
  // Code of a loadable module: its shipped .ko gives sympos and the code run-pre compares.
  const moduleSymbols = unit.object === 'vmlinux' ? undefined : await readModuleSymbols(unit.object, await findShippedModule(opts.modulesDir ?? defaultModulesDir(headers), unit.object));
  let t = performance.now();
  const verification = await verifyUnit(work, unit, kallsyms, opts, moduleSymbols, log);
  const verifyMs = performance.now() - t;
  t = performance.now();
  const linked = await linkPatchObject({ patched: unit.objects!.patched, diff: unit.diff!, object: unit.object, kallsyms, exports, resolved: verification.resolved, moduleSymbols });
  const { elf } = linked;
  const hazards = linked.plan.hazards;
  const plan: KlpPlan = { ...linked.plan, ...callbacksOf(unit), pin: opts.allowUnload ? [] : hazards.map((h) => h.message) };
  {
    const patchObject = path.join(work, `${name}-patch.o`);
    await writeFile(patchObject, writeElf(elf));
    const out = path.resolve(opts.output ?? `${name}.ko`);
    const linkMs = performance.now() - t;
    t = performance.now();
    const ko = await buildModule({ headersDir: headers, name, patchObject, plan, replace: opts.replace ?? false, outDir: work });
    const moduleMs = performance.now() - t;
    // Into place under a temporary name, then renamed: never a half-written module.
    await mkdir(path.dirname(out), { recursive: true });
    await copyFile(ko, `${out}.tmp-${process.pid}`);
    await rename(`${out}.tmp-${process.pid}`, out);
    if (opts.keepObject) await copyFile(patchObject, out.replace(/\.ko$/, '') + '-patch.o');
    const unload = { safe: hazards.length === 0, pinned: (plan.pin ?? []).length > 0, hazards };
    const result = { ...record, module: out, name, plan, verification: verification.record, unload, build_timings: { verifyMs, linkMs, moduleMs } };
    if (opts.json) io.out(toJson(result));
    else io.out(`${out}: livepatch module ${name} replacing ${plan.functions.map((f) => f.old_name).join(', ')}${plan.placeholders.length ? `; ${plan.placeholders.length} livepatch relocation(s)` : ''}\n${verification.record.summary}\n${unloadSummary(name, unload)}`);
    return ExitCode.ok;
  }
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
