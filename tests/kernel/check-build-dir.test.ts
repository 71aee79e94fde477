// `check --build-dir`: a tree built with make O=<dir> keeps its configuration, generated
// headers and host tools in the build directory and a clean source tree. Built here from the
// Debian tree without copying its sources: the source side is a farm of symlinks to it with
// the generated parts left out, the build directory holds copies of exactly those parts. Both
// must stay unchanged, and the verdict must be the one the in-place tree gives.
// A second build directory with CONFIG_RETHUNK turned off is a tree configured unlike the running
// kernel: build must refuse it by run-pre matching.
import { createHash } from 'node:crypto';
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTarget, targetKallsyms, targetVmlinux, TEST_ABI, type KernelTarget } from '../../src/target/index.js';
import { mirrorPaths } from '../../src/tree/mirror.js';
import { runCli } from '../helpers/cli.js';

const PATCH = new URL('../../testdata/kernel/diff/proc-cmdline-string.patch', import.meta.url).pathname;
/** What `make O=<dir> olddefconfig prepare` writes into the build directory. */
const GENERATED = ['.config', 'include/generated', 'include/config', 'arch/x86/include/generated', 'scripts', 'tools/objtool'];

let target: KernelTarget;
let srctree: string;
let objtree: string;
/** A second build directory whose configuration differs from the running kernel's in one option. */
let rethunkOff: string;

/** Symlink every entry of `from` into `to`, descending where a generated path lies below. */
function farm(from: string, to: string, rel: string): void {
  mkdirSync(join(to, rel), { recursive: true });
  for (const name of readdirSync(join(from, rel))) {
    const r = rel ? `${rel}/${name}` : name;
    if (GENERATED.includes(r) && r !== 'scripts' && r !== 'tools/objtool') continue;
    if (GENERATED.some((g) => g.startsWith(`${r}/`))) farm(from, to, r);
    else symlinkSync(join(from, r), join(to, r));
  }
}

/** Sizes and mtimes of what kbuild could rewrite in the real tree behind the farm (top-level files, host tools). */
function realTreeHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (rel: string, depth: number) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = statSync(join(dir, r));
      h.update(`${r}\0${st.size}\0${st.mtimeMs}\n`);
      if (st.isDirectory() && depth > 0) walk(r, depth - 1);
    }
  };
  walk('', 0);
  for (const d of ['tools/objtool', 'scripts/basic', 'scripts/mod', 'include/generated']) walk(d, 0);
  return h.digest('hex');
}

function hash(dir: string): string {
  const h = createHash('sha256');
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, r));
      h.update(`${r}\0${st.size}\0${st.mtimeMs}\n`);
      if (st.isDirectory()) walk(r);
    }
  };
  walk('');
  return h.digest('hex');
}

beforeAll(async () => {
  target = await ensureTarget({ abi: TEST_ABI });
  const root = mkdtempSync(join(tmpdir(), 'cdm-o-tree-'));
  srctree = join(root, 'linux');
  objtree = join(root, 'build');
  farm(target.sourceDir, srctree, '');
  for (const g of GENERATED) cpSync(join(target.sourceDir, g), join(objtree, g), { recursive: true, preserveTimestamps: true });
  rethunkOff = join(root, 'build-rethunk-off');
  for (const g of GENERATED) cpSync(join(target.sourceDir, g), join(rethunkOff, g), { recursive: true, preserveTimestamps: true });
  // CONFIG_RETHUNK off where kbuild reads it (.config, auto.conf, autoconf.h), mtimes kept so
  // kbuild sees a configured tree, as if the user had configured it so.
  const edit = (file: string, from: string, to: string) => {
    const p = join(rethunkOff, file);
    const st = statSync(p);
    const text = readFileSync(p, 'utf8');
    expect(text).toContain(from);
    writeFileSync(p, text.replace(from, to));
    utimesSync(p, st.atime, st.mtime);
  };
  edit('.config', 'CONFIG_RETHUNK=y\n', '# CONFIG_RETHUNK is not set\n');
  edit('include/config/auto.conf', 'CONFIG_RETHUNK=y\n', '');
  edit('include/generated/autoconf.h', '#define CONFIG_RETHUNK 1\n', '');
});

afterAll(async () => {
  // The scratch trees are new on every run: so are their mirrors.
  rmSync((await mirrorPaths(srctree, objtree)).root, { recursive: true, force: true });
  rmSync((await mirrorPaths(srctree, rethunkOff)).root, { recursive: true, force: true });
  rmSync(join(srctree, '..'), { recursive: true, force: true });
});

describe('check --build-dir (a tree built with make O=<dir>)', () => {
  it('says where the configuration is when --build-dir is missing (exit 2)', async () => {
    const r = await runCli(['check', '--src', srctree, PATCH]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/has no \.config/);
    expect(r.stderr).toMatch(/--build-dir/);
  });

  it('gives the in-place tree\'s verdict, leaving source and build directory unchanged', async () => {
    const before = [hash(srctree), hash(objtree), realTreeHash(target.sourceDir)];
    const r = await runCli(['check', '--json', '--src', srctree, '--build-dir', objtree, PATCH]);
    expect(r.exitCode, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const inPlace = JSON.parse((await runCli(['check', '--json', '--src', target.sourceDir, PATCH])).stdout);
    expect(report.verdict).toBe('patchable');
    expect(report.changed).toEqual(inPlace.changed);
    expect(report.functions.map((f: { first_difference: unknown }) => f.first_difference)).toEqual(inPlace.functions.map((f: { first_difference: unknown }) => f.first_difference));
    // Nothing written into the farm, the build directory, or through the farm's links.
    expect([hash(srctree), hash(objtree), realTreeHash(target.sourceDir)]).toEqual(before);
  });

  it('a tree configured differently from the running kernel (CONFIG_RETHUNK off) is refused by run-pre matching, naming the function (exit 4)', async () => {
    const [kallsyms, vmlinux] = [await targetKallsyms(target, { kaslr: true }), await targetVmlinux(target)];
    const r = await runCli(['build', '--src', srctree, '--build-dir', rethunkOff, '--kallsyms', kallsyms, '--vmlinux', vmlinux, '--headers', target.headersDir,
      '-o', join(srctree, '..', 'm.ko'), PATCH]);
    expect(r.exitCode, r.stderr).toBe(4);
    // `ret; int3` where the running kernel has `jmp __x86_return_thunk`.
    expect(r.stderr).toMatch(/run-pre: cmdline_proc_show differs from the running kernel at \+0x[0-9a-f]+ \(our build: c3 cc, running: e9 /);
  });
});
