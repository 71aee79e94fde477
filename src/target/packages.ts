// Which Debian kernel to use, and getting its packages onto disk without installing them.
//
// A target is four packages of one version: linux-source-6.1, linux-image-<abi>-amd64-unsigned,
// linux-headers-<abi>-amd64 (+ its linux-headers-<abi>-common) and linux-kbuild-6.1. We ask
// apt-cache which ABIs exist rather than hard-coding one: Debian publishes a new ABI with most
// security uploads and drops old ones from the mirror.
//
// Headers are downloaded and unpacked into the cache like the rest instead of installed with
// apt-get: that needs no root, leaves the machine's /usr/src alone, and keeps several ABIs side
// by side. The three header packages unpack into one root, where Debian's relative symlinks
// (scripts -> ../../lib/linux-kbuild-6.1/scripts) resolve; the one absolute path, the `include`
// line of linux-headers-<abi>-amd64/Makefile, is rewritten to a relative one.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runTool } from '../build/exec.js';
import { EnvironmentError } from '../common/errors.js';
import { packageNames, release, type Layout } from './layout.js';
import type { Log } from './log.js';

export interface Resolved {
  abi: string;
  /** The Debian version shared by source, image and headers, e.g. `6.1.192-2`. */
  packageVersion: string;
  /** linux-kbuild-6.1 is not per-ABI; the same version when the mirror still has it, else the newest. */
  kbuildVersion: string;
}

const ABI_RE = /^6\.1\.0-(\d+)$/;

export function checkAbi(abi: string): void {
  if (!ABI_RE.test(abi)) {
    throw new EnvironmentError(`"${abi}" is not a Debian 6.1 kernel ABI`, 'give it as 6.1.0-N, e.g. 6.1.0-56');
  }
}

/**
 * Versions apt knows for each package, newest first (apt-cache madison sorts them). One
 * apt-cache process for all of them: each start costs most of a second loading the cache.
 */
export async function madison(pkgs: readonly string[]): Promise<Map<string, string[]>> {
  const { stdout } = await runTool('apt-cache', ['madison', ...pkgs]);
  const versions = new Map<string, string[]>(pkgs.map((p) => [p, []]));
  for (const line of stdout.split('\n')) {
    const [name, version] = line.split('|').map((f) => f.trim());
    const list = name ? versions.get(name) : undefined;
    if (list && version && !list.includes(version)) list.push(version);
  }
  return versions;
}

async function versionAtLeast(a: string, b: string): Promise<boolean> {
  const r = await runTool('dpkg', ['--compare-versions', a, 'ge', b], { allowFailure: true });
  return r.exitCode === 0;
}

/** The newest version at which image, headers, headers-common and source all exist, if any. */
async function resolveAbi(abi: string): Promise<Resolved | undefined> {
  const names = packageNames(abi);
  const known = await madison([names.image, names.headers, names.headersCommon, names.source, names.kbuild]);
  const at = (pkg: string) => known.get(pkg) ?? [];
  const version = at(names.image).find((v) => [names.headers, names.headersCommon, names.source].every((p) => at(p).includes(v)));
  if (!version) return undefined;
  const kbuild = at(names.kbuild);
  const kbuildVersion = kbuild.includes(version) ? version : kbuild[0];
  if (!kbuildVersion || !(await versionAtLeast(kbuildVersion, version))) {
    return undefined;
  }
  return { abi, packageVersion: version, kbuildVersion };
}

/** ABIs of amd64 6.1 images apt knows, newest first. */
async function knownAbis(): Promise<string[]> {
  const { stdout } = await runTool('apt-cache', ['pkgnames', 'linux-image-6.1.0-']);
  const abis = new Set<string>();
  for (const name of stdout.split('\n')) {
    const m = /^linux-image-(6\.1\.0-\d+)-amd64-unsigned$/.exec(name.trim());
    if (m) abis.add(m[1]!);
  }
  const n = (abi: string) => Number(ABI_RE.exec(abi)![1]);
  return [...abis].sort((a, b) => n(b) - n(a));
}

const NO_PACKAGES_HINT =
  'run `apt-get update` (Debian 12 with bookworm and bookworm-security in the sources), or pin an ABI whose cache is complete';

