// Checks the relocation-name tables against binutils itself: objects compiled at test time
// (host gcc and the cross compilers) and synthetic objects carrying every type number are
// run through `readelf -r --wide`, and every relocation readelf names must get the same
// name from relocationTypeName.
import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EM, machineName, relocationTypeName, relocationTypeNumber } from '../../src/elf/reloc-types.js';

// Globals (extern, static, bss), TLS in all four models, direct/indirect/weak calls, string
// literals, a jump-table switch, pointer tables, computed goto, and PC-relative data words.
const SOURCE = String.raw`
extern int ext_var;
extern int ext_arr[16];
extern int ext_func(int);
extern void ext_void(void);
extern int weak_func(int) __attribute__((weak));
static int local_var = 3;
int global_var = 7;
int global_bss;
static const char *const messages[] = { "zero", "one", "two", "three" };
int (*const fn_table[])(int) = { ext_func, 0 };
int *const ptr_table[] = { &ext_var, &global_var, &local_var, &ext_arr[3] };

__thread int tls_default;
extern __thread int tls_ext;
static __thread int tls_static;
__thread int tls_gd __attribute__((tls_model("global-dynamic")));
static __thread int tls_ld __attribute__((tls_model("local-dynamic")));
__thread int tls_ie __attribute__((tls_model("initial-exec")));
__thread int tls_le __attribute__((tls_model("local-exec")));

asm(".pushsection .data.reloc_probe,\"aw\"\n"
    "\t.balign 8\n"
    "\t.long ext_var - .\n"
    "\t.long 0\n"
    "\t.quad ext_func - .\n"
    "\t.quad ext_var\n"
    "\t.popsection\n");

static int __attribute__((noinline)) helper(int x) { return x * local_var + global_bss; }

int dispatch(int op, int v)
{
	switch (op) {
	case 0: return ext_func(v) + 1;
	case 1: return helper(v) - 2;
	case 2: return v * 3 + ext_var;
	case 3: return v ^ global_var;
	case 4: return ext_arr[v & 15];
	case 5: return (int)messages[v & 3][0];
	case 6: return tls_default + tls_ext;
	case 7: return tls_static++;
	case 8: return fn_table[0](v);
	default: return -1;
	}
}

int use_tls(int v)
{
	tls_gd += v; tls_ld += v; tls_ie += v; tls_le += v; tls_ext += v;
	return tls_gd + tls_ld + tls_ie + tls_le;
}

const char *message(int i) { return i ? "a string literal" : messages[i & 3]; }
int call_weak(int x) { if (weak_func) return weak_func(x); ext_void(); return *ptr_table[x & 3]; }
int *addr_of(int i) { static void *labels[] = { &&l0, &&l1 }; goto *labels[i & 1]; l0: return &ext_var; l1: return &ext_arr[i]; }
`;

const COMMON = ['-O2', '-c', '-ffunction-sections', '-fdata-sections'];

interface Target {
  cc: string;
  machine: number;
  /** Flag sets, each compiled separately; together they reach many relocation types. */
  variants: string[][];
}

const TARGETS: Target[] = [
  {
    cc: 'gcc',
    machine: EM.X86_64,
    variants: [
      ['-fPIC'],
      ['-fno-pic', '-mcmodel=kernel'],
      ['-fno-pic', '-mcmodel=kernel', '-g'],
      ['-fPIC', '-mtls-dialect=gnu2'],
      ['-fPIC', '-mcmodel=large'],
      ['-fPIC', '-fno-plt', '-g'],
    ],
  },
  {
    cc: 'aarch64-linux-gnu-gcc',
    machine: EM.AARCH64,
    variants: [
      ['-fPIC'],
      ['-fpic'],
      ['-fPIC', '-mtls-dialect=trad'],
      ['-fno-pic', '-mcmodel=large'],
      ['-fno-pic', '-mcmodel=tiny', '-g'],
    ],
  },
  {
    cc: 'powerpc64le-linux-gnu-gcc',
    machine: EM.PPC64,
    variants: [
      ['-fPIC'],
      ['-fno-pic', '-mcmodel=small'],
      ['-fPIC', '-mcmodel=large'],
      ['-fPIC', '-mcpu=power10', '-g'],
    ],
  },
  {
    cc: 's390x-linux-gnu-gcc',
    machine: EM.S390,
    variants: [['-fPIC'], ['-fpic'], ['-fno-pic', '-g']],
  },
];

async function installed(cmd: string): Promise<boolean> {
  const r = await execa(cmd, ['--version'], { reject: false });
  return !r.failed;
}

