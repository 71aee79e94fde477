// `inspect <object>`: a focused readelf over the ELF model: sections, symbols, relocations.
import {
  hex, machineName, readElfFile, relocationName, relocationTargetName, sectionFlagLetters,
  sectionTypeName, symbolBindName, symbolSectionIndex, symbolTypeName, visibilityName,
  type ElfObject,
} from '../elf/index.js';
import { toJson, type Output } from './output.js';

export const INSPECT_SCHEMA = 'create-diff-module/inspect@0';

export function inspectReport(file: string, obj: ElfObject) {
  const { header } = obj;
  return {
    schema: INSPECT_SCHEMA,
    file,
    header: {
      class: 'ELF64', endian: header.endian, machine: header.machine, machineName: machineName(header.machine),
      type: 'REL', osabi: header.osabi, flags: hex(BigInt(header.flags)),
    },
    sections: obj.sections.map((s) => ({
      index: s.index, name: s.name, type: sectionTypeName(s.type), flags: sectionFlagLetters(s.flags),
      addr: hex(s.addr), offset: hex(s.offset), size: Number(s.size), link: s.link, info: s.info,
      addralign: Number(s.addralign), entsize: Number(s.entsize),
    })),
    symbols: obj.symbols.map((sym) => ({
      index: sym.index, name: sym.name, value: hex(sym.value), size: Number(sym.size),
      type: symbolTypeName(sym.type), bind: symbolBindName(sym.bind), visibility: visibilityName(sym.visibility),
      shndx: symbolSectionIndex(sym), section: !sym.special && sym.shndx ? obj.sections[sym.shndx]!.name : null,
    })),
    relocations: obj.relocations.map((rs) => ({
      section: obj.sections[rs.section]!.name, target: obj.sections[rs.target]!.name, rela: rs.rela,
      entries: rs.entries.map((e) => ({
        offset: hex(e.offset), type: relocationName(obj, e), typeNumber: e.type, symbol: e.symbol,
        symbolName: relocationTargetName(obj, e), addend: hex(e.addend),
      })),
    })),
    groups: obj.groups.map((g) => ({
      section: obj.sections[g.section]!.name, comdat: (g.flags & 1) === 1,
      members: g.members.map((m) => obj.sections[m]!.name),
    })),
  };
}

export async function inspectCommand(file: string, opts: { json?: boolean }, io: Output): Promise<number> {
  const obj = await readElfFile(file);
  const report = inspectReport(file, obj);
  if (opts.json) {
    io.out(toJson(report));
    return 0;
  }
  const lines: string[] = [];
  const h = report.header;
  lines.push(`${file}: ELF64 ${h.endian}-endian relocatable, ${h.machineName}`);
  lines.push('', `Sections (${report.sections.length}):`, '  [Nr] Name                          Type          Flags  Size      Align Link Info');
  for (const s of report.sections) {
    lines.push(`  [${String(s.index).padStart(2)}] ${s.name.padEnd(29)} ${s.type.padEnd(13)} ${s.flags.padEnd(6)} ${String(s.size).padStart(8)} ${String(s.addralign).padStart(6)} ${String(s.link).padStart(4)} ${String(s.info).padStart(4)}`);
  }
  lines.push('', `Symbols (${report.symbols.length}):`, '  Num    Value              Size Type    Bind   Vis       Ndx  Name');
  for (const s of report.symbols) {
    lines.push(`  ${String(s.index).padStart(5)}: ${s.value.padStart(18)} ${String(s.size).padStart(5)} ${s.type.padEnd(7)} ${s.bind.padEnd(6)} ${s.visibility.padEnd(9)} ${s.shndx.padStart(4)} ${s.name}`);
  }
  for (const rs of report.relocations) {
    lines.push('', `Relocations in ${rs.section} (for ${rs.target}, ${rs.entries.length}):`);
    for (const e of rs.entries) {
      const addend = e.addend.startsWith('-') ? ` - ${e.addend.slice(1)}` : ` + ${e.addend}`;
      lines.push(`  ${e.offset.padStart(10)}  ${e.type.padEnd(22)} ${e.symbolName}${rs.rela ? addend : ''}`);
    }
  }
  for (const g of report.groups) lines.push('', `Group ${g.section}${g.comdat ? ' (COMDAT)' : ''}: ${g.members.join(' ')}`);
  io.out(lines.join('\n'));
  return 0;
}
