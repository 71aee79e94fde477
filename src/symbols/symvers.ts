// Module.symvers: what vmlinux and the modules export. A reference the patch makes to an
// exported symbol is a normal module relocation; anything else becomes a livepatch relocation.
import { readFile } from 'node:fs/promises';
import { EnvironmentError } from '../common/errors.js';

export interface Export { crc: string; name: string; module: string; license: string; namespace: string }

export function parseSymvers(text: string): Map<string, Export> {
  const out = new Map<string, Export>();
  for (const line of text.split('\n')) {
    const [crc, name, module, license, namespace] = line.split('\t');
    if (!crc || !name || !module) continue;
    out.set(name, { crc, name, module, license: license ?? '', namespace: namespace ?? '' });
  }
  return out;
}

export async function readSymvers(file: string): Promise<Map<string, Export>> {
  try {
    return parseSymvers(await readFile(file, 'utf8'));
  } catch (err) {
    throw new EnvironmentError(`${file}: cannot read Module.symvers (${(err as NodeJS.ErrnoException).code ?? String(err)})`, 'install the kernel headers package (linux-headers-$(uname -r)) or pass --headers');
  }
}
