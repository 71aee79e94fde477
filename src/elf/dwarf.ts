// Debugging information entries (DIEs) read straight from an object's .debug_info and
// .debug_abbrev (DWARF 2 to 5), with the object's own relocations applied to the offsets that
// point into other debug sections. Only what the inlining analysis asks of a DIE is kept (its
// tag, names, origins, where its code is); every other attribute is skipped by its form.
//
// Why not `readelf --debug-dump=info`: for kernel/fork.o that is 5 MB of text to print and
// parse again, ~150 ms after every compile; the binary is 220 KB and walks in a few ms.
import { InputError } from '../common/errors.js';
import { SHT } from './constants.js';
import { relocationIndex, type RelocationIndex } from './relocation-index.js';
import type { ElfObject, ElfRelocation } from './types.js';

export const DW_TAG = { subprogram: 0x2e, inlined_subroutine: 0x1d } as const;

export interface DwarfDie {
  /** Offset of the DIE in .debug_info (as readelf prints it). */
  offset: number;
  /** Nesting depth: the unit's DIE is 0. */
  depth: number;
  /** DW_TAG_* value. */
  tag: number;
  /** DW_AT_linkage_name, else DW_AT_name. */
  name?: string;
  /** DW_AT_abstract_origin, as a .debug_info offset. */
  origin?: number;
  /** DW_AT_specification, as a .debug_info offset. */
  specification?: number;
  /** Offset (in .debug_info) of the DW_AT_low_pc value, when present: its relocation names the code. */
  lowPcAt?: number;
  /** DW_AT_ranges value (offset into .debug_rnglists / .debug_ranges). */
  ranges?: number;
  /** DW_AT_high_pc: a length (constant forms, DWARF 4+) or an end address (addr form). */
  highPc?: { value: number; isLength: boolean };
  /** DWARF version and address size of the unit. */
  version: number;
  addressSize: number;
}

export const DW_AT = { sibling: 0x01, name: 0x03, low_pc: 0x11, high_pc: 0x12, abstract_origin: 0x31, specification: 0x47, ranges: 0x55, linkage_name: 0x6e, MIPS_linkage_name: 0x2007 } as const;

const FORM = {
  addr: 0x01, block2: 0x03, block4: 0x04, data2: 0x05, data4: 0x06, data8: 0x07, string: 0x08, block: 0x09, block1: 0x0a,
  data1: 0x0b, flag: 0x0c, sdata: 0x0d, strp: 0x0e, udata: 0x0f, ref_addr: 0x10, ref1: 0x11, ref2: 0x12, ref4: 0x13, ref8: 0x14,
  ref_udata: 0x15, indirect: 0x16, sec_offset: 0x17, exprloc: 0x18, flag_present: 0x19, strx: 0x1a, addrx: 0x1b, ref_sup4: 0x1c,
  strp_sup: 0x1d, data16: 0x1e, line_strp: 0x1f, ref_sig8: 0x20, implicit_const: 0x21, loclistx: 0x22, rnglistx: 0x23, ref_sup8: 0x24,
  strx1: 0x25, strx2: 0x26, strx3: 0x27, strx4: 0x28, addrx1: 0x29, addrx2: 0x2a, addrx3: 0x2b, addrx4: 0x2c,
  GNU_addr_index: 0x1f01, GNU_str_index: 0x1f02, GNU_ref_alt: 0x1f20, GNU_strp_alt: 0x1f21,
} as const;

interface Abbrev {
  tag: number;
  children: boolean;
  attrs: number[];
  forms: number[];
  consts: number[];
  /** Per attribute: whether a DwarfDie keeps it (the rest are skipped by form, never decoded). */
  used: boolean[];
  /** A kept DIE of this abbreviation is decoded only when asked for by offset (DieWalk.at). */
  defer: boolean;
  /** How a DIE of it is skipped, for units of the shape in `layoutFor` (see DieReader.fixedLayout). */
  layout?: Layout;
  layoutFor?: number;
}

/** The attributes a DwarfDie holds. */
const USED_ATTRIBUTES: ReadonlySet<number> = new Set([DW_AT.sibling, DW_AT.name, DW_AT.linkage_name, DW_AT.MIPS_linkage_name, DW_AT.abstract_origin, DW_AT.specification, DW_AT.low_pc, DW_AT.high_pc, DW_AT.ranges]);

/** How a DIE of one abbreviation is skipped: its attributes' byte size (-1: variable), its DW_AT_sibling's place in them. */
interface Layout { size: number; siblingAt: number; siblingForm: number }

