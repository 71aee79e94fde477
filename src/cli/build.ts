// `build`: everything `check` does, then the patch object and the livepatch module.
import { copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CdmError, ExitCode, InputError } from '../common/errors.js';
import { writeElf } from '../elf/index.js';
import { linkPatchObject } from '../link/index.js';
import { buildModule } from '../module/index.js';
import { readKallsyms, readSymvers, type Export, type Kallsyms } from '../symbols/index.js';
import { checkTree } from '../tree/index.js';
import { checkRecord } from './check.js';
import { toJson, type Output } from './output.js';

export interface BuildOptions {
  src: string;
  kallsyms: string;
  headers?: string;
  name?: string;
  output?: string;
  replace?: boolean;
  keepObject?: boolean;
  config?: string;
  json?: boolean;
  jobs?: string;
  skipCompilerCheck?: boolean;
}

const defaultHeaders = () => `/usr/src/linux-headers-${process.env.CDM_KERNEL_RELEASE ?? ''}`;

export async function buildCommand(patches: string[], opts: BuildOptions, io: Output): Promise<number> {
  const quiet = opts.json || process.env.CI === 'true' || !process.stderr.isTTY;
  const log = quiet ? undefined : (line: string) => io.err(line);
  const name = opts.name ?? `livepatch_${path.basename(patches[0] ?? 'patch').replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 55);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new InputError(`--name ${name}: a module name is letters, digits and _`);
  const headers = opts.headers ?? defaultHeaders();
  const kallsyms = await readKallsyms(opts.kallsyms);
  const exports = await readSymvers(path.join(headers, 'Module.symvers'));
  const work = await mkdtemp(path.join(tmpdir(), 'cdm-build-'));
  try {
    return await buildIn(work, name, headers, kallsyms, exports, patches, opts, io, log);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function buildIn(work: string, name: string, headers: string, kallsyms: Kallsyms, exports: Map<string, Export>, patches: string[], opts: BuildOptions, io: Output, log?: (l: string) => void): Promise<number> {
  const report = await checkTree({ src: opts.src, patches, config: opts.config, jobs: opts.jobs ? Number(opts.jobs) : undefined, skipCompilerCheck: opts.skipCompilerCheck, log, keepObjects: path.join(work, 'objects') });
  const record = checkRecord(report);
  if (report.verdict !== 'patchable') {
    if (opts.json) io.out(toJson(record));
    else io.err(`create-diff-module: ${report.verdict === 'no-change' ? 'nothing to patch' : 'not live-patchable'}: ${record.findings.filter((f) => f.severity === 'block').map((f) => `[${f.kind}] ${f.message}`).join('; ') || 'no function changes'}`);
    return report.verdict === 'no-change' ? ExitCode.noChange : ExitCode.notPatchable;
  }
  const units = report.units.filter((u) => u.verdict === 'patchable');
  if (units.length !== 1) throw new CdmError(ExitCode.environment, `the patch changes ${units.length} translation units; build handles one per module for now`, 'split the patch per file');
  const unit = units[0]!;
  if (unit.object !== 'vmlinux') throw new CdmError(ExitCode.environment, `${unit.path} belongs to the module ${unit.object}; build patches vmlinux code only for now`);
  const { elf, plan } = await linkPatchObject({ patched: unit.objects!.patched, diff: unit.diff!, object: unit.object, kallsyms, exports });
  {
    const patchObject = path.join(work, `${name}-patch.o`);
    await writeFile(patchObject, writeElf(elf));
    const out = path.resolve(opts.output ?? `${name}.ko`);
    const ko = await buildModule({ headersDir: headers, name, patchObject, plan, replace: opts.replace ?? false, outDir: work });
    // Into place under a temporary name, then renamed: never a half-written module.
    await mkdir(path.dirname(out), { recursive: true });
    await copyFile(ko, `${out}.tmp-${process.pid}`);
    await rename(`${out}.tmp-${process.pid}`, out);
    if (opts.keepObject) await copyFile(patchObject, out.replace(/\.ko$/, '') + '-patch.o');
    const result = { ...record, module: out, name, plan, verification: 'none: run-pre matching against vmlinux is not implemented yet; nothing proved that this build matches the running kernel' };
    if (opts.json) io.out(toJson(result));
    else io.out(`${out}: livepatch module ${name} replacing ${plan.functions.map((f) => f.old_name).join(', ')}${plan.placeholders.length ? `; ${plan.placeholders.length} livepatch relocation(s)` : ''}\nnote: ${result.verification}`);
    return ExitCode.ok;
  }
}
