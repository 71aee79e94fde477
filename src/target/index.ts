// The real target kernel: Debian 12's 6.1 kernel (source, config, headers, image of one
// package version), prepared for compiling single objects, booted under QEMU for loading
// modules and reading kallsyms. See docs/target.md. Everything is cached per ABI under
// ~/.cache/create-diff-module/<abi>/ (see layout.ts) and reused when complete.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { EnvironmentError } from '../common/errors.js';
import { compileInLab } from './compile.js';
import { buildInitramfs } from './initramfs.js';
import { cachedKallsyms, KALLSYMS_SCRIPT, storeKallsyms } from './kallsyms.js';
import { cacheRoot, layout, packageNames, type Layout } from './layout.js';
import { withLock } from '../common/lock.js';
import { quiet, timed, type Log } from './log.js';
import { buildExternalModule } from './module.js';
import { checkAbi, downloadDebs, resolvePackages, unpackHeaders, unpackImage, unpackSource, type Resolved } from './packages.js';
import { PREPARED_FILES, prepareTree } from './prepare.js';
import { boot, DEFAULT_QEMU } from './qemu.js';
import { checkStage, ensureStage, stampPath, type Stamp } from './stamp.js';
import { extractVmlinux } from './vmlinux.js';

export interface KernelTarget {
  abi: string;
  packageVersion: string;
  /** This ABI's cache directory (<root>/<abi>). */
  cacheDir: string;
  /** The configured and prepared source tree. Treat it as a user's tree: never compile in it. */
  sourceDir: string;
  /** linux-headers-<abi>-amd64: `make -C <headersDir> M=<dir> modules` builds a module. */
  headersDir: string;
  vmlinuz: string;
  /** The shipped config (boot/config-<abi>-amd64 of the image). */
  config: string;
}

/** The ABI the tests pin: hand-written expectations (sympos, symbol counts) belong to one kernel. */
export const TEST_ABI = '6.1.0-56';

export interface EnsureOptions {
  /** e.g. `6.1.0-56`; default: the newest ABI apt offers with all packages at one version. */
  abi?: string;
  /** Cache root (an ABI directory is made inside); default $CDM_CACHE_DIR or ~/.cache/create-diff-module. */
  cacheDir?: string;
  log?: (line: string) => void;
}

/** Stage specs shared by the check-only fast path and the building path. */
function stages(l: Layout, version: string, log: Log) {
  const names = packageNames(l.abi);
  const common = { abi: l.abi, packageVersion: version, log };
  const rel = (p: string) => path.relative(l.image, p);
  return {
    debs: { ...common, stage: 'debs', dir: l.debs, required: Object.values(names).map((p) => `${p}.deb`) },
    image: { ...common, stage: 'image', dir: l.image, required: [rel(l.vmlinuz), rel(l.config)] },
    headers: {
      ...common, stage: 'headers', dir: l.headers,
      required: ['Makefile', 'Module.symvers', '.config', 'scripts/mod/modpost', 'scripts/basic/fixdep', 'tools/objtool/objtool']
        .map((f) => path.relative(l.headers, path.join(l.headersDir, f))),
    },
    source: { ...common, stage: 'source', dir: l.source, required: PREPARED_FILES },
  };
}

function toTarget(l: Layout, version: string): KernelTarget {
  return {
    abi: l.abi, packageVersion: version, cacheDir: l.cacheDir, sourceDir: l.source,
    headersDir: l.headersDir, vmlinuz: l.vmlinuz, config: l.config,
  };
}