/** Malformed DWARF is a malformed object (exit 2). */
class DwarfFormatError extends InputError {
  constructor(what: string) {
    super(`.debug_info: ${what}`, 'pass an object as gcc -g produces it');
  }
}

/** Where the last ulebAt stopped: a DIE walk decodes one or more per DIE, without a tuple each. */
let ulebEnd = 0;

/** The unsigned LEB128 at `pos` (stops at the end of `bytes`); the position after it is left in ulebEnd. */
function ulebAt(bytes: Uint8Array, pos: number): number {
  let result = 0;
  let mul = 1;
  for (;;) {
    const b = bytes[pos++];
    if (b === undefined) break;
    result += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) break;
    mul *= 128;
  }
  ulebEnd = pos;
  return result;
}

/** An unsigned LEB128 at `pos`: its value and the position after it (stops at the end of `bytes`). */
export function readUleb(bytes: Uint8Array, pos: number): [number, number] {
  const value = ulebAt(bytes, pos);
  return [value, ulebEnd];
}

/** A cursor over one debug section. */
class Cursor {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array, readonly little: boolean, public pos = 0) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(): number {
    if (this.pos >= this.bytes.length) throw new DwarfFormatError('read past the end');
    return this.bytes[this.pos++]!;
  }
  skip(n: number): void {
    this.pos += n;
  }
  u16(): number { const v = this.view.getUint16(this.pos, this.little); this.pos += 2; return v; }
  u32(): number { const v = this.view.getUint32(this.pos, this.little); this.pos += 4; return v; }
  u64(): number { const v = this.view.getBigUint64(this.pos, this.little); this.pos += 8; return Number(v); }
  sized(size: number): number {
    switch (size) {
      case 1: return this.u8();
      case 2: return this.u16();
      case 4: return this.u32();
      case 8: return this.u64();
      default: this.pos += size; return 0;
    }
  }
  uleb(): number {
    if (this.pos >= this.bytes.length) throw new DwarfFormatError('read past the end');
    const value = ulebAt(this.bytes, this.pos);
    this.pos = ulebEnd;
    return value;
  }
  sleb(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) return b & 0x40 ? result - mul : result;
    }
  }
  /** A NUL-terminated string's bytes end here (at the NUL, or the section's end). */
  private stringEnd(): number {
    const end = this.bytes.indexOf(0, this.pos);
    return end < 0 ? this.bytes.length : end;
  }
  skipString(): void {
    this.pos = this.stringEnd() + 1;
  }
  cstring(): string {
    const end = this.stringEnd();
    const s = utf8(this.bytes, this.pos, end);
    this.pos = end + 1;
    return s;
  }
}

function utf8(bytes: Uint8Array, from: number, to: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('utf8');
}

function parseAbbrevs(bytes: Uint8Array, offset: number, little: boolean): Map<number, Abbrev> {
  const c = new Cursor(bytes, little, offset);
  const table = new Map<number, Abbrev>();
  for (;;) {
    const code = c.uleb();
    if (code === 0) return table;
    const abbrev: Abbrev = { tag: c.uleb(), children: c.u8() !== 0, attrs: [], forms: [], consts: [], used: [], defer: false };
    for (;;) {
      const at = c.uleb();
      const form = c.uleb();
      if (at === 0 && form === 0) break;
      abbrev.attrs.push(at);
      abbrev.forms.push(form);
      abbrev.consts.push(form === FORM.implicit_const ? c.sleb() : 0);
      abbrev.used.push(USED_ATTRIBUTES.has(at));
    }
    table.set(code, abbrev);
  }
}

/**
 * What a relocation adds at an offset of `section` (its symbol's value plus addend): in a
 * relocatable object the offsets into .debug_str, .debug_abbrev, .debug_rnglists are 0 in the
 * bytes and live in the relocation (RELA).
 */
class RelocatedValues {
  private readonly indexes: RelocationIndex[];
  readonly rela: boolean;
  constructor(private readonly obj: ElfObject, section: number) {
    const sections = obj.relocations.filter((rs) => rs.target === section);
    this.indexes = sections.map(relocationIndex);
    this.rela = sections.at(-1)?.rela ?? true;
  }
  at(offset: number): number | undefined {
    let found: ElfRelocation | undefined;
    for (const index of this.indexes) found = index.at(offset) ?? found;
    return found && Number((this.obj.symbols[found.symbol]?.value ?? 0n) + found.addend);
  }
}

