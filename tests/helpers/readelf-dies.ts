// An independent reading of the same DIEs for tests: binutils' `readelf --debug-dump=info`
// output parsed back, to check src/elf/dwarf.ts against on real gcc objects.
import { execa } from 'execa';
import type { DwarfDie } from '../../src/elf/dwarf.js';

export interface ReadelfDie {
  offset: number;
  depth: number;
  tag: string;
  name?: string;
  origin?: number;
  specification?: number;
  lowPcAt?: number;
  ranges?: number;
}

const HEADER = /^ <(\d+)><([0-9a-f]+)>: Abbrev Number: (\d+)(?: \((DW_TAG_\w+)\))?/;
const ATTRIBUTE = /^ {4}<([0-9a-f]+)>\s+(DW_AT_\w+)\s*:\s?(.*)$/;

/** `(strp) (offset: 0x933b): name`, `(string) name`, `(indirect string, offset: 0x12): name`. */
function stringValue(raw: string): string {
  let v = raw;
  const form = /^\(([\w ]+)\)\s*/.exec(v);
  if (form && !form[1]!.includes('offset')) v = v.slice(form[0].length);
  const indirect = /^\((?:indirect (?:line )?string, )?offset: (?:0x[0-9a-f]+|\d+)\):\s*/.exec(v);
  if (indirect) v = v.slice(indirect[0].length);
  return v.trimEnd();
}

export async function readelfDies(object: string): Promise<ReadelfDie[]> {
  const { stdout } = await execa('readelf', ['--debug-dump=info', '--wide', object]);
  const dies: ReadelfDie[] = [];
  let current: ReadelfDie | undefined;
  for (const line of stdout.split('\n')) {
    const h = HEADER.exec(line);
    if (h) {
      current = h[3] === '0' ? undefined : { offset: parseInt(h[2]!, 16), depth: Number(h[1]), tag: h[4] ?? '?' };
      if (current) dies.push(current);
      continue;
    }
    const a = current && ATTRIBUTE.exec(line);
    if (!a || !current) continue;
    const [, at, attr, value] = a as unknown as [string, string, string, string];
    const ref = /<0x([0-9a-f]+)>/.exec(value);
    if (attr === 'DW_AT_name' && current.name === undefined) current.name = stringValue(value);
    else if (attr === 'DW_AT_linkage_name') current.name = stringValue(value);
    else if (attr === 'DW_AT_abstract_origin' && ref) current.origin = parseInt(ref[1]!, 16);
    else if (attr === 'DW_AT_specification' && ref) current.specification = parseInt(ref[1]!, 16);
    else if (attr === 'DW_AT_low_pc') current.lowPcAt = parseInt(at, 16);
    else if (attr === 'DW_AT_ranges') current.ranges = Number(/(?:^|\s|\))(0x[0-9a-f]+|\d+)\b/.exec(value)?.[1]);
  }
  return dies;
}

/** src/elf/dwarf.ts's DIEs in the oracle's shape (tags by name only where the tool cares). */
export function asReadelf(dies: DwarfDie[]): Array<Omit<ReadelfDie, 'tag'> & { tag: number }> {
  return dies.map((d) => {
    const out: Omit<ReadelfDie, 'tag'> & { tag: number } = { offset: d.offset, depth: d.depth, tag: d.tag };
    if (d.name !== undefined) out.name = d.name;
    if (d.origin !== undefined) out.origin = d.origin;
    if (d.specification !== undefined) out.specification = d.specification;
    if (d.lowPcAt !== undefined) out.lowPcAt = d.lowPcAt;
    if (d.ranges !== undefined) out.ranges = d.ranges;
    return out;
  });
}

const TAGS: Record<string, number> = { DW_TAG_subprogram: 0x2e, DW_TAG_inlined_subroutine: 0x1d };

/** Both readings of `object`, in one shape, for toEqual; tags other than the two that matter as -1. */
export async function bothReadings(object: string, dies: DwarfDie[]): Promise<{ ours: unknown[]; readelf: unknown[] }> {
  const norm = (t: number) => (t === 0x2e || t === 0x1d ? t : -1);
  const ours = asReadelf(dies).map((d) => ({ ...d, tag: norm(d.tag) }));
  const theirs = (await readelfDies(object)).map((d) => ({ ...d, tag: TAGS[d.tag] ?? -1 }));
  return { ours, readelf: theirs };
}
