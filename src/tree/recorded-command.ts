// kbuild's own record of how it built an object: the `.<name>.o.cmd` file fixdep writes
// beside it holds the exact command (`cmd_<obj> := gcc ... ; ./tools/objtool/objtool ...`)
// and every file the compile read (`deps_<obj> := ...`). Running that command again is what
// make would do when only source content changed, without make's seconds of Makefile
// parsing; the dependency list is what an original object's cache key must cover.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
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
    text = await readFile(cmdFile(mirror, unit), 'utf8');
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

/** Words and `;` only: no expansion, redirection, pipes, substitutions, globs or comments. */
export function splitCommand(cmd: string): string[][] | undefined {
  if (/[$`|&<>(){}\n]/.test(cmd.replace(/'[^']*'/g, "''"))) return undefined;
  const out = shellWords(cmd)?.filter((s) => s.length > 0);
  if (!out?.length) return undefined;
  // A step must be a program to run, not shell grammar (if/then/fi, for, while, !).
  if (out.some((s) => /^(if|then|else|elif|fi|for|while|until|do|done|case|esac|!|\[\[?|test|\w+=.*)$/.test(s[0]!))) return undefined;
  return out;
}

/**
 * sh's word splitting of a command already known to hold no expansion: blanks separate words,
 * `;` steps, quotes and backslashes as sh reads them. Undefined for what sh would expand or
 * skip (an unquoted glob character, a comment). Written out rather than a general shell
 * parser's: this runs before every patched compile, and such a parser (shell-quote) took 2 ms
 * on kbuild's 2 KB gcc command line.
 */
const PLAIN = /[^ \t;'"\\*?[]+/y;

function shellWords(cmd: string): string[][] | undefined {
  const steps: string[][] = [[]];
  let word: string | undefined;
  const end = () => {
    if (word !== undefined) steps[steps.length - 1]!.push(word);
    word = undefined;
  };
  for (let i = 0; i < cmd.length; i++) {
    const ch = cmd[i]!;
    if (ch === ' ' || ch === '\t') {
      end();
    } else if (ch === ';') {
      end();
      steps.push([]);
    } else if (ch === "'") {
      const close = cmd.indexOf("'", i + 1);
      if (close < 0) return undefined;
      word = (word ?? '') + cmd.slice(i + 1, close);
      i = close;
    } else if (ch === '"') {
      let text = '';
      for (i++; i < cmd.length && cmd[i] !== '"'; i++) {
        // Inside double quotes a backslash escapes only these; before anything else it stays.
        if (cmd[i] === '\\' && i + 1 < cmd.length && '"\\$`'.includes(cmd[i + 1]!)) i++;
        text += cmd[i];
      }
      if (i >= cmd.length) return undefined;
      word = (word ?? '') + text;
    } else if (ch === '\\') {
      if (i + 1 >= cmd.length) return undefined;
      word = (word ?? '') + cmd[++i];
    } else if ('*?['.includes(ch) || (ch === '#' && word === undefined)) {
      return undefined;
    } else {
      // A run of ordinary characters at once (kbuild's words are mostly that).
      PLAIN.lastIndex = i;
      const run = PLAIN.exec(cmd)![0];
      word = (word ?? '') + run;
      i += run.length - 1;
    }
  }
  end();
  return steps;
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
