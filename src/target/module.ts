// Out-of-tree modules against the target's headers: `make -C <headersDir> M=<dir> modules`,
// the way a user builds a module for the running Debian kernel (about 2 s). The headers'
// own .kernelvariables set CC=gcc-12.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { runTool } from '../build/exec.js';
import { EnvironmentError } from '../common/errors.js';
import { jobs } from './prepare.js';

/** Build the Kbuild/Makefile in `dir` as external modules; returns the absolute .ko paths. */
export async function buildExternalModule(headersDir: string, dir: string): Promise<string[]> {
  const abs = path.resolve(dir);
  await runTool('make', ['-C', headersDir, `M=${abs}`, `-j${jobs()}`, 'modules'], { timeout: 30 * 60_000 });
  const kos = (await readdir(abs)).filter((f) => f.endsWith('.ko')).sort().map((f) => path.join(abs, f));
  if (kos.length === 0) throw new EnvironmentError(`make -C ${headersDir} M=${abs} modules built no .ko`);
  return kos;
}
