// `lint` as a library call: read and apply the patches in memory against the tree (never
// written), analyse the touched files, and build the report.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../common/errors.js';
import { applyToTree, readPatches, treeReader, type FilePatch, type TreeReader } from '../patch/index.js';
import { analyzeChanges } from './analyze.js';
import { estimateIncludingTus } from './headers.js';
import { KINDS } from './kinds.js';
import { buildReport, type LintReport } from './report.js';

export interface LintOptions {
  /** The kernel source tree (default: the current directory). */
  src?: string;
  /** Finding kinds to waive. */
  allow?: string[];
  /** -p level (default 1). */
  strip?: number;
  /** Estimate TUs including a changed header (default true; builds a cached index once). */
  tuCounts?: boolean;
  /** Where the original side comes from (a git base commit); default: the tree's files. */
  readOriginal?: TreeReader;
}

export async function checkTree(src: string): Promise<string> {
  const root = path.resolve(src);
  try {
    if (!(await stat(root)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new InputError(`source tree ${src} does not exist or is not a directory`, 'pass --src <kernel tree>');
  }
  try {
    await stat(path.join(root, 'Makefile'));
  } catch {
    throw new InputError(`${src} does not look like a kernel source tree (no Makefile)`, 'pass --src <kernel tree>');
  }
  return root;
}

export function checkAllow(allow: string[]): void {
  for (const k of allow) {
    if (!(k in KINDS)) throw new InputError(`--allow ${k}: no such finding kind`, `kinds: ${Object.keys(KINDS).join(', ')}`);
  }
}

export async function lintFilePatches(patches: FilePatch[], opts: LintOptions = {}): Promise<LintReport> {
  const root = await checkTree(opts.src ?? '.');
  checkAllow(opts.allow ?? []);
  const applied = await applyToTree(patches, opts.readOriginal ?? treeReader(root));
  const analysis = await analyzeChanges(applied.files, {
    tuEstimate: opts.tuCounts === false ? undefined : (h) => estimateIncludingTus(root, h),
  });
  return buildReport(analysis, { allow: opts.allow, notes: applied.notes });
}

export async function lintPatchFiles(names: string[], opts: LintOptions = {}): Promise<LintReport> {
  const inputs = await readPatches(names, { strip: opts.strip });
  return lintFilePatches(inputs.flatMap((i) => i.files), opts);
}