/** Bytes a value of `form` takes when that does not depend on the value; -1 when it does. */
function fixedFormSize(form: number, addressSize: number, offsetSize: number, version: number): number {
  switch (form) {
    case FORM.flag_present: case FORM.implicit_const: return 0;
    case FORM.data1: case FORM.ref1: case FORM.flag: case FORM.strx1: case FORM.addrx1: return 1;
    case FORM.data2: case FORM.ref2: case FORM.strx2: case FORM.addrx2: return 2;
    case FORM.strx3: case FORM.addrx3: return 3;
    case FORM.data4: case FORM.ref4: case FORM.ref_sup4: case FORM.strx4: case FORM.addrx4: return 4;
    case FORM.data8: case FORM.ref8: case FORM.ref_sig8: case FORM.ref_sup8: return 8;
    case FORM.data16: return 16;
    case FORM.addr: return addressSize;
    case FORM.ref_addr: return version <= 2 ? addressSize : offsetSize;
    case FORM.strp: case FORM.line_strp: case FORM.sec_offset: case FORM.strp_sup: case FORM.GNU_ref_alt: case FORM.GNU_strp_alt: return offsetSize;
    default: return -1;
  }
}

/** What a walk over .debug_info is asked to read (readDies, walkDies). */
export interface WalkOptions {
  /** Decode only DIEs of these tags (others come bare or not at all, see readDies). */
  tags?: ReadonlySet<number>;
  /** Whether the children of a DIE that has children and a DW_AT_sibling are wanted. */
  descend?: (die: DwarfDie) => boolean;
  /**
   * Per abbreviation (its tag and attribute codes): leave a kept DIE of it undecoded until it is
   * asked for by offset. Such a DIE is treated as an unkept one on the walk (bare, and listed only
   * when its children are walked; `descend` sees it bare).
   */
  defer?: (tag: number, attributes: readonly number[]) => boolean;
}

/** The DIEs a walk listed, and any kept DIE (listed or deferred) by its .debug_info offset. */
export interface DieWalk {
  dies: DwarfDie[];
  at(offset: number): DwarfDie | undefined;
}

/**
 * Every DIE of every unit in `obj`'s .debug_info; [] when the object has none. With `tags`, only
 * DIEs of those tags are decoded. Other DIEs whose children the walk enters come bare (offset,
 * depth, tag), because any of them (a lexical block, the unit) may enclose a kept one and nesting is read
 * from depth in document order: without them a kept DIE would seem to sit inside an earlier
 * sibling of its real parent. Childless ones (members, parameters, variables: most DIEs of a
 * kernel object) are skipped, by size where their forms allow it.
 *
 * With `descend`, a DIE that has children and a DW_AT_sibling is asked whether its children are
 * wanted; when not, the walk jumps to its sibling (a type's members, an unwanted function's
 * body are never decoded). Without DW_AT_sibling the children are walked as usual.
 */
export function readDies(obj: ElfObject, tags?: ReadonlySet<number>, descend?: (die: DwarfDie) => boolean): DwarfDie[] {
  return walkDies(obj, { tags, descend }).dies;
}

/**
 * readDies with deferred decoding: a walk that jumps over most of a kernel object's DWARF still
 * meets every top-level DIE, and the functions declared or inlined from headers (hundreds per
 * object) are kept DIEs whose names only matter when something inlined them.
 */
export function walkDies(obj: ElfObject, opts: WalkOptions = {}): DieWalk {
  const section = (name: string) => obj.sections.find((s) => s.name === name && s.type !== SHT.NOBITS);
  const info = section('.debug_info');
  const abbrevSection = section('.debug_abbrev');
  if (!info || !abbrevSection || info.data.length === 0) return { dies: [], at: () => undefined };
  const reader = new DieReader(obj, info.index, info.data, abbrevSection.data, section('.debug_str')?.data, section('.debug_line_str')?.data, opts);
  const dies = reader.read();
  return { dies, at: (offset) => reader.at(offset) };
}

/**
 * One walk over .debug_info. Its steps are methods, not closures made per walk: the walk of
 * the original object (while the patched side compiles) leaves V8 optimized code for them, and
 * a closure of a new walk would be a different call target, which throws that code away just
 * when the patched object's walk needs it. A DIE is one call, small enough to optimize soon.
 */
