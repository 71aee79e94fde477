// Compares `inspect --json` output with readelf's view of the same file; returns the
// differences as readable lines (empty when they agree).
import type { inspectReport } from '../../src/cli/inspect.js';
import type { ReadelfView } from './readelf.js';

type Report = ReturnType<typeof inspectReport>;

export function compareWithReadelf(report: Report, view: ReadelfView): string[] {
  const diffs: string[] = [];
  const cmp = (what: string, ours: unknown, theirs: unknown) => {
    if (ours !== theirs) diffs.push(`${what}: ours ${JSON.stringify(ours)}, readelf ${JSON.stringify(theirs)}`);
  };
  cmp('section count', report.sections.length, view.sections.length);
  for (const s of view.sections) {
    const o = report.sections[s.index];
    if (!o) continue;
    const at = `section [${s.index}] ${s.name}`;
    cmp(`${at} name`, o.name, s.name);
    cmp(`${at} type`, o.type, s.type);
    cmp(`${at} flags`, o.flags, s.flags);
    cmp(`${at} size`, o.size, s.size);
    cmp(`${at} entsize`, o.entsize, s.entsize);
    cmp(`${at} link`, o.link, s.link);
    cmp(`${at} info`, o.info, s.info);
    cmp(`${at} addralign`, o.addralign, s.align);
  }
  cmp('symbol count', report.symbols.length, view.symbols.length);
  for (const s of view.symbols) {
    const o = report.symbols[s.index];
    if (!o) continue;
    const at = `symbol ${s.index} ${s.name}`;
    const name = o.type === 'SECTION' && o.name === '' ? (o.section ?? '') : o.name;
    cmp(`${at} name`, name, s.name);
    cmp(`${at} value`, BigInt(o.value), BigInt('0x' + s.value));
    cmp(`${at} size`, o.size, s.size);
    cmp(`${at} type`, o.type, s.type);
    cmp(`${at} bind`, o.bind, s.bind);
    cmp(`${at} visibility`, o.visibility, s.vis);
    cmp(`${at} section index`, o.shndx, s.ndx);
  }
  if (!view.relocations) return diffs;
  const ours = new Map(report.relocations.map((r) => [r.section, r.entries]));
  cmp('relocation section count', ours.size, view.relocations.size);
  for (const [section, entries] of view.relocations) {
    const o = ours.get(section);
    if (!o) {
      diffs.push(`relocation section ${section}: missing`);
      continue;
    }
    cmp(`${section} entry count`, o.length, entries.length);
    entries.forEach((e, i) => {
      const x = o[i];
      if (!x) return;
      const at = `${section}[${i}]`;
      cmp(`${at} offset`, x.offset, e.offset);
      cmp(`${at} type`, x.type, e.type);
      cmp(`${at} symbol`, x.symbolName, e.symbol);
      cmp(`${at} addend`, x.addend, e.addend);
    });
  }
  return diffs;
}
