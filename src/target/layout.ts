// Where a target lives on disk. One directory per ABI under the cache root:
//
//   <root>/<abi>/debs/        the downloaded .deb files, renamed <package>.deb (kept, so a
//                             damaged unpack is redone without the network)
//   <root>/<abi>/image/       linux-image-<abi>-amd64-unsigned unpacked (boot/vmlinuz-*, boot/config-*)
//   <root>/<abi>/headers/     linux-headers-<abi>-amd64, -common and linux-kbuild-6.1 unpacked
//                             into one root, so Debian's relative symlinks resolve inside it
//   <root>/<abi>/source/      the linux-source-6.1 tree, configured and prepared; never compiled in
//   <root>/<abi>/lab/         a copy of source/ that compileTargetObject compiles in
//   <root>/<abi>/vmlinux, kallsyms-kaslr.txt, kallsyms-nokaslr.txt   derived files
//   <root>/<abi>/<stage>.stamp  written last: a stage without its stamp is incomplete
//
// The root is the `cacheDir` option, else $CDM_CACHE_DIR, else $XDG_CACHE_HOME/create-diff-module,
// else ~/.cache/create-diff-module.
import os from 'node:os';
import path from 'node:path';

export const KBUILD_PACKAGE = 'linux-kbuild-6.1';
export const SOURCE_PACKAGE = 'linux-source-6.1';

export function cacheRoot(explicit?: string): string {
  if (explicit) return path.resolve(explicit);
  if (process.env.CDM_CACHE_DIR) return path.resolve(process.env.CDM_CACHE_DIR);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'create-diff-module');
}

export interface Layout {
  abi: string;
  cacheDir: string;
  debs: string;
  image: string;
  headers: string;
  source: string;
  lab: string;
  lock: string;
  /** linux-headers-<abi>-amd64 inside the unpacked headers root: `make -C` this for modules. */
  headersDir: string;
  vmlinuz: string;
  /** The image's config, as shipped. */
  config: string;
}

/** `6.1.0-56` → `6.1.0-56-amd64`, the kernel release (uname -r) of the flavour we use. */
export const release = (abi: string) => `${abi}-amd64`;

export function layout(root: string, abi: string): Layout {
  const cacheDir = path.join(root, abi);
  const headers = path.join(cacheDir, 'headers');
  const image = path.join(cacheDir, 'image');
  return {
    abi,
    cacheDir,
    debs: path.join(cacheDir, 'debs'),
    image,
    headers,
    source: path.join(cacheDir, 'source'),
    lab: path.join(cacheDir, 'lab'),
    lock: path.join(cacheDir, '.lock'),
    headersDir: path.join(headers, 'usr', 'src', `linux-headers-${release(abi)}`),
    vmlinuz: path.join(image, 'boot', `vmlinuz-${release(abi)}`),
    config: path.join(image, 'boot', `config-${release(abi)}`),
  };
}

/** The Debian packages that make up one target. */
export function packageNames(abi: string) {
  return {
    image: `linux-image-${release(abi)}-unsigned`,
    headers: `linux-headers-${release(abi)}`,
    headersCommon: `linux-headers-${abi}-common`,
    kbuild: KBUILD_PACKAGE,
    source: SOURCE_PACKAGE,
  };
}