class DieReader {
  private readonly c: Cursor;
  private readonly relocated: RelocatedValues;
  private readonly strings: StringTable;
  private readonly lineStrings: StringTable;
  private readonly abbrevCache = new Map<number, Array<Abbrev | undefined>>();
  private readonly dies: DwarfDie[] = [];
  /** Kept DIEs by offset: decoded ones, and deferred ones (their unit's start) until asked for. */
  private readonly kept = new Map<number, DwarfDie | number>();
  private readonly little: boolean;
  private readonly tags: ReadonlySet<number> | undefined;
  private readonly descend: ((die: DwarfDie) => boolean) | undefined;
  private readonly defer: WalkOptions['defer'];
  // The unit being read.
  private unitStart = 0;
  private unitEnd = 0;
  private version = 0;
  private addressSize = 0;
  private offsetSize = 4;
  /** The unit's abbreviations by code (gcc numbers them from 1): an array, not a Map, for the walk's one lookup per DIE. */
  private abbrevs: Array<Abbrev | undefined> = [];
  /** What fixed form sizes depend on in this unit (address size, offset size, version), as one number. */
  private shape = 0;

  constructor(
    obj: ElfObject, infoIndex: number, info: Uint8Array, private readonly abbrevData: Uint8Array, str: Uint8Array | undefined, lineStr: Uint8Array | undefined,
    opts: WalkOptions,
  ) {
    ({ tags: this.tags, descend: this.descend, defer: this.defer } = opts);
    this.little = obj.header.endian === 'little';
    this.c = new Cursor(info, this.little);
    this.relocated = new RelocatedValues(obj, infoIndex);
    this.strings = new StringTable(str);
    this.lineStrings = new StringTable(lineStr);
  }

  read(): DwarfDie[] {
    const { c } = this;
    while (c.pos + 11 <= c.bytes.length) {
      this.unitHeader();
      let depth = 0;
      while (c.pos < this.unitEnd) depth = this.die(depth);
      c.pos = Math.max(this.unitEnd, this.unitStart + 1);
    }
    return this.dies;
  }

  /** The kept DIE at `offset`, decoding it now if the walk deferred it. */
  at(offset: number): DwarfDie | undefined {
    const found = this.kept.get(offset);
    if (typeof found !== 'number') return found;
    const { c } = this;
    const resume = c.pos;
    if (found !== this.unitStart) {
      c.pos = found;
      this.unitHeader();
    }
    c.pos = offset;
    const abbrev = this.abbrevs[c.uleb()]!;
    // Depth is not read here: a deferred DIE is asked for by reference, never for nesting.
    const die: DwarfDie = { offset, depth: -1, tag: abbrev.tag, version: this.version, addressSize: this.addressSize };
    this.attributes(die, abbrev, true);
    c.pos = resume;
    this.kept.set(offset, die);
    return die;
  }

  /** An offset field: the bytes, plus what a relocation at that place adds (RELA: the bytes are 0). */
  private offsetAt(size: number): number {
    const at = this.c.pos;
    const raw = this.c.sized(size);
    const r = this.relocated.at(at);
    return r === undefined ? raw : this.relocated.rela ? r : r + raw;
  }

  private unitHeader(): void {
    const { c } = this;
    this.unitStart = c.pos;
    let length = c.u32();
    this.offsetSize = 4;
    if (length === 0xffffffff) {
      length = c.u64();
      this.offsetSize = 8;
    }
    this.unitEnd = c.pos + length;
    this.version = c.u16();
    let abbrevOffset: number;
    if (this.version >= 5) {
      const unitType = c.u8();
      this.addressSize = c.u8();
      abbrevOffset = this.offsetAt(this.offsetSize);
      if (unitType === 2 || unitType === 6) c.pos += 8 + this.offsetSize; // type signature, type offset
      else if (unitType === 4 || unitType === 5) c.pos += 8; // dwo id
    } else {
      abbrevOffset = this.offsetAt(this.offsetSize);
      this.addressSize = c.u8();
    }
    let abbrevs = this.abbrevCache.get(abbrevOffset);
    if (!abbrevs) {
      const table = parseAbbrevs(this.abbrevData, abbrevOffset, this.little);
      abbrevs = [];
      for (const [code, a] of table) {
        if (this.defer) a.defer = this.defer(a.tag, a.attrs);
        abbrevs[code] = a;
      }
      this.abbrevCache.set(abbrevOffset, abbrevs);
    }
    this.abbrevs = abbrevs;
    this.shape = (this.version * 16 + this.offsetSize) * 16 + this.addressSize;
  }

