// The compiler command kbuild gets as CC: the tree's configured compiler, or `--cc` with an
// optional launcher prefix (`ccache gcc-12`, `distcc gcc-12`, `icecc gcc-12`). The launcher's
// own environment (DISTCC_HOSTS, CCACHE_DIR, ...) passes through untouched. What kbuild sees as
// `$(CC) --version` must stay CONFIG_CC_VERSION_TEXT, or it re-runs syncconfig and rewrites the
// (mirror's) .config: distcc rewrites `gcc-12` to its target-triplet name unless
// DISTCC_NO_REWRITE_CROSS=1, which is therefore set for distcc. Since a remote compiler cannot be
// asked anything from here, every object's .comment (the gcc that produced it) is checked too.
import { readSectionBytes } from '../elf/index.js';
import { runTool } from '../build/exec.js';
import { EnvironmentError, InputError } from '../common/errors.js';
import type { RecordedCommand } from './recorded-command.js';

export interface CompilerCommand {
  /** CC as kbuild gets it: launcher words, then the compiler. */
  words: string[];
  /** The real compiler (the last word). */
  compiler: string;
  launcher: string[];
  /** Set for make and recorded commands on top of the inherited environment. */
  env: Record<string, string>;
  /** A launcher that compiles on other machines (more parallel jobs pay off). */
  distributed: boolean;
}

const KNOWN_LAUNCHERS = /^(ccache|sccache|distcc|icecc|pump)$/;

export function compilerCommand(cc: string | undefined, configured: string): CompilerCommand {
  const words = (cc ?? configured).trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) throw new InputError('--cc is empty', 'give a compiler, optionally after a launcher: --cc "distcc gcc-12"');
  for (const w of words) if (/[;&|`$<>()'"\\]/.test(w)) throw new InputError(`--cc ${cc}: ${w} is not a plain word`, 'give a launcher and a compiler name or path, nothing for a shell');
  const compiler = words[words.length - 1]!;
  const launcher = words.slice(0, -1);
  const base = (w: string) => w.split('/').pop()!;
  const unknown = launcher.find((w) => !KNOWN_LAUNCHERS.test(base(w)) && !w.startsWith('-'));
  if (unknown) throw new InputError(`--cc ${cc}: ${unknown} is not a known compiler launcher`, 'known: ccache, sccache, distcc, icecc (e.g. --cc "ccache gcc-12")');
  const distcc = launcher.some((w) => base(w) === 'distcc' || base(w) === 'pump');
  return {
    words, compiler, launcher,
    env: distcc ? { DISTCC_NO_REWRITE_CROSS: '1' } : {},
    distributed: distcc || launcher.some((w) => base(w) === 'icecc'),
  };
}

/** `$(CC) --version` through the launcher must be the configured text, as kbuild compares it. */
export async function checkLauncherVersion(cmd: CompilerCommand, versionText: string): Promise<void> {
  if (cmd.launcher.length === 0) return;
  const r = await runTool(cmd.words[0]!, [...cmd.words.slice(1), '--version'], { env: cmd.env, allowFailure: true, timeout: 120_000 });
  const first = r.stdout.split('\n')[0]!.trim();
  if (r.exitCode !== 0 || first !== versionText) {
    throw new EnvironmentError(
      `${cmd.words.join(' ')} --version says "${first || r.stderr.trim().split('\n')[0]}" but the tree was configured with "${versionText}": kbuild would re-run syncconfig and rebuild everything with another configuration`,
      'use a launcher that keeps the compiler name (distcc does with DISTCC_NO_REWRITE_CROSS=1, which is set for it), or name the compiler as the tree does',
    );
  }
}

/** kbuild's recorded command with its compiler words replaced by `cmd` (the launcher in front). */
export function withCompiler(recorded: RecordedCommand, cmd: CompilerCommand, configured: string): RecordedCommand {
  const [first, ...rest] = recorded.steps;
  const at = first!.findIndex((w) => w === configured || w === cmd.compiler);
  if (at < 0) return recorded;
  return { ...recorded, steps: [[...cmd.words, ...first!.slice(at + 1)], ...rest] };
}

/** The gcc an object says built it (.comment), checked against the configured version text. */
export async function checkObjectCompiler(object: string, unit: string, versionText: string, cmd: CompilerCommand): Promise<void> {
  const comment = await readSectionBytes(object, '.comment');
  if (!comment) return;
  const text = Buffer.from(comment).toString('latin1').split('\0').filter(Boolean);
  const want = `GCC: ${versionText.replace(/^\S+\s+/, '')}`;
  const gcc = text.filter((t) => t.startsWith('GCC: '));
  if (gcc.length && !gcc.includes(want)) {
    const via = cmd.launcher.length ? ` (compiled through ${cmd.launcher.join(' ')}${process.env.DISTCC_HOSTS ? `, DISTCC_HOSTS=${process.env.DISTCC_HOSTS}` : ''})` : '';
    throw new EnvironmentError(`${unit} was built by "${gcc[0]}", not "${want}"${via}: an object from another compiler version does not match the running kernel`, 'make every build host run the same compiler version as the tree\'s CONFIG_CC_VERSION_TEXT');
  }
}
