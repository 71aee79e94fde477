// `diff-objects <orig.o> <patched.o>`: which functions a live patch must replace or add, and
// what it cannot patch.
import { diffObjects, type ObjectDiff } from '../diff/index.js';
import { ExitCode } from '../common/errors.js';
import { toJson, type Output } from './output.js';

export const DIFF_SCHEMA = 'create-diff-module/diff-objects@0';

export function exitCodeFor(diff: ObjectDiff): number {
  return diff.verdict === 'patchable' ? ExitCode.ok : diff.verdict === 'not-patchable' ? ExitCode.notPatchable : ExitCode.noChange;
}

export async function diffObjectsCommand(orig: string, patched: string, opts: { json?: boolean }, io: Output): Promise<number> {
  const diff = await diffObjects(orig, patched);
  if (opts.json) {
    io.out(toJson({ schema: DIFF_SCHEMA, ...diff }));
    return exitCodeFor(diff);
  }
  io.out(formatDiff(diff));
  return exitCodeFor(diff);
}

export function formatDiff(diff: ObjectDiff): string {
  const lines = [`verdict: ${diff.verdict}`];
  for (const f of diff.functions) {
    let line = `  ${f.status.padEnd(8)} ${f.name}`;
    if (f.patchedName) line += ` (now ${f.patchedName})`;
    if (f.cause === 'inlined') line += `  [changed because ${f.callees!.join(', ')} ${f.callees!.length > 1 ? 'were' : 'was'} inlined into it]`;
    if (f.replacedVia) line += `  [no fentry: carried, and replaced through its callers ${f.replacedVia.join(', ')}]`;
    if (f.cause === 'reference' && f.callees) line += `  [replaced because it calls ${f.callees.join(', ')}]`;
    if (f.fragments?.length) line += `  [fragments: ${f.fragments.join(', ')}]`;
    if (f.firstDifference && f.status === 'changed' && f.cause !== 'reference') line += `  first difference at +0x${f.firstDifference.offset.toString(16)}: ${f.firstDifference.what}`;
    lines.push(line);
  }
  for (const d of diff.data) lines.push(`  data ${d.status.padEnd(8)} ${d.name} (${d.section})${d.carried ? ' carried as a new copy' : ''}`);
  for (const p of diff.problems) lines.push(`  ${p.severity === 'info' ? 'note' : 'problem'}: [${p.kind}] ${p.message}`);
  return lines.join('\n');
}
