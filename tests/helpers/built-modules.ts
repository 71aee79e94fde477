// QEMU-tier fixture: `build` a list of patches into livepatch modules for the Debian target
// (kallsyms from a KASLR boot, run-pre against its vmlinux) before the file's tests, in a
// scratch directory removed after them.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { ensureTarget, targetKallsyms, targetVmlinux, TEST_ABI, type KernelTarget } from '../../src/target/index.js';
import { runCli } from './cli.js';

export const log = (line: string) => console.log(`[target] ${line}`);

export interface ModuleToBuild {
  name: string;
  /** Path of the patch. */
  patch: string;
  replace?: boolean;
}

export interface BuiltModules {
  target: KernelTarget;
  dir: string;
  /** `build --json` output per module name. */
  json: Map<string, unknown>;
  ko: (name: string) => string;
}

export function builtModules(prefix: string, modules: ModuleToBuild[]): BuiltModules {
  const built: BuiltModules = { target: undefined as unknown as KernelTarget, dir: '', json: new Map(), ko: (name) => path.join(built.dir, `${name}.ko`) };
  beforeAll(async () => {
    built.target = await ensureTarget({ abi: TEST_ABI, log });
    built.dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    const kallsyms = await targetKallsyms(built.target, { kaslr: true, log });
    const vmlinux = await targetVmlinux(built.target);
    for (const m of modules) {
      const r = await runCli(['build', '--json', '--src', built.target.sourceDir, '--kallsyms', kallsyms, '--vmlinux', vmlinux, '--headers', built.target.headersDir,
        '--name', m.name, '-o', built.ko(m.name), ...(m.replace ? ['--replace'] : []), m.patch]);
      expect(r.exitCode, `${m.name}: ${r.stderr}`).toBe(0);
      built.json.set(m.name, JSON.parse(r.stdout));
    }
  });
  afterAll(() => {
    if (built.dir) rmSync(built.dir, { recursive: true, force: true });
  });
  return built;
}
