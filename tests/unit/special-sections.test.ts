// Special sections split into records and attributed to functions; fentry / patchable-entry
// detection. Small C files are compiled at test time with the kernel's code model and ftrace
// flags; inline asm emulates the kernel's record-emitting macros (bug.h, jump_label.h,
// asm.h's _ASM_EXTABLE, alternative.h, objtool's ORC tables), with the same record layouts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/common/errors.js';
import { EM, readElfFile, type ElfObject } from '../../src/elf/index.js';
import {
  isSpecialSection, specialSectionLayouts, splitSpecialSections, tracedFunctions, X86_64_SPECIAL_SECTIONS,
  type SpecialSectionRecord,
} from '../../src/diff/special-sections.js';

const KERNEL_FLAGS = ['-O2', '-g', '-c', '-ffunction-sections', '-fdata-sections', '-pg', '-mfentry', '-mrecord-mcount', '-fno-pic', '-mcmodel=kernel'];

const SOURCE = String.raw`
struct bug_entry { int bug_addr_disp; int file_disp; unsigned short line; unsigned short flags; };
/* arch/x86/include/asm/bug.h _BUG_FLAGS with GENERIC_BUG_RELATIVE_POINTERS and DEBUG_BUGVERBOSE */
#define BUG_ENTRY(ins, flags)						\
	asm volatile("1:\t" ins "\n"					\
		".pushsection __bug_table,\"aw\"\n"			\
		"2:\t.long 1b - .\n"					\
		"\t.long %c0 - .\n"					\
		"\t.word %c1\n"						\
		"\t.word %c2\n"						\
		"\t.org 2b+%c3\n"					\
		".popsection\n"						\
		: : "i" (__FILE__), "i" (__LINE__), "i" (flags), "i" (sizeof(struct bug_entry)))
#define WARN_ON(c) ({ int __r = !!(c); if (__builtin_expect(__r, 0)) BUG_ENTRY("ud2", 1); __r; })

/* arch/x86/include/asm/jump_label.h arch_static_branch */
struct static_key { int enabled; };
struct static_key key_a;
static inline __attribute__((always_inline)) _Bool static_branch(struct static_key *key)
{
	asm goto("1: .byte 0x0f,0x1f,0x44,0x00,0x00\n\t"
		 ".pushsection __jump_table, \"aw\"\n\t"
		 ".balign 8\n\t"
		 ".long 1b - ., %l[l_yes] - .\n\t"
		 ".quad %c0 - .\n\t"
		 ".popsection\n\t"
		 : : "i" (key) : : l_yes);
	return 0;
l_yes:
	return 1;
}

/* arch/x86/include/asm/asm.h _ASM_EXTABLE_TYPE: insn, fixup, type */
static inline __attribute__((always_inline)) int get_user_int(const int *p, int *out)
{
	int err = 0, v;
	asm volatile("1: movl (%2), %1\n"
		     "2:\n"
		     ".pushsection __ex_table, \"a\"\n"
		     ".balign 4\n"
		     ".long 1b - .\n"
		     ".long 2b - .\n"
		     ".long 3\n"
		     ".popsection\n"
		     : "+r" (err), "=r" (v) : "r" (p));
	*out = v;
	return err;
}

/* arch/x86/include/asm/alternative.h ALTINSTR_ENTRY + ALTINSTR_REPLACEMENT */
static inline __attribute__((always_inline)) void barrier_nospec(void)
{
	asm volatile("661: .byte 0x0f,0x1f,0x00\n662:\n"
		     ".pushsection .altinstructions, \"a\"\n"
		     ".long 661b - .\n"
		     ".long 6641f - .\n"
		     ".word 3*32+18\n"
		     ".byte 662b-661b\n"
		     ".byte 6642f-6641f\n"
		     ".popsection\n"
		     ".pushsection .altinstr_replacement, \"ax\"\n"
		     "6641: lfence\n6642:\n"
		     ".popsection\n"
		     "663:\n"
		     ".pushsection .discard.custom_annotation\n"
		     ".long 663b - .\n"
		     ".popsection\n" ::: "memory");
}

/* objtool's ORC tables: .orc_unwind_ip (s32 ip) and .orc_unwind (6-byte orc_entry), in step */
static inline __attribute__((always_inline)) void orc_entry(void)
{
	asm volatile("1:\n"
		     ".pushsection .orc_unwind_ip, \"a\"\n.long 1b - .\n.popsection\n"
		     ".pushsection .orc_unwind, \"a\"\n.short 8, 0\n.byte 0x15, 0\n.popsection\n");
}

/* An assembly function followed by an ORC section terminator at its end, as objtool writes. */
asm(".pushsection .text.asm_fn, \"ax\"\n"
    ".globl asm_fn\n.type asm_fn, @function\n"
    "asm_fn: ret\n"
    ".size asm_fn, . - asm_fn\n"
    "1:\n"
    ".pushsection .orc_unwind_ip, \"a\"\n.long 1b - .\n.popsection\n"
    ".pushsection .orc_unwind, \"a\"\n.short 0, 0\n.byte 0, 0\n.popsection\n"
    ".popsection\n");

int counter;

__attribute__((noinline)) int f_bug(int x) { WARN_ON(x > 5); return x + counter; }
static inline int helper_warn(int x) { WARN_ON(x == 42); return x * 2; }
__attribute__((noinline)) int f_caller(int x) { return helper_warn(x) + counter; }
__attribute__((noinline)) int f_jump(int x) { if (static_branch(&key_a)) return x * 3; return x; }
__attribute__((noinline)) int f_ex(const int *p) { int v; if (get_user_int(p, &v)) return -14; return v; }
__attribute__((noinline)) int f_alt(int x) { barrier_nospec(); orc_entry(); return x + counter; }
__attribute__((noinline, no_instrument_function)) int f_notrace(int x) { WARN_ON(x < 0); return x - counter; }
/* Two functions in one section (as __sched puts them): records resolve by offset. */
__attribute__((noinline, section(".sched.text"))) int s_first(int x) { WARN_ON(x == 1); orc_entry(); return x + counter * 5; }
__attribute__((noinline, section(".sched.text"))) int s_second(int x)
{
	WARN_ON(x == 2);
	WARN_ON(x == 3);
	orc_entry();
	return x ^ counter;
}
`;