  /**
   * The byte size of a DIE's attributes when fixed (skippable), and where in them its
   * DW_AT_sibling is (-1: none, or after a variable-size value). Kept on the abbreviation for
   * the unit shape it was computed for (units sharing an abbreviation table may differ).
   */
  private fixedLayout(a: Abbrev): Layout {
    let layout = a.layoutFor === this.shape ? a.layout : undefined;
    if (!layout) {
      layout = { size: 0, siblingAt: -1, siblingForm: 0 };
      for (let i = 0; i < a.forms.length; i++) {
        const form = a.forms[i]!;
        const n = fixedFormSize(form, this.addressSize, this.offsetSize, this.version);
        if (n < 0) {
          layout.size = -1;
          break;
        }
        if (a.attrs[i] === DW_AT.sibling) {
          layout.siblingAt = layout.size;
          layout.siblingForm = form;
        }
        layout.size += n;
      }
      a.layout = layout;
      a.layoutFor = this.shape;
    }
    return layout;
  }

  /** The DIE at the cursor (or a null entry closing a level); the depth of what follows it. */
  private die(depth: number): number {
    const { c } = this;
    const offset = c.pos;
    const code = c.uleb();
    if (code === 0) return Math.max(0, depth - 1);
    const abbrev = this.abbrevs[code];
    if (!abbrev) throw new DwarfFormatError(`DIE at 0x${offset.toString(16)} uses abbreviation ${code}, which its unit does not define`);
    const { version, addressSize } = this;
    const die: DwarfDie = { offset, depth, tag: abbrev.tag, version, addressSize };
    const keep = !this.tags || this.tags.has(abbrev.tag);
    const decode = keep && !abbrev.defer;
    const layout = decode ? undefined : this.fixedLayout(abbrev);
    let sibling: number | undefined;
    if (layout && layout.size >= 0) {
      // Skipped by size: only a DW_AT_sibling is read, and only when it could be followed.
      if (this.descend && abbrev.children && layout.siblingAt >= 0) {
        const at = c.pos;
        c.skip(layout.siblingAt);
        sibling = reference(layout.siblingForm, c.sized(fixedFormSize(layout.siblingForm, addressSize, this.offsetSize, version)), this.unitStart);
        c.pos = at;
      }
      c.skip(layout.size);
    } else {
      sibling = this.attributes(die, abbrev, decode);
    }
    if (decode) {
      this.dies.push(die);
      this.kept.set(offset, die);
    } else if (keep) {
      this.kept.set(offset, this.unitStart);
    }
    if (!abbrev.children) return depth;
    if (this.descend && sibling !== undefined && sibling > c.pos && sibling <= this.unitEnd && !this.descend(die)) {
      c.pos = sibling;
      return depth;
    }
    // Others whose children are walked come bare, for the nesting: one may be an ancestor of a
    // kept DIE. (Nothing was decoded into `die`: attributes() stepped over all but DW_AT_sibling.)
    if (!decode) this.dies.push(die);
    return depth + 1;
  }