/** Pick the pinned ABI's version, or the newest ABI whose packages all exist at one version. */
export async function resolvePackages(abi: string | undefined, log: Log): Promise<Resolved> {
  if (abi) {
    checkAbi(abi);
    const resolved = await resolveAbi(abi);
    if (!resolved) {
      throw new EnvironmentError(
        `Debian ${abi}: apt knows no version at which ${Object.values(packageNames(abi)).join(', ')} all exist`,
        NO_PACKAGES_HINT);
    }
    return resolved;
  }
  const abis = await knownAbis();
  for (const candidate of abis) {
    const resolved = await resolveAbi(candidate);
    if (resolved) return resolved;
    log(`packages: ${candidate} is incomplete on the mirror (image, headers and source differ), trying an older one`);
  }
  throw new EnvironmentError(
    abis.length === 0
      ? 'apt knows no linux-image-6.1.0-*-amd64-unsigned package'
      : `no Debian 6.1 ABI has source, image and headers at one version (looked at ${abis.join(', ')})`,
    NO_PACKAGES_HINT);
}

/** Fill `dir` (created here) with the target's .deb files, each renamed to `<package>.deb`. */
export async function downloadDebs(dir: string, r: Resolved): Promise<void> {
  await mkdir(dir, { recursive: true });
  const names = packageNames(r.abi);
  const wanted: Array<[string, string]> = [
    [names.image, r.packageVersion],
    [names.headers, r.packageVersion],
    [names.headersCommon, r.packageVersion],
    [names.kbuild, r.kbuildVersion],
    [names.source, r.packageVersion],
  ];
  // apt-get download writes into its working directory and checks each file's hash against the
  // signed index. As root it warns that the _apt sandbox user cannot write there: harmless.
  await runTool('apt-get', ['download', '-q', ...wanted.map(([p, v]) => `${p}=${v}`)], {
    cwd: dir,
    timeout: 30 * 60_000,
  }).catch((err: unknown) => {
    if (err instanceof EnvironmentError) {
      throw new EnvironmentError(`downloading the Debian ${r.abi} kernel packages failed: ${err.message}`,
        'check the network and the apt sources (apt-get update); nothing was added to the cache');
    }
    throw err;
  });
  const files = await readdir(dir);
  for (const [pkg] of wanted) {
    const file = files.find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
    if (!file) throw new EnvironmentError(`apt-get download did not produce ${pkg}_*.deb in ${dir}`);
    await rename(path.join(dir, file), path.join(dir, `${pkg}.deb`));
  }
}

export const debPath = (l: Layout, pkg: string) => path.join(l.debs, `${pkg}.deb`);

/** dpkg -x the image package: boot/vmlinuz-*, boot/config-*, lib/modules/*. */
export async function unpackImage(l: Layout, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await runTool('dpkg', ['-x', debPath(l, packageNames(l.abi).image), dir]);
}

/** The three header packages into one root, with the headers Makefile made relocatable. */
export async function unpackHeaders(l: Layout, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const names = packageNames(l.abi);
  for (const pkg of [names.headers, names.headersCommon, names.kbuild]) {
    await runTool('dpkg', ['-x', debPath(l, pkg), dir]);
  }
  // Debian's file is `include /usr/src/linux-headers-<abi>-common/Makefile`: an absolute path
  // that only works once installed. Resolve it from this Makefile's own (real) location
  // instead; the common Makefile then takes its srctree from its own location as usual.
  const makefile = path.join(dir, 'usr', 'src', `linux-headers-${release(l.abi)}`, 'Makefile');
  const text = await readFile(makefile, 'utf8');
  const common = `linux-headers-${l.abi}-common`;
  const absolute = `include /usr/src/${common}/Makefile`;
  if (!text.includes(absolute)) {
    throw new EnvironmentError(`${makefile}: expected the line "${absolute}"; the Debian headers layout changed`);
  }
  await writeFile(makefile, text.replace(absolute,
    `# create-diff-module: was "${absolute}"; relative, so the unpacked headers work where they are\n` +
    `include $(dir $(realpath $(lastword $(MAKEFILE_LIST))))../${common}/Makefile`));
}

/** linux-source-6.1 ships a tarball in a .deb: unpack the deb beside, then the tarball into `dir`. */
export async function unpackSource(l: Layout, dir: string): Promise<void> {
  const deb = `${dir}-deb`;
  await rm(deb, { recursive: true, force: true });
  await mkdir(deb, { recursive: true });
  await mkdir(dir, { recursive: true });
  try {
    await runTool('dpkg', ['-x', debPath(l, packageNames(l.abi).source), deb]);
    const tarball = path.join(deb, 'usr', 'src', 'linux-source-6.1.tar.xz');
    await runTool('tar', ['-xf', tarball, '-C', dir, '--strip-components=1'], { timeout: 30 * 60_000 });
  } finally {
    await rm(deb, { recursive: true, force: true });
  }
}
