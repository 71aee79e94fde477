// Parses `readelf -S -s -r --wide` so tests can compare the ELF model with binutils.
import { execa } from 'execa';

export interface ReadelfSection { index: number; name: string; type: string; size: number; entsize: number; flags: string; link: number; info: number; align: number }
export interface ReadelfSymbol { index: number; value: string; size: number; type: string; bind: string; vis: string; ndx: string; name: string }
export interface ReadelfReloc { offset: string; type: string; symbol: string; addend: string }
export interface ReadelfView {
  sections: ReadelfSection[];
  symbols: ReadelfSymbol[];
  /** Undefined when not asked for (readelf -r is slow on objects with 100,000 sections). */
  relocations?: Map<string, ReadelfReloc[]>;
  stderr: string;
}

const num = (s: string) => (s.startsWith('0x') ? parseInt(s, 16) : parseInt(s, 10));

export async function readelf(path: string, opts: { relocations?: boolean } = {}): Promise<ReadelfView> {
  const withRelocations = opts.relocations ?? true;
  const { stdout, stderr } = await execa('readelf', ['-S', '-s', ...(withRelocations ? ['-r'] : []), '--wide', path]);
  const sections: ReadelfSection[] = [];
  const symbols: ReadelfSymbol[] = [];
  const relocations = new Map<string, ReadelfReloc[]>();
  let current: ReadelfReloc[] | undefined;
  for (const line of stdout.split('\n')) {
    let m = /^\s*\[\s*(\d+)\] (\S*)\s+(\S+(?: SECTION INDICES)?)\s+([0-9a-f]{16}) ([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)\s+([A-Za-z]*)\s+(\d+)\s+(\d+)\s+(\d+)$/.exec(line);
    if (m) {
      sections.push({
        index: +m[1]!, name: m[2]!, type: m[3]!, size: parseInt(m[6]!, 16), entsize: parseInt(m[7]!, 16),
        flags: m[8]!, link: +m[9]!, info: +m[10]!, align: +m[11]!,
      });
      continue;
    }
    m = /^\s*(\d+): ([0-9a-f]{16})\s+(\S+) (\S+)\s+(\S+)\s+(\S+)(?: \[[^\]]*\])?\s+(\S+) ?(.*)$/.exec(line);
    if (m) {
      symbols.push({ index: +m[1]!, value: m[2]!, size: num(m[3]!), type: m[4]!, bind: m[5]!, vis: m[6]!, ndx: m[7]!, name: m[8]! });
      continue;
    }
    m = /^Relocation section '([^']*)'/.exec(line);
    if (m) {
      current = [];
      relocations.set(m[1]!, current);
      continue;
    }
    m = /^([0-9a-f]{16})\s+([0-9a-f]{16}) (\S+)\s+(?:([0-9a-f]{16}) (.*) ([+-]) ([0-9a-f]+)|\s*([0-9a-f]+))$/.exec(line);
    if (m && current) {
      const addend = m[6] ? `${m[6] === '-' ? '-' : ''}0x${BigInt('0x' + m[7]).toString(16)}` : `0x${BigInt('0x' + m[8]).toString(16)}`;
      current.push({ offset: `0x${BigInt('0x' + m[1]).toString(16)}`, type: m[3]!, symbol: m[5] ?? '', addend });
    }
  }
  return { sections, symbols, relocations: withRelocations ? relocations : undefined, stderr };
}
