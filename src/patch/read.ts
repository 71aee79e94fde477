// Read patch files named on the command line ('-' is stdin) and parse them, in order.
import { readFileSync } from 'node:fs';
import { InputError } from '../common/errors.js';
import { parsePatchText, type FilePatch } from './parse.js';

export interface PatchInput {
  name: string;
  files: FilePatch[];
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function readPatches(names: string[], opts: { strip?: number } = {}): Promise<PatchInput[]> {
  if (names.length === 0) throw new InputError('no patch given', 'name one or more patch files (or - for standard input)');
  const out: PatchInput[] = [];
  for (const name of names) {
    let text: string;
    try {
      text = name === '-' ? await readStdin() : readFileSync(name, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new InputError(`cannot read patch ${name}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message}`);
    }
    out.push({ name, files: parsePatchText(text, { strip: opts.strip, source: name === '-' ? '<stdin>' : name }) });
  }
  return out;
}
