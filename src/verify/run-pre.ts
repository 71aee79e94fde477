// Run-pre matching: the original object we compiled must be the running kernel's code. Each
// function the patch replaces is compared, byte for byte outside its relocations, with the
// running kernel's image at its kallsyms address; a mismatch means the tree, the config or
// the compiler is not the running kernel's, and a module built from it would replace code
// the kernel does not have. The same comparison tells apart same-named local functions: of
// the kallsyms entries of a name, the one whose bytes match our copy is the one this TU
// defines, and its position is the sympos.
import { EnvironmentError, InputError } from '../common/errors.js';
import { EM, SHN, STB, STT, relocationTypeName, type ElfObject, type ElfSymbol } from '../elf/index.js';
import type { KernelImage } from '../elf/image.js';
import { lookup, type Kallsyms, type ModuleSymbols } from '../symbols/index.js';

/** A function's bytes in the original object, with the bytes its relocations fill masked out. */
export interface FunctionCode {
  name: string;
  local: boolean;
  bytes: Uint8Array;
  /** true where the linker writes (relocation fields): not compared. */
  masked: boolean[];
}

export function functionCode(elf: ElfObject, name: string): FunctionCode | undefined {
  const sym = elf.symbols.find((s) => s.name === name && s.type === STT.FUNC && !s.special && s.shndx !== SHN.UNDEF && s.size > 0n);
  return sym ? codeOf(elf, sym) : undefined;
}

/** The bytes of function symbol `sym`, its relocation fields masked. */
export function codeOf(elf: ElfObject, sym: ElfSymbol): FunctionCode {
  const section = elf.sections[sym.shndx]!;
  const start = Number(sym.value);
  const size = Number(sym.size);
  const bytes = section.data.subarray(start, start + size);
  const masked = new Array<boolean>(size).fill(false);
  for (const rs of elf.relocations) {
    if (rs.target !== sym.shndx) continue;
    for (const r of rs.entries) {
      const at = Number(r.offset) - start;
      if (at < 0 || at >= size) continue;
      const width = relocationWidth(elf.header.machine, r.type);
      for (let i = at; i < Math.min(size, at + width); i++) masked[i] = true;
    }
  }
  return { name: sym.name, local: sym.bind === STB.LOCAL, bytes, masked };
}

/** Bytes a relocation writes (x86-64: the 64-bit kinds 8, every other kind the kernel uses 4). */
function relocationWidth(machine: number, type: number): number {
  if (machine !== EM.X86_64) throw new EnvironmentError(`run-pre matching supports x86-64 objects only (this one is machine ${machine})`, 'pass --no-verify to build without it (the report then says nothing proved the match)');
  return /(_64|PC64|GOTOFF64|GOTPC64|SIZE64)$/.test(relocationTypeName(machine, type)) ? 8 : 4;
}

/** Offset of the first byte that differs outside the masked fields, or -1. */
export function firstMismatch(code: FunctionCode, running: Uint8Array): number {
  for (let i = 0; i < code.bytes.length; i++) if (!code.masked[i] && code.bytes[i] !== running[i]) return i;
  return -1;
}

export interface VerifiedFunction {
  name: string;
  object: string;
  /** Address in the kallsyms dump (shifted by KASLR). */
  address: bigint;
  sympos: number;
  /** Entries of the name in kallsyms. */
  candidates: number;
  bytes: number;
}

export interface RunPreResult {
  /** Replaced functions, each proven to be the running kernel's code. */
  verified: VerifiedFunction[];
  /** Same-named local functions of this TU told apart by their bytes: name → sympos. */
  resolved: Map<string, number>;
}

export interface RunPreInput {
  original: ElfObject;
  /** Where the original object came from (for messages). */
  originalFile: string;
  /** 'vmlinux', or a module (then `shipped` holds its .ko and `image` is not used). */
  object: string;
  /** Functions the patch replaces (names in the original object). */
  replaced: string[];
  kallsyms: Kallsyms;
  image?: KernelImage;
  shipped?: ModuleSymbols;
}

export function runPreMatch(input: RunPreInput): RunPreResult {
  const { kallsyms, image } = input;
  if (input.object !== 'vmlinux') return runPreMatchModule(input);
  if (!image) throw new EnvironmentError('run-pre matching of vmlinux code needs the kernel image');
  const matches = (code: FunctionCode, address: bigint) => {
    const running = image.bytesAt(address - kallsyms.kaslrOffset, code.bytes.length);
    return running ? firstMismatch(code, running) : -2;
  };
  const resolved = resolveDuplicates(input.original, (name) => lookup(kallsyms, name, 'vmlinux'), (code, e) => /[tT]/.test(e.type) && matches(code, e.address) === -1);

  const verified: VerifiedFunction[] = [];
  for (const name of input.replaced) {
    const code = functionCode(input.original, name);
    if (!code) throw new InputError(`${input.originalFile}: no function ${name} to compare with the running kernel`);
    const all = lookup(kallsyms, name, 'vmlinux');
    if (all.length === 0) throw new EnvironmentError(`${name} is not in ${kallsyms.file}: the kallsyms dump is not from the kernel this tree builds`, 'pass the running kernel\'s /proc/kallsyms (read as root)');
    const sympos = all.length === 1 ? 1 : resolved.get(name);
    if (sympos === undefined) {
      throw new EnvironmentError(`run-pre: ${name} occurs ${all.length} times in ${kallsyms.file} and none (or several) of them is our build's code: the tree, config or compiler is not the running kernel's`, MISMATCH_HINT);
    }
    const entry = all[sympos - 1]!;
    const at = matches(code, entry.address);
    if (at === -2) throw new EnvironmentError(`run-pre: ${name} at 0x${entry.address.toString(16)} is outside ${image.file}'s sections: the image is not the running kernel's`, 'pass the running kernel\'s vmlinux or vmlinuz with the kallsyms dump of the same boot\'s kernel');
    if (at >= 0) {
      const running = image.bytesAt(entry.address - kallsyms.kaslrOffset + BigInt(at), Math.min(8, code.bytes.length - at))!;
      throw new EnvironmentError(
        `run-pre: ${name} differs from the running kernel at +0x${at.toString(16)} (our build: ${hex(code.bytes.subarray(at, at + running.length))}, running: ${hex(running)}): the tree, config or compiler is not the running kernel's`,
        MISMATCH_HINT,
      );
    }
    verified.push({ name, object: 'vmlinux', address: entry.address, sympos: all.length === 1 ? 0 : sympos, candidates: all.length, bytes: code.bytes.length });
  }
  return { verified, resolved };
}

