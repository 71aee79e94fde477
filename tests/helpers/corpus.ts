// The ELF test corpus: testdata/elf sources compiled at test time for each architecture
// whose compiler is installed. Nothing binary is checked in.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { execa } from 'execa';

export const ELF_TESTDATA = new URL('../../testdata/elf/', import.meta.url).pathname;

export interface Variant {
  name: string;
  /** Tool prefix for gcc, ld, objdump ('' for the native x86_64 tools). */
  prefix: string;
  flags: string[];
}

const common = ['-O2', '-c', '-ffunction-sections', '-fdata-sections', '-g'];
export const VARIANTS: Variant[] = [
  { name: 'x86_64', prefix: '', flags: common },
  { name: 'x86_64-fentry', prefix: '', flags: [...common, '-pg', '-mfentry', '-mrecord-mcount', '-fno-pic', '-mcmodel=kernel'] },
  { name: 'aarch64', prefix: 'aarch64-linux-gnu-', flags: [...common, '-fpatchable-function-entry=2'] },
  { name: 'ppc64le', prefix: 'powerpc64le-linux-gnu-', flags: [...common, '-pg', '-mprofile-kernel'] },
  { name: 's390x', prefix: 's390x-linux-gnu-', flags: [...common, '-pg', '-mfentry', '-mrecord-mcount', '-mnop-mcount'] },
];

export async function haveCompiler(prefix: string): Promise<boolean> {
  const r = await execa(`${prefix}gcc`, ['--version'], { reject: false });
  return r.exitCode === 0;
}

export interface CorpusObject {
  variant: Variant;
  source: string;
  path: string;
}

/** Compiles every testdata/elf source for every variant whose compiler exists. */
export async function buildCorpus(options: { requireAll?: boolean } = {}): Promise<CorpusObject[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cdm-elf-corpus-'));
  const sources = readdirSync(ELF_TESTDATA).filter((f) => f.endsWith('.c'));
  const jobs: Array<Promise<CorpusObject>> = [];
  for (const variant of VARIANTS) {
    if (!(await haveCompiler(variant.prefix))) {
      if (options.requireAll) throw new Error(`${variant.prefix}gcc is not installed (toolchain/install-deps.sh installs it)`);
      continue;
    }
    for (const source of sources) {
      const path = join(dir, `${variant.name}-${basename(source, '.c')}.o`);
      jobs.push(execa(`${variant.prefix}gcc`, [...variant.flags, join(ELF_TESTDATA, source), '-o', path]).then(() => ({ variant, source, path })));
    }
  }
  const cxx = join(dir, 'x86_64-comdat.o');
  jobs.push(execa('g++', ['-O0', '-c', '-ffunction-sections', '-g', join(ELF_TESTDATA, 'comdat.cc'), '-o', cxx]).then(() => ({ variant: VARIANTS[0]!, source: 'comdat.cc', path: cxx })));
  return Promise.all(jobs);
}
