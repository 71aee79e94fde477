// One function's instructions, from binutils: `objdump -d -l -r --no-show-raw-insn -w` limited
// to its section and symbol. Each instruction carries its offset in the function, its
// relocation (symbolic target) and the source line DWARF gives it; a key normalises what
// differs between two builds without meaning anything (addresses of internal branch targets).
import { diffArrays } from 'diff';
import { runTool } from '../build/exec.js';
import { readElfFile } from '../elf/index.js';

export interface Insn {
  /** Offset from the function's start. */
  offset: number;
  /** As objdump prints it, with the relocation target in place of the 0 placeholder. */
  text: string;
  /** For alignment: internal branch targets replaced by a placeholder. */
  key: string;
  /** Source location from the DWARF line table, as recorded (path as objdump prints it). */
  file?: string;
  line?: number;
  /** The (inlined) function objdump names for this stretch of code. */
  inFunction?: string;
  /** The relocation on the instruction: its offset from the function start, type and target. */
  reloc?: { offset: number; type: string; target: string };
}

const LOCATION = /^(\/?[^\s:][^:]*):(\d+)(?: \(discriminator \d+\))?$/;
const FUNCTION = /^([\w.$]+)\(\):$/;
const INSN = /^\s*([0-9a-f]+):\t(.*)$/;

