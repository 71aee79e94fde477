// Which objects this configuration builds, asked of kbuild itself: a small makefile includes
// the tree's auto.conf, Kbuild.include and a directory's Makefile (or Kbuild), and prints
// obj-y/obj-m with composite objects (foo-y, foo-objs) expanded. A directory counts only if
// every parent lists it. (`make fs/proc/nommu.o` compiles happily on an MMU kernel, so a
// successful single-object build proves nothing.) The answer for a directory is kept with the
// content hash of every makefile make read for it (MAKEFILE_LIST: auto.conf, Kbuild.include,
// the directory's Makefile and what that includes), so a later check asks make only when one
// of them changed.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runTool } from '../build/exec.js';

const PRINT_MK = `
srctree := .
objtree := .
src := $(obj)
include include/config/auto.conf
include scripts/Kbuild.include
kbuild-file := $(if $(wildcard $(src)/Kbuild),$(src)/Kbuild,$(src)/Makefile)
include $(kbuild-file)
cdm-expand = $(foreach o,$(1),$(o) $(foreach p,$($(o:.o=-y)) $($(o:.o=-objs)) $($(o:.o=-m)),$(p)))
cdm-print:
\t@echo 'y:' $(call cdm-expand,$(obj-y) $(lib-y) $(subdir-y))
\t@echo 'm:' $(call cdm-expand,$(obj-m) $(subdir-m))
\t@echo 'read:' $(MAKEFILE_LIST)
`;

/** One directory's answer and what it was computed from. */
interface CachedDir { makefiles: Array<[string, string]>; hasKbuild: boolean; builtin: string[]; modular: string[] }

export interface DirObjects { builtin: Set<string>; modular: Set<string> }

export class KbuildIndex {
  private readonly cache = new Map<string, Promise<DirObjects | undefined>>();
  private mk: Promise<string> | undefined;

  private stored: Record<string, CachedDir> | undefined;
  private changed = false;

  /** `cacheFile`: where answers are kept between runs (JSON; absent means ask make every time). */
  constructor(private readonly tree: string, private readonly srcarch = 'x86', private readonly cacheFile?: string) {}

  // The kept answers, the makefiles' digests and Kbuild's presence are read synchronously, like
  // the other small files `check` reads before the compiler starts: a fs/promises read is four
  // trips through libuv's thread pool, ~1 ms each while Node warms up.
  private store(): Record<string, CachedDir> {
    if (!this.stored) {
      try {
        this.stored = this.cacheFile ? (JSON.parse(readFileSync(this.cacheFile, 'utf8')) as Record<string, CachedDir>) : {};
      } catch {
        this.stored = {};
      }
    }
    return this.stored;
  }

  private readonly digests = new Map<string, string | undefined>();

  /** A file's content hash, read once per index (auto.conf is a dependency of every directory). */
  private digest(rel: string): string | undefined {
    if (!this.digests.has(rel)) {
      let sha: string | undefined;
      try {
        sha = createHash('sha256').update(readFileSync(path.join(this.tree, rel))).digest('hex');
      } catch {
        sha = undefined;
      }
      this.digests.set(rel, sha);
    }
    return this.digests.get(rel);
  }

  private exists(rel: string): boolean {
    return existsSync(path.join(this.tree, rel));
  }

  /** The kept answer for `dir` when every makefile it came from is unchanged. */
  private remembered(dir: string): DirObjects | undefined {
    const entry = this.store()[dir];
    if (!entry || entry.hasKbuild !== this.exists(`${dir}/Kbuild`)) return undefined;
    if (entry.makefiles.some(([rel, sha]) => this.digest(rel) !== sha)) return undefined;
    return { builtin: new Set(entry.builtin), modular: new Set(entry.modular) };
  }

  private remember(dir: string, objs: DirObjects, read: string[], printMk: string): void {
    const makefiles: Array<[string, string]> = [];
    for (const f of read) {
      if (f === printMk) continue;
      const rel = path.relative(this.tree, path.resolve(this.tree, f));
      const sha = this.digest(rel);
      if (rel.startsWith('..') || sha === undefined) return; // outside the tree or gone: not kept
      makefiles.push([rel, sha]);
    }
    this.store()[dir] = { makefiles, hasKbuild: this.exists(`${dir}/Kbuild`), builtin: [...objs.builtin], modular: [...objs.modular] };
    this.changed = true;
  }