async function compile(dir: string, name: string, source: string, flags: string[], gcc = 'gcc'): Promise<string> {
  const c = join(dir, `${name}.c`);
  const o = join(dir, `${name}.o`);
  writeFileSync(c, source);
  await execa(gcc, [...flags, c, '-o', o]);
  return o;
}

async function haveCompiler(gcc: string): Promise<boolean> {
  return (await execa(gcc, ['--version'], { reject: false })).exitCode === 0;
}

/** function name → number of records, for one section. */
function perFunction(records: SpecialSectionRecord[], section: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records.filter((x) => x.section === section)) {
    const key = r.function ?? '<none>';
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

const names = (obj: ElfObject, set: Set<number>) => [...set].map((i) => obj.symbols[i]!.name).sort();

describe('special sections on x86_64 (kernel code model, -pg -mfentry -mrecord-mcount)', () => {
  let obj: ElfObject;
  let records: SpecialSectionRecord[];
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cdm-special-'));
    obj = await readElfFile(await compile(dir, 'special', SOURCE, KERNEL_FLAGS));
    records = splitSpecialSections(obj);
  });

  it('splits __bug_table into 12-byte records, each attributed to the function holding its ud2', () => {
    const bugs = records.filter((r) => r.section === '__bug_table');
    expect(bugs.every((r) => r.size === 12)).toBe(true);
    expect(bugs.map((r) => r.offset)).toEqual(bugs.map((_, i) => i * 12));
    // helper_warn is inlined: its WARN_ON belongs to f_caller.
    expect(perFunction(records, '__bug_table')).toEqual({ f_bug: 1, f_caller: 1, f_notrace: 1, s_first: 1, s_second: 2 });
  });

  it('attributes records in a shared section (.sched.text) by offset to the right function', () => {
    const sched = records.filter((r) => r.section === '__bug_table' && (r.function === 's_first' || r.function === 's_second'));
    const first = obj.symbols.find((s) => s.name === 's_first')!;
    const second = obj.symbols.find((s) => s.name === 's_second')!;
    expect(first.shndx).toBe(second.shndx);
    expect(second.value).toBeGreaterThan(0n);
    for (const r of sched) {
      const fn = r.function === 's_first' ? first : second;
      expect(r.target!.sectionIndex).toBe(fn.shndx);
      expect(BigInt(r.target!.offset) >= fn.value && BigInt(r.target!.offset) < fn.value + fn.size).toBe(true);
    }
  });

  it('splits __jump_table (16 bytes) and __ex_table (12 bytes)', () => {
    expect(perFunction(records, '__jump_table')).toEqual({ f_jump: 1 });
    expect(perFunction(records, '__ex_table')).toEqual({ f_ex: 1 });
    expect(records.find((r) => r.section === '__jump_table')!.size).toBe(16);
    expect(records.find((r) => r.section === '__ex_table')!.size).toBe(12);
  });

  it('ties .altinstructions to the function and to its replacement bytes', () => {
    const alt = records.filter((r) => r.section === '.altinstructions');
    expect(alt).toHaveLength(1);
    expect(alt[0]!.function).toBe('f_alt');
    const repl = obj.sections.find((s) => s.name === '.altinstr_replacement')!;
    expect(alt[0]!.replacement).toEqual({ sectionIndex: repl.index, offset: 0, size: 3 });
  });

  it('attributes .orc_unwind through the .orc_unwind_ip record of the same index, section terminators included', () => {
    const ip = records.filter((r) => r.section === '.orc_unwind_ip');
    const orc = records.filter((r) => r.section === '.orc_unwind');
    expect(orc.map((r) => r.function)).toEqual(ip.map((r) => r.function));
    expect(orc.every((r) => r.size === 6)).toBe(true);
    expect(ip.map((r) => r.function).sort()).toEqual(['asm_fn', 'f_alt', 's_first', 's_second']);
    // asm_fn's entry sits at its end (offset == size), like objtool's terminator.
    const asmFn = obj.symbols.find((s) => s.name === 'asm_fn')!;
    expect(ip.find((r) => r.function === 'asm_fn')!.target!.offset).toBe(Number(asmFn.size));
  });

  it('splits an unknown objtool .discard.* section by its relocations and follows the function', () => {
    expect(isSpecialSection(EM.X86_64, '.discard.custom_annotation')).toBe(true);
    expect(perFunction(records, '.discard.custom_annotation')).toEqual({ f_alt: 1 });
  });

  it('lists __mcount_loc records for every function but the notrace one', () => {
    const mcount = records.filter((r) => r.section === '__mcount_loc');
    expect(mcount.every((r) => r.size === 8 && r.function !== undefined)).toBe(true);
    expect(mcount.map((r) => r.function).sort()).toEqual(['f_alt', 'f_bug', 'f_caller', 'f_ex', 'f_jump', 's_first', 's_second']);
  });

  it('tracedFunctions: fentry functions, not notrace, not plain asm', () => {
    expect(names(obj, tracedFunctions(obj))).toEqual(['f_alt', 'f_bug', 'f_caller', 'f_ex', 'f_jump', 's_first', 's_second']);
  });

  it('tracedFunctions without __mcount_loc finds the call __fentry__ at the first instruction', async () => {
    const noRecord = await readElfFile(await compile(dir, 'norecord', SOURCE, KERNEL_FLAGS.filter((f) => f !== '-mrecord-mcount')));
    expect(noRecord.sections.some((s) => s.name === '__mcount_loc')).toBe(false);
    expect(names(noRecord, tracedFunctions(noRecord))).toEqual(['f_alt', 'f_bug', 'f_caller', 'f_ex', 'f_jump', 's_first', 's_second']);
  });

  it('a section that is not a whole number of records is bad input naming the section', () => {
    const bug = obj.sections.find((s) => s.name === '__bug_table')!;
    const broken: ElfObject = {
      ...obj,
      sections: obj.sections.map((s) => (s === bug ? { ...s, size: s.size - 1n, data: s.data.subarray(0, s.data.length - 1) } : s)),
    };
    expect(() => splitSpecialSections(broken)).toThrow(InputError);
    expect(() => splitSpecialSections(broken)).toThrow(/__bug_table.*not a multiple of its record size 12/);
  });

  it('knows the special sections of each architecture', () => {
    for (const name of ['__bug_table', '__jump_table', '__ex_table', '.altinstructions', '.static_call_sites', '.retpoline_sites',
      '.return_sites', '.orc_unwind', '.orc_unwind_ip', '__mcount_loc', '.smp_locks', '.parainstructions', '.printk_index', '__dyndbg']) {
      expect(isSpecialSection(EM.X86_64, name), name).toBe(true);
    }
    for (const name of ['.text', '.text.foo', '.data', '.rodata.str1.1', '.altinstr_replacement', '__ksymtab_foo']) {
      expect(isSpecialSection(EM.X86_64, name), name).toBe(false);
    }
    expect(new Set(X86_64_SPECIAL_SECTIONS.map((l) => l.name)).size).toBe(X86_64_SPECIAL_SECTIONS.length);
    for (const machine of [EM.AARCH64, EM.PPC64, EM.S390, EM.LOONGARCH]) {
      const layouts = specialSectionLayouts(machine);
      expect(layouts.some((l) => l.name === '__mcount_loc' || l.name === '__patchable_function_entries')).toBe(true);
      expect(layouts.find((l) => l.name === '__bug_table')!.recordSize).toBe(12);
    }
    expect(specialSectionLayouts(EM.PPC64).find((l) => l.name === '__ex_table')!.recordSize).toBe(8);
    for (const l of specialSectionLayouts(EM.X86_64)) expect(l.source.length, l.name).toBeGreaterThan(10);
  });
});