const AVAILABLE = new Map<string, boolean>(
  await Promise.all(TARGETS.map(async (t) => [t.cc, await installed(t.cc)] as const)),
);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reloc-types-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface ReadelfReloc {
  /** Low 32 bits of the Info column. */
  type: number;
  /** The Type column and everything after it. */
  rest: string;
}

/** The relocation lines of `readelf -r --wide`: Offset, Info, then Type. */
async function readelfRelocs(file: string): Promise<ReadelfReloc[]> {
  const { stdout } = await execa('readelf', ['-r', '--wide', file]);
  const out: ReadelfReloc[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^([0-9a-f]{16}) +([0-9a-f]{16}) (.*)$/.exec(line);
    if (!m) continue;
    out.push({ type: Number(BigInt(`0x${m[2]}`) & 0xffffffffn), rest: m[3]! });
  }
  return out;
}

const typeColumn = (r: ReadelfReloc): string => r.rest.split(/\s+/)[0]!;

describe('relocation names of compiled objects match readelf', () => {
  const source = path.join(tmp, 'probe.c');
  fs.writeFileSync(source, SOURCE);

  for (const target of TARGETS) {
    it.skipIf(!AVAILABLE.get(target.cc))(`${target.cc} (${machineName(target.machine)})`, async () => {
      const seen = new Map<number, string>();
      await Promise.all(
        target.variants.map(async (flags, i) => {
          const obj = path.join(tmp, `${target.cc}-${i}.o`);
          await execa(target.cc, [...COMMON, ...flags, source, '-o', obj]);
          for (const r of await readelfRelocs(obj)) seen.set(r.type, typeColumn(r));
        }),
      );
      // Compare as whole maps so a failure lists every mismatch at once.
      const ours = new Map([...seen.keys()].map((t) => [t, relocationTypeName(target.machine, t)]));
      expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(seen));
      for (const [t, name] of seen) expect(relocationTypeNumber(target.machine, name)).toBe(t);
      expect(seen.size).toBeGreaterThanOrEqual(10);
    });
  }
});

/**
 * A minimal little-endian ELF64 ET_REL for `machine` whose .rela.text holds one relocation
 * (symbol 0, addend 0) of each type in `types`.
 */