  /** Decodes `abbrev`'s attributes into `die` (a kept one) or steps over them; the DW_AT_sibling target. */
  private attributes(die: DwarfDie, abbrev: Abbrev, keep: boolean): number | undefined {
    const { c, version, addressSize, offsetSize, unitStart } = this;
    let sibling: number | undefined;
    for (let i = 0; i < abbrev.attrs.length; i++) {
      const at = abbrev.attrs[i]!;
      let form = abbrev.forms[i]!;
      if (form === FORM.indirect) form = c.uleb();
      // Of a DIE that is not kept only DW_AT_sibling matters. An unused value is stepped
      // over: decoding it would look up a relocation for every location list and entry pc
      // (a kernel function's body is mostly those).
      if (!(keep ? abbrev.used[i] : at === DW_AT.sibling)) {
        skipValue(c, form, addressSize, offsetSize, version, die.offset);
        continue;
      }
      const valueAt = c.pos;
      // The value when it is a number or a reference; strings are set below.
      let value: number | undefined;
      let text: string | undefined;
      switch (form) {
        case FORM.addr: value = this.offsetAt(addressSize); break;
        case FORM.data1: case FORM.ref1: case FORM.flag: case FORM.strx1: case FORM.addrx1: value = c.u8(); break;
        case FORM.data2: case FORM.ref2: case FORM.strx2: case FORM.addrx2: value = c.u16(); break;
        // DWARF 2 and 3 give section offsets (DW_AT_ranges, DW_AT_stmt_list) as data4/data8: relocated.
        case FORM.data4: value = this.offsetAt(4); break;
        case FORM.data8: value = this.offsetAt(8); break;
        case FORM.ref4: case FORM.ref_sup4: case FORM.strx4: case FORM.addrx4: value = c.u32(); break;
        case FORM.ref8: case FORM.ref_sig8: case FORM.ref_sup8: value = c.u64(); break;
        case FORM.sdata: value = c.sleb(); break;
        case FORM.udata: case FORM.ref_udata: case FORM.strx: case FORM.addrx: case FORM.loclistx: case FORM.rnglistx:
        case FORM.GNU_addr_index: case FORM.GNU_str_index:
          value = c.uleb(); break;
        case FORM.string: text = c.cstring(); break;
        case FORM.strp: text = this.strings.at(this.offsetAt(offsetSize)); break;
        case FORM.line_strp: text = this.lineStrings.at(this.offsetAt(offsetSize)); break;
        case FORM.ref_addr: value = this.offsetAt(version <= 2 ? addressSize : offsetSize); break;
        case FORM.sec_offset: case FORM.strp_sup: case FORM.GNU_ref_alt: case FORM.GNU_strp_alt: value = this.offsetAt(offsetSize); break;
        case FORM.implicit_const: value = abbrev.consts[i]; break;
        // Blocks, flags, 3- and 16-byte data give no value used here (an unknown form is an error there).
        default: skipValue(c, form, addressSize, offsetSize, version, die.offset);
      }
      switch (at) {
        case DW_AT.sibling:
          sibling = reference(form, value, unitStart);
          break;
        case DW_AT.name:
          if (die.name === undefined && text !== undefined) die.name = text;
          break;
        case DW_AT.linkage_name:
        case DW_AT.MIPS_linkage_name:
          if (text !== undefined) die.name = text;
          break;
        case DW_AT.abstract_origin:
        case DW_AT.specification: {
          const target = reference(form, value, unitStart);
          if (at === DW_AT.abstract_origin) die.origin = target;
          else die.specification = target;
          break;
        }
        case DW_AT.low_pc:
          die.lowPcAt = valueAt;
          break;
        case DW_AT.ranges:
          // An index (rnglistx) needs the unit's DW_AT_rnglists_base: split DWARF, not gcc -g.
          if (form !== FORM.rnglistx) die.ranges = value;
          break;
        case DW_AT.high_pc:
          // Only inlined instances need it (their place in the function).
          if (abbrev.tag === DW_TAG.inlined_subroutine && value !== undefined) die.highPc = { value, isLength: form !== FORM.addr };
          break;
      }
    }
    return sibling;
  }
}

/** Moves `c` past a value of `form` without decoding it. */
function skipValue(c: Cursor, form: number, addressSize: number, offsetSize: number, version: number, die: number): void {
  const size = fixedFormSize(form, addressSize, offsetSize, version);
  if (size >= 0) {
    c.skip(size);
    return;
  }
  switch (form) {
    case FORM.string: c.skipString(); break;
    case FORM.sdata: c.sleb(); break;
    case FORM.udata: case FORM.ref_udata: case FORM.strx: case FORM.addrx: case FORM.loclistx: case FORM.rnglistx:
    case FORM.GNU_addr_index: case FORM.GNU_str_index:
      c.uleb(); break;
    case FORM.block1: c.skip(c.u8()); break;
    case FORM.block2: c.skip(c.u16()); break;
    case FORM.block4: c.skip(c.u32()); break;
    case FORM.block: case FORM.exprloc: c.skip(c.uleb()); break;
    default: throw new DwarfFormatError(`DIE at 0x${die.toString(16)}: unknown attribute form 0x${form.toString(16)}`);
  }
}

/** A reference attribute's target as a .debug_info offset (unit-local forms are relative to the unit). */
function reference(form: number, value: number | undefined, unitStart: number): number | undefined {
  if (value === undefined) return undefined;
  if (form === FORM.ref1 || form === FORM.ref2 || form === FORM.ref4 || form === FORM.ref8 || form === FORM.ref_udata) return unitStart + value;
  return form === FORM.ref_addr ? value : undefined;
}

/** Strings of a string section by offset, decoded once each. */
class StringTable {
  private readonly seen = new Map<number, string>();
  constructor(private readonly bytes: Uint8Array | undefined) {}
  at(offset: number): string | undefined {
    const { bytes } = this;
    if (!bytes || offset >= bytes.length) return undefined;
    let s = this.seen.get(offset);
    if (s === undefined) {
      const end = bytes.indexOf(0, offset);
      s = utf8(bytes, offset, end < 0 ? bytes.length : end);
      this.seen.set(offset, s);
    }
    return s;
  }
}