// Other architectures, through Debian's cross compilers, with each one's kernel ftrace flags
// (arch/*/Makefile and the top Makefile) and notrace spelling (include/linux/compiler_types.h).
const GENERIC_SOURCE = (notrace: string) => String.raw`
/* bug_entry with relative pointers, as arm64/powerpc/s390 emit it: addr, file, line, flags */
#define BUG_ENTRY() asm volatile("1: nop\n.pushsection __bug_table,\"aw\"\n.balign 4\n2: .long 1b - .\n.long 0\n.short %c0, 0\n.popsection\n" :: "i" (__LINE__))
int counter;
__attribute__((noinline)) int traced_one(int x) { if (x > 3) BUG_ENTRY(); return x * 3 + counter; }
__attribute__((noinline)) int traced_two(int x) { return traced_one(x) + counter; }
__attribute__((noinline)) ${notrace} int not_traced(int x) { if (x < 0) BUG_ENTRY(); return x + counter; }
`;
const CROSS = [
  { arch: 'aarch64', gcc: 'aarch64-linux-gnu-gcc', machine: EM.AARCH64, flags: ['-fpatchable-function-entry=2'], notrace: '__attribute__((patchable_function_entry(0, 0)))', section: '__patchable_function_entries' },
  { arch: 'ppc64le', gcc: 'powerpc64le-linux-gnu-gcc', machine: EM.PPC64, flags: ['-pg', '-mprofile-kernel'], notrace: '__attribute__((no_instrument_function))', section: undefined },
  { arch: 's390x', gcc: 's390x-linux-gnu-gcc', machine: EM.S390, flags: ['-pg', '-mfentry', '-mnop-mcount', '-mrecord-mcount'], notrace: '__attribute__((no_instrument_function))', section: '__mcount_loc' },
];

describe.each(CROSS)('special sections on $arch', ({ gcc, machine, flags, notrace, section }) => {
  it('finds the traced functions and attributes __bug_table records', async (ctx) => {
    if (!(await haveCompiler(gcc))) ctx.skip();
    const dir = mkdtempSync(join(tmpdir(), 'cdm-special-x-'));
    const obj = await readElfFile(await compile(dir, 'generic', GENERIC_SOURCE(notrace), ['-O2', '-g', '-c', '-ffunction-sections', '-fdata-sections', ...flags], gcc));
    expect(obj.header.machine).toBe(machine);
    if (section) expect(obj.sections.some((s) => s.name === section)).toBe(true);
    // ppc64le: gcc has no -mrecord-mcount (the kernel runs recordmcount); the bl _mcount is found.
    expect(names(obj, tracedFunctions(obj))).toEqual(['traced_one', 'traced_two']);
    const records = splitSpecialSections(obj);
    expect(perFunction(records, '__bug_table')).toEqual({ not_traced: 1, traced_one: 1 });
  });
});