function syntheticObject(machine: number, types: number[]): Buffer {
  const shstrtab = Buffer.from('\0.text\0.rela.text\0.symtab\0.strtab\0.shstrtab\0');
  const nameAt = (n: string) => shstrtab.indexOf(`${n}\0`);
  const rela = Buffer.alloc(24 * types.length);
  types.forEach((t, i) => rela.writeBigUInt64LE(BigInt(t), i * 24 + 8));
  const parts: Array<[string, Buffer]> = [
    ['text', Buffer.alloc(16)],
    ['rela', rela],
    ['symtab', Buffer.alloc(24)],
    ['strtab', Buffer.alloc(1)],
    ['shstrtab', shstrtab],
  ];
  const chunks: Buffer[] = [];
  const offsets: Record<string, number> = {};
  let pos = 64;
  for (const [key, data] of parts) {
    const pad = (8 - (pos % 8)) % 8;
    chunks.push(Buffer.alloc(pad));
    pos += pad;
    offsets[key] = pos;
    chunks.push(data);
    pos += data.length;
  }
  const pad = (8 - (pos % 8)) % 8;
  chunks.push(Buffer.alloc(pad));
  const shoff = pos + pad;

  const ehdr = Buffer.alloc(64);
  ehdr.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0); // ELFCLASS64, ELFDATA2LSB, EV_CURRENT
  ehdr.writeUInt16LE(1, 16); // ET_REL
  ehdr.writeUInt16LE(machine, 18);
  ehdr.writeUInt32LE(1, 20);
  ehdr.writeBigUInt64LE(BigInt(shoff), 40);
  ehdr.writeUInt16LE(64, 52); // e_ehsize
  ehdr.writeUInt16LE(64, 58); // e_shentsize
  ehdr.writeUInt16LE(6, 60); // e_shnum
  ehdr.writeUInt16LE(5, 62); // e_shstrndx

  const shdr = (name: number, type: number, flags: number, key: string | null, link: number, info: number, align: number, entsize: number) => {
    const b = Buffer.alloc(64);
    const data = key ? parts.find(([k]) => k === key)![1] : Buffer.alloc(0);
    b.writeUInt32LE(name, 0);
    b.writeUInt32LE(type, 4);
    b.writeBigUInt64LE(BigInt(flags), 8);
    b.writeBigUInt64LE(BigInt(key ? offsets[key]! : 0), 24);
    b.writeBigUInt64LE(BigInt(data.length), 32);
    b.writeUInt32LE(link, 40);
    b.writeUInt32LE(info, 44);
    b.writeBigUInt64LE(BigInt(align), 48);
    b.writeBigUInt64LE(BigInt(entsize), 56);
    return b;
  };
  const headers = [
    shdr(0, 0, 0, null, 0, 0, 0, 0),
    shdr(nameAt('.text'), 1, 0x6, 'text', 0, 0, 4, 0), // PROGBITS, AX
    shdr(nameAt('.rela.text'), 4, 0x40, 'rela', 3, 1, 8, 24), // RELA, I; link .symtab, info .text
    shdr(nameAt('.symtab'), 2, 0, 'symtab', 4, 1, 8, 24),
    shdr(nameAt('.strtab'), 3, 0, 'strtab', 0, 0, 1, 0),
    shdr(nameAt('.shstrtab'), 3, 0, 'shstrtab', 0, 0, 1, 0),
  ];
  return Buffer.concat([ehdr, ...chunks, ...headers]);
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('every type number in a synthetic object matches readelf', () => {
  // AArch64 skips 1-255: those are the ILP32 (P32) numbers, which readelf also names.
  const SCANS: Array<[number, number[]]> = [
    [EM.X86_64, range(0, 300)],
    [EM.AARCH64, [0, ...range(256, 1100)]],
    [EM.PPC64, range(0, 300)],
    [EM.S390, range(0, 300)],
    [EM.LOONGARCH, range(0, 300)],
  ];

  for (const [machine, types] of SCANS) {
    it(machineName(machine), async () => {
      const file = path.join(tmp, `synthetic-${machine}.o`);
      fs.writeFileSync(file, syntheticObject(machine, types));
      const relocs = await readelfRelocs(file);
      expect(relocs.map((r) => r.type)).toEqual(types);

      const mismatches: string[] = [];
      const newerThanReadelf: number[] = [];
      for (const r of relocs) {
        const ours = relocationTypeName(machine, r.type);
        if (r.rest.startsWith('unrecognized: ')) {
          // An older readelf than the table knows fewer types; otherwise the fallback must match.
          if (!ours.startsWith('unrecognized: ')) newerThanReadelf.push(r.type);
          else if (!r.rest.startsWith(ours)) mismatches.push(`${r.type}: readelf "${r.rest.slice(0, 22)}", ours "${ours}"`);
        } else if (typeColumn(r) !== ours) {
          mismatches.push(`${r.type}: readelf ${typeColumn(r)}, ours ${ours}`);
        }
      }
      expect(mismatches).toEqual([]);
      // Readelf must know most of the table, or this check would prove little.
      expect(newerThanReadelf.length).toBeLessThan(relocs.length / 4);
    });
  }
});

describe('lookups', () => {
  it('names, numbers and machines', () => {
    expect(relocationTypeName(EM.X86_64, 4)).toBe('R_X86_64_PLT32');
    expect(relocationTypeName(EM.AARCH64, 283)).toBe('R_AARCH64_CALL26');
    expect(relocationTypeName(EM.PPC64, 10)).toBe('R_PPC64_REL24');
    expect(relocationTypeName(EM.S390, 19)).toBe('R_390_PC32DBL');
    expect(relocationTypeName(EM.LOONGARCH, 66)).toBe('R_LARCH_B26');
    expect(relocationTypeNumber(EM.AARCH64, 'R_AARCH64_ABS64')).toBe(257);
    expect(relocationTypeNumber(EM.AARCH64, 'R_AARCH64_TLS_DTPMOD')).toBe(1028);
    expect(relocationTypeNumber(EM.X86_64, 'R_AARCH64_ABS64')).toBeUndefined();
    expect(relocationTypeNumber(99, 'R_X86_64_64')).toBeUndefined();
    expect(machineName(EM.S390)).toBe('s390x');
    expect(machineName(EM.LOONGARCH)).toBe('loongarch64');
    expect(machineName(3)).toBe('machine 3');
  });

  it("unknown types use readelf's `unrecognized: %-7lx`", () => {
    expect(relocationTypeName(EM.X86_64, 0x3f)).toBe('unrecognized: 3f     ');
    expect(relocationTypeName(EM.S390, 0x12345678)).toBe('unrecognized: 12345678');
    expect(relocationTypeName(99, 1)).toBe('unrecognized: 1      ');
  });

  it('every table entry round-trips', () => {
    for (const machine of Object.values(EM)) {
      for (let t = 0; t < 1100; t++) {
        const name = relocationTypeName(machine, t);
        if (!name.startsWith('unrecognized')) expect(relocationTypeNumber(machine, name)).toBe(t);
      }
    }
  });
});