  private makefile(): Promise<string> {
    this.mk ??= (async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'cdm-kbuild-'));
      const file = path.join(dir, 'print.mk');
      await writeFile(file, PRINT_MK);
      return file;
    })();
    return this.mk;
  }

  /** Remove the helper makefile and keep the answers (written whole, then renamed into place). */
  async dispose(): Promise<void> {
    if (this.mk) await rm(path.dirname(await this.mk), { recursive: true, force: true });
    if (this.cacheFile && this.changed) {
      const tmp = `${this.cacheFile}.tmp-${process.pid}`;
      await writeFile(tmp, JSON.stringify(this.store()));
      await rename(tmp, this.cacheFile);
    }
  }

  private objects(dir: string): Promise<DirObjects | undefined> {
    let p = this.cache.get(dir);
    if (!p) {
      p = (async () => {
        const kept = this.remembered(dir);
        if (kept) return kept;
        const printMk = await this.makefile();
        const r = await runTool('make', ['-s', '--no-print-directory', '-f', printMk, `obj=${dir}`, `SRCARCH=${this.srcarch}`, 'cdm-print'], { cwd: this.tree, allowFailure: true });
        if (r.exitCode !== 0) return undefined;
        const line = (tag: string) => new Set((/^(?:y|m|read): ?(.*)$/m.exec(r.stdout.split('\n').find((l) => l.startsWith(tag)) ?? '')?.[1] ?? '').split(/\s+/).filter(Boolean));
        const objs = { builtin: line('y:'), modular: line('m:') };
        this.remember(dir, objs, [...line('read:')], printMk);
        return objs;
      })();
      this.cache.set(dir, p);
    }
    return p;
  }

  private archExtra: Promise<Set<string>> | undefined;

  /**
   * Directories the arch Makefile adds outside arch/<arch>/Kbuild (`libs-y += arch/x86/lib/`,
   * `drivers-$(CONFIG_PCI) += arch/x86/pci/`), as `<dir>/` relative to arch/<arch>.
   */
  private archDirs(): Promise<Set<string>> {
    this.archExtra ??= (async () => {
      const out = new Set<string>();
      const read = async (rel: string) => {
        try {
          return await readFile(path.join(this.tree, rel), 'utf8');
        } catch {
          return '';
        }
      };
      const config = await read('include/config/auto.conf');
      const on = (option: string) => new RegExp(`^${option}=[ym]$`, 'm').test(config);
      const prefix = `arch/${this.srcarch}/`;
      for (const m of (await read(`${prefix}Makefile`)).matchAll(/^(?:core|drivers|libs)-(?:y|\$\((CONFIG_\w+)\))\s*\+=\s*(.+)$/gm)) {
        if (m[1] && !on(m[1])) continue;
        for (const d of m[2]!.split(/\s+/)) if (d.startsWith(prefix) && d.endsWith('/')) out.add(d.slice(prefix.length));
      }
      return out;
    })();
    return this.archExtra;
  }

  /** 'y', 'm', or undefined when this configuration does not build `unit` (fs/proc/cmdline.o). */
  async built(unit: string): Promise<'y' | 'm' | undefined> {
    const parts = unit.split('/');
    if (parts[0] === 'arch' && parts[1] !== this.srcarch) return undefined;
    // Each directory must be listed by its parent (the top level lists the core directories).
    let mode: 'y' | 'm' = 'y';
    for (let i = 1; i < parts.length - 1; i++) {
      const parent = parts.slice(0, i).join('/');
      if (parent === 'arch') continue;
      const objs = await this.objects(parent);
      if (!objs) return undefined;
      const child = `${parts[i]}/`;
      if (objs.modular.has(child)) mode = 'm';
      else if (!objs.builtin.has(child) && !(parent === `arch/${this.srcarch}` && (await this.archDirs()).has(child))) return undefined;
    }
    const objs = await this.objects(parts.slice(0, -1).join('/'));
    if (!objs) return undefined;
    const name = parts[parts.length - 1]!;
    if (objs.builtin.has(name)) return mode;
    if (objs.modular.has(name)) return 'm';
    return undefined;
  }
}
