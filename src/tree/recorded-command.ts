// kbuild's own record of how it built an object: the `.<name>.o.cmd` file fixdep writes
// beside it holds the exact command (`cmd_<obj> := gcc ... ; ./tools/objtool/objtool ...`)
// and every file the compile read (`deps_<obj> := ...`). Running that command again is what
// make would do when only source content changed, without make's seconds of Makefile
// parsing; the dependency list is what an original object's cache key must cover.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'shell-quote';
import { runTool } from '../build/exec.js';

export interface RecordedCommand {
  /** The command text as kbuild recorded it (part of the cache key). */
  text: string;
  /** The command split into argument vectors, run in order (gcc, then objtool). */
  steps: string[][];
  /** Files the compile read, relative to the tree (the source first); config wildcards left out. */
  deps: string[];
}

/** The `.cmd` file kbuild writes for `unit` (fs/proc/cmdline.o → fs/proc/.cmdline.o.cmd). */
export function cmdFile(mirror: string, unit: string): string {
  return path.join(mirror, path.dirname(unit), `.${path.basename(unit)}.cmd`);
}

/**
 * The recorded command for `unit`, or undefined when there is none yet or it uses shell
 * syntax beyond words, quotes and `;` (then make runs it, as always).
 */
export async function readRecordedCommand(mirror: string, unit: string): Promise<RecordedCommand | undefined> {
  let text: string;
  try {
    text = readFileSync(cmdFile(mirror, unit), 'utf8');
  } catch {
    return undefined;
  }
  const cmd = new RegExp(`^(?:saved)?cmd_${escape(unit)} := (.*)$`, 'm').exec(text)?.[1];
  const source = new RegExp(`^source_${escape(unit)} := (\\S+)$`, 'm').exec(text)?.[1];
  const depsText = new RegExp(`^deps_${escape(unit)} := \\\\\\n((?:.*\\\\\\n)*.*)$`, 'm').exec(text)?.[1];
  if (!cmd || !source || depsText === undefined) return undefined;
  const steps = splitCommand(cmd);
  if (!steps) return undefined;
  const deps = [source];
  for (const line of depsText.split('\n')) {
    const word = line.replace(/\\$/, '').trim();
    if (word && !word.startsWith('$(wildcard') && !word.startsWith('$(')) deps.push(word);
  }
  return { text: cmd, steps, deps };
}

/** Words and `;` only: no expansion, redirection, pipes or substitutions. */
export function splitCommand(cmd: string): string[][] | undefined {
  if (/[$`|&<>(){}\n]/.test(cmd.replace(/'[^']*'/g, "''"))) return undefined;
  const steps: string[][] = [[]];
  for (const token of parse(cmd)) {
    if (typeof token === 'string') steps[steps.length - 1]!.push(token);
    else if ('op' in token && token.op === ';') steps.push([]);
    else return undefined;
  }
  const out = steps.filter((s) => s.length > 0);
  // A step must be a program to run, not shell grammar (if/then/fi, for, while, !).
  if (out.some((s) => /^(if|then|else|elif|fi|for|while|until|do|done|case|esac|!|\[\[?|test|\w+=.*)$/.test(s[0]!))) return undefined;
  return out.length > 0 ? out : undefined;
}

/** Run the recorded steps in `mirror`; the compiler's message on failure. */
export async function runRecordedCommand(mirror: string, recorded: RecordedCommand, env: Record<string, string> = {}): Promise<{ ok: true } | { ok: false; output: string }> {
  for (const [cmd, ...args] of recorded.steps) {
    const r = await runTool(cmd!, args, { cwd: mirror, env, allowFailure: true, timeout: 60 * 60_000 });
    if (r.exitCode !== 0) return { ok: false, output: `${r.stderr}\n${r.stdout}` };
  }
  return { ok: true };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