/** A pinned ABI whose cache is complete needs neither apt nor the network. */
async function completeCache(l: Layout, log: Log): Promise<KernelTarget | undefined> {
  let debs: Stamp;
  try {
    debs = JSON.parse(await readFile(stampPath(l.debs), 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
  const s = stages(l, debs.packageVersion, log);
  if (!(await checkStage(s.debs))) return undefined;
  for (const spec of [s.image, s.headers, s.source]) {
    if (!(await checkStage({ ...spec, from: { debs: debs.id } }))) return undefined;
  }
  return toTarget(l, debs.packageVersion);
}

/** Download, unpack and prepare the target kernel, or reuse a complete cache. */
export async function ensureTarget(opts: EnsureOptions = {}): Promise<KernelTarget> {
  const log = opts.log ?? quiet;
  const root = cacheRoot(opts.cacheDir);
  if (opts.abi) {
    checkAbi(opts.abi);
    const cached = await completeCache(layout(root, opts.abi), log);
    if (cached) {
      log(`target ${cached.abi} (${cached.packageVersion}): cache complete in ${cached.cacheDir}`);
      return cached;
    }
  }
  const resolved: Resolved = await timed(log, 'resolve packages', () => resolvePackages(opts.abi, log));
  log(`target ${resolved.abi}: package version ${resolved.packageVersion} (linux-kbuild-6.1 ${resolved.kbuildVersion})`);
  const l = layout(root, resolved.abi);
  return withLock(l.lock, log, async () => {
    const s = stages(l, resolved.packageVersion, log);
    const debs = await ensureStage({ ...s.debs, build: (tmp) => timed(log, 'download', () => downloadDebs(tmp, resolved)) });
    const from = { debs: debs.id };
    await ensureStage({ ...s.image, from, build: (tmp) => timed(log, 'unpack image', () => unpackImage(l, tmp)) });
    await ensureStage({ ...s.headers, from, build: (tmp) => timed(log, 'unpack headers', () => unpackHeaders(l, tmp)) });
    await ensureStage({
      ...s.source, from,
      build: (tmp) => timed(log, 'unpack source', () => unpackSource(l, tmp)),
      finish: (dir) => timed(log, 'prepare', () => prepareTree(dir, l.config)),
    });
    log(`target ${l.abi}: ready in ${l.cacheDir}`);
    return toTarget(l, resolved.packageVersion);
  });
}

function layoutOf(target: KernelTarget): Layout {
  return layout(path.dirname(target.cacheDir), target.abi);
}

async function preparedStamp(target: KernelTarget): Promise<Stamp> {
  const l = layoutOf(target);
  const s = stages(l, target.packageVersion, quiet);
  const stamp = await checkStage(s.source);
  if (!stamp) {
    throw new EnvironmentError(`${target.sourceDir} is not a complete, prepared tree`, 'call ensureTarget (toolchain/target.sh ensure) first');
  }
  return stamp;
}

/**
 * Compile one object (`fs/proc/cmdline.o`) with KCFLAGS=-ffunction-sections -fdata-sections,
 * in the cache's lab/ copy of the prepared tree; returns the object's absolute path there.
 */
export async function compileTargetObject(target: KernelTarget, objectPath: string, opts: { log?: Log } = {}): Promise<string> {
  const log = opts.log ?? quiet;
  return compileInLab(layoutOf(target), await preparedStamp(target), objectPath, log);
}

export interface BootOptions {
  /** busybox sh script run as root after boot; its standard output is returned as `output`. */
  script: string;
  /** Host paths of modules, copied into the guest as /modules/<basename>. */
  modules?: string[];
  /** Default true: test loads the way users run. */
  kaslr?: boolean;
  /** Hard limit per attempt; default 5 minutes. One more attempt follows a time-out. */
  timeoutMs?: number;
  /** QEMU binary; default $CDM_QEMU or qemu-system-x86_64. */
  qemu?: string;
  log?: Log;
}

/** Boot the target's vmlinuz under QEMU (TCG), run `script`, power off. */
export async function bootTarget(target: KernelTarget, opts: BootOptions): Promise<{ console: string; output: string }> {
  const initramfs = await buildInitramfs({ script: opts.script, modules: opts.modules });
  return boot({
    vmlinuz: target.vmlinuz,
    initramfs,
    kaslr: opts.kaslr ?? true,
    timeoutMs: opts.timeoutMs,
    qemu: opts.qemu ?? (process.env.CDM_QEMU || DEFAULT_QEMU),
    log: opts.log,
  });
}

/**
 * Path of the booted kernel's /proc/kallsyms, dumped once and cached. Default nokaslr, where
 * addresses equal vmlinux's (`_text` at 0xffffffff81000000); kaslr: true gives a shifted dump.
 */
export async function targetKallsyms(target: KernelTarget, opts: { kaslr?: boolean; log?: Log; timeoutMs?: number } = {}): Promise<string> {
  const kaslr = opts.kaslr ?? false;
  const cached = await cachedKallsyms(target.cacheDir, kaslr);
  if (cached) return cached;
  const { output } = await bootTarget(target, { script: KALLSYMS_SCRIPT, kaslr, log: opts.log, timeoutMs: opts.timeoutMs ?? 10 * 60_000 });
  return storeKallsyms(target.cacheDir, kaslr, output);
}

/** Path of vmlinux extracted from the image's vmlinuz (cached). */
export async function targetVmlinux(target: KernelTarget, opts: { log?: Log } = {}): Promise<string> {
  return timed(opts.log ?? quiet, 'extract vmlinux', () => extractVmlinux(target.cacheDir, target.sourceDir, target.vmlinuz));
}

/** Build the external module(s) in `dir` (a Kbuild/Makefile with obj-m) against the target's headers. */
export async function buildTargetModule(target: KernelTarget, dir: string): Promise<string[]> {
  return buildExternalModule(target.headersDir, dir);
}
