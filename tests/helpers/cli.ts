// Runs the built CLI as a user would: `node bin/create-diff-module.js ...` (npm test builds first).
import { execa } from 'execa';

export const CLI = new URL('../../bin/create-diff-module.js', import.meta.url).pathname;

export async function runCli(args: string[], opts: { cwd?: string } = {}) {
  const r = await execa('node', [CLI, ...args], { reject: false, cwd: opts.cwd, env: { NO_COLOR: '1' }, stdin: 'ignore' });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
