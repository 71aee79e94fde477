// Every external program (gcc, make, objdump, readelf, apt-get, qemu) runs through here:
// argument arrays only, output captured, failures turned into errors that name the command.
import { execa, type Options } from 'execa';
import { EnvironmentError } from '../common/errors.js';
import { traced } from '../common/trace.js';

export interface ToolResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Milliseconds; the process is killed (SIGKILL after SIGTERM) when it runs longer. */
  timeout?: number;
  input?: string;
  /** Return a non-zero exit instead of throwing. */
  allowFailure?: boolean;
  /** Binary stdout (objcopy -O binary and the like). */
  encoding?: 'utf8' | 'buffer';
}

/** Quote a command for messages only; it is never handed to a shell. */
export function describeCommand(cmd: string, args: readonly string[]): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return [cmd, ...args].map(quote).join(' ');
}

const tail = (text: string, lines = 20) => text.trimEnd().split('\n').slice(-lines).join('\n');

export async function runTool(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<ToolResult> {
  const execaOpts: Options = {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: true,
    timeout: opts.timeout,
    forceKillAfterDelay: 5000,
    input: opts.input,
    stdin: opts.input === undefined ? 'ignore' : undefined,
    reject: false,
    stripFinalNewline: false,
    maxBuffer: 1024 * 1024 * 1024,
  };
  const result = await traced(`run ${cmd} ${args.slice(0, 3).join(' ')}`, () => execa(cmd, args, execaOpts));
  const command = describeCommand(cmd, args);
  if (result.failed && (result as { code?: string }).code === 'ENOENT') {
    throw new EnvironmentError(`${cmd}: command not found (running: ${command})`, `install ${cmd} (see README "Install")`);
  }
  if (result.timedOut) {
    throw new EnvironmentError(`${command}: timed out after ${opts.timeout} ms`);
  }
  const stdout = String(result.stdout ?? '');
  const stderr = String(result.stderr ?? '');
  const exitCode = result.exitCode ?? -1;
  if (exitCode !== 0 && !opts.allowFailure) {
    const why = result.signal ? `killed by ${result.signal}` : `exit ${exitCode}`;
    const output = tail(stderr || stdout);
    throw new EnvironmentError(`${command}: failed (${why})${output ? `\n${output}` : ''}`);
  }
  return { stdout, stderr, exitCode };
}

/** Raw bytes of a command's standard output. */
export async function runToolBuffer(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<Uint8Array> {
  const result = await traced(`run ${cmd} ${args.slice(0, 3).join(' ')}`, () => execa(cmd, args, {
    cwd: opts.cwd, env: opts.env, timeout: opts.timeout, reject: false, encoding: 'buffer', stdin: 'ignore',
    maxBuffer: 1024 * 1024 * 1024,
  }));
  if (result.failed && (result as { code?: string }).code === 'ENOENT') {
    throw new EnvironmentError(`${cmd}: command not found`, `install ${cmd} (see README "Install")`);
  }
  if (result.exitCode !== 0) {
    throw new EnvironmentError(`${describeCommand(cmd, args)}: failed (exit ${result.exitCode})\n${tail(Buffer.from(result.stderr as Uint8Array).toString())}`);
  }
  return result.stdout as Uint8Array;
}

/** True when `cmd` can be started (used for optional cross compilers). */
export async function haveTool(cmd: string): Promise<boolean> {
  const result = await execa(cmd, ['--version'], { reject: false, stdin: 'ignore' });
  return !(result.failed && (result as { code?: string }).code === 'ENOENT');
}