/**
 * Local functions of the TU whose name occurs more than once among `entriesOf(name)`: the one
 * entry whose bytes are ours gives the sympos (1-based position among all of that name).
 */
function resolveDuplicates<E>(original: ElfObject, entriesOf: (name: string) => E[], holdsOurs: (code: FunctionCode, entry: E) => boolean): Map<string, number> {
  const resolved = new Map<string, number>();
  for (const s of original.symbols) {
    if (s.type !== STT.FUNC || s.bind !== STB.LOCAL || s.special || s.shndx === SHN.UNDEF) continue;
    const all = entriesOf(s.name);
    if (all.length < 2) continue;
    const code = functionCode(original, s.name);
    if (!code) continue;
    const hits = all.map((e, i) => ({ e, i })).filter(({ e }) => holdsOurs(code, e));
    if (hits.length === 1) resolved.set(s.name, hits[0]!.i + 1);
  }
  return resolved;
}

const MISMATCH_HINT = 'build from the running kernel\'s source, .config and compiler (or pass --no-verify to skip the check; nothing then proves the module matches)';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

/**
 * Module code is compared with the shipped .ko (a relocatable object: its own relocation
 * fields are masked too); sympos counts the .ko's symbol table.
 */
function runPreMatchModule(input: RunPreInput): RunPreResult {
  const ko = input.shipped;
  if (!ko) throw new EnvironmentError(`run-pre matching of ${input.object} code needs the shipped ${input.object}.ko`);
  const same = (a: FunctionCode, b: FunctionCode) => {
    if (a.bytes.length !== b.bytes.length) return a.bytes.length === 0 ? 0 : Math.min(a.bytes.length, b.bytes.length);
    for (let i = 0; i < a.bytes.length; i++) if (!a.masked[i] && !b.masked[i] && a.bytes[i] !== b.bytes[i]) return i;
    return -1;
  };
  const candidates = (name: string) => (ko.byName.get(name) ?? []).filter((s) => s.type === STT.FUNC && s.size > 0n);
  const resolved = resolveDuplicates(input.original, (name) => ko.byName.get(name) ?? [], (code, e) => e.type === STT.FUNC && same(code, codeOf(ko.elf, e)) === -1);
  const verified: VerifiedFunction[] = [];
  for (const name of input.replaced) {
    const code = functionCode(input.original, name);
    if (!code) throw new InputError(`${input.originalFile}: no function ${name} to compare with the running kernel`);
    const all = ko.byName.get(name) ?? [];
    const fns = candidates(name);
    if (fns.length === 0) throw new EnvironmentError(`${name} is not a function of ${ko.file}: the shipped module is not the one this tree builds`, 'pass the running kernel\'s modules (--modules-dir)');
    const sympos = all.length === 1 ? 1 : resolved.get(name);
    const entry = sympos !== undefined ? all[sympos - 1] : undefined;
    if (!entry) throw new EnvironmentError(`run-pre: ${name} occurs ${all.length} times in ${ko.file} and none (or several) of them is our build's code`, MISMATCH_HINT);
    const shipped = codeOf(ko.elf, entry);
    if (shipped.bytes.length !== code.bytes.length) {
      throw new EnvironmentError(
        `run-pre: ${name} differs from the running kernel's ${input.object}.ko: ${code.bytes.length} bytes in our build, ${shipped.bytes.length} in ${ko.file}: the tree, config or compiler is not the running kernel's`,
        MISMATCH_HINT,
      );
    }
    const at = same(code, shipped);
    if (at >= 0) {
      throw new EnvironmentError(
        `run-pre: ${name} differs from the running kernel's ${input.object}.ko at +0x${at.toString(16)} (our build: ${hex(code.bytes.subarray(at, at + 8))}, shipped: ${hex(shipped.bytes.subarray(at, at + 8))}): the tree, config or compiler is not the running kernel's`,
        MISMATCH_HINT,
      );
    }
    verified.push({ name, object: input.object, address: entry.value, sympos: all.length === 1 ? 0 : sympos!, candidates: all.length, bytes: code.bytes.length });
  }
  return { verified, resolved };
}