/** Parse `objdump -d -l -r -w --no-show-raw-insn` output for one symbol. */
export function parseObjdump(text: string, symbol: string): Insn[] {
  const out: Insn[] = [];
  let inside = false;
  let start = 0;
  let file: string | undefined;
  let line: number | undefined;
  let fn: string | undefined;
  for (const raw of text.split('\n')) {
    const head = /^([0-9a-f]+) <(.+)>:$/.exec(raw);
    if (head) {
      inside = head[2] === symbol;
      start = parseInt(head[1]!, 16);
      continue;
    }
    if (!inside) continue;
    const f = FUNCTION.exec(raw);
    if (f) {
      fn = f[1];
      continue;
    }
    const loc = LOCATION.exec(raw);
    if (loc && !INSN.test(raw)) {
      file = loc[1];
      line = Number(loc[2]);
      continue;
    }
    const m = INSN.exec(raw);
    if (!m) continue;
    const at = parseInt(m[1]!, 16);
    const [insnPart, ...relocParts] = m[2]!.split('\t');
    let insn = (insnPart ?? '').replace(/\s+#.*$/, '').replace(/\s+/g, ' ').trim();
    // A relocation on the instruction: `1: R_X86_64_PLT32 __fentry__-0x4`.
    const relocText = relocParts.length ? relocParts.join(' ').trim() : undefined;
    const rm = relocText ? /^([0-9a-f]+): (\S+)\s+(.*)$/.exec(relocText) : null;
    const target = rm ? rm[3]!.trim() : undefined;
    let key = insn;
    if (target !== undefined) {
      // call/jmp through a relocation: the target is the symbol, not the placeholder address.
      insn = insn.replace(/\b[0-9a-f]+ <[^>]+>$/, `<${target}>`);
      key = insn.replace(/\b0x0\(%rip\)/, `${target}(%rip)`);
      if (!insn.includes(`<${target}>`)) insn = `${insn}  <${target}>`;
    } else {
      // Internal branch: the address moves when code before it grows; keep the offset for display.
      const branch = /\b([0-9a-f]+) <([^>+]+)(\+0x[0-9a-f]+)?>$/.exec(insn);
      if (branch) {
        const off = parseInt(branch[1]!, 16) - start;
        insn = insn.slice(0, branch.index) + `+0x${off.toString(16)}`;
        key = insn.slice(0, branch.index) + '<L>';
      }
    }
    out.push({ offset: at - start, text: insn, key, file, line, inFunction: fn, ...(rm ? { reloc: { offset: parseInt(rm[1]!, 16) - start, type: rm[2]!, target: target! } } : {}) });
  }
  return out;
}

/** Disassemble `symbol` in `section` of `object`. */
export async function disassemble(object: string, section: string, symbol: string): Promise<Insn[]> {
  const r = await runTool('objdump', ['-d', '-l', '-r', '--no-show-raw-insn', '-w', '-j', section, `--disassemble=${symbol}`, object], { timeout: 5 * 60_000 });
  const insns = parseObjdump(r.stdout, symbol);
  if (insns.some((i) => i.reloc && STRING_TARGET.test(i.reloc.target))) await annotateStrings(object, insns);
  return insns;
}

/**
 * A merged string section (`.rodata.str1.1`; with -fdata-sections gcc-12 gives each function
 * its own, `.rodata.cmdline_proc_show.str1.1`), or a local label in one (`.LC0`, as userland
 * gcc keeps them).
 */
const STRING_SECTION = /^\.rodata(\.[\w.]+)?\.str\d+\.\d+$/;
const STRING_TARGET = /^(\.rodata(?:\.[\w.]+)?\.str\d+\.\d+|\.LC\d+)([+-]0x[0-9a-f]+)?$/;

/**
 * Name string literals by their contents: a reference into a merged string section becomes
 * `"text"` in the instruction and its key, so a changed literal shows as what it says and a
 * literal that only moved does not misalign. PC-relative addends count from the end of the
 * instruction (the next instruction's offset), not from the relocated field.
 */
async function annotateStrings(object: string, insns: Insn[]): Promise<void> {
  const elf = await readElfFile(object);
  insns.forEach((insn, k) => {
    const m = insn.reloc ? STRING_TARGET.exec(insn.reloc.target) : null;
    if (!m || !insn.reloc) return;
    const label = m[1]!.startsWith('.LC') ? elf.symbols.find((x) => x.name === m[1]) : undefined;
    const sec = label ? elf.sections[label.shndx] : elf.sections.find((x) => x.name === m[1]);
    if (!sec || !STRING_SECTION.test(sec.name)) return;
    let at = (label ? Number(label.value) : 0) + (m[2] ? parseInt(m[2].replace(/^([+-])0x/, '$1'), 16) : 0);
    if (/PC32|PLT32|PC64/.test(insn.reloc.type)) {
      const end = insns[k + 1]?.offset;
      if (end === undefined) return;
      at += end - insn.reloc.offset;
    }
    if (at < 0 || at >= sec.data.length) return;
    let stop = at;
    while (stop < sec.data.length && sec.data[stop] !== 0) stop++;
    const str = JSON.stringify(Buffer.from(sec.data.subarray(at, stop)).toString('latin1'));
    insn.text = insn.text.replace(`<${insn.reloc.target}>`, `<${str}>`);
    insn.key = insn.key.split(insn.reloc.target).join(str);
  });
}

export interface InsnPair {
  /** Index in each list of the first differing instruction; undefined on a side with none there (pure insertion or deletion). */
  orig?: number;
  patched?: number;
  /** The aligned position in each list (for context, even when one side is missing). */
  origAt: number;
  patchedAt: number;
}

/**
 * Align two instruction lists (longest common subsequence of the keys) and return the first
 * differing pair. When the keys align completely, fall back to the first instruction whose
 * text (branch targets, relocation addends) differs. Undefined when the instructions are the
 * same (a caller replaced only because its no-fentry callee is).
 */
export function firstDifferingPair(a: Insn[], b: Insn[]): InsnPair | undefined {
  let i = 0;
  let j = 0;
  const parts = diffArrays(a.map((x) => x.key), b.map((x) => x.key));
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]!;
    const count = part.count ?? part.value.length;
    if (!part.added && !part.removed) {
      i += count;
      j += count;
      continue;
    }
    // The first changed chunk; a removal followed by an addition is a replaced pair.
    if (part.removed) return { orig: i, patched: parts[k + 1]?.added ? j : undefined, origAt: i, patchedAt: j };
    return { orig: undefined, patched: j, origAt: i, patchedAt: j };
  }
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) if (a[k]!.text !== b[k]!.text) return { orig: k, patched: k, origAt: k, patchedAt: k };
  if (a.length !== b.length) return { orig: n < a.length ? n : undefined, patched: n < b.length ? n : undefined, origAt: n, patchedAt: n };
  return undefined;
}
