// Every finding kind of the source analysis on small hand-written C: the old and the new text
// of one file, analysed exactly as `lint` does after applying a patch in memory.
import { describe, expect, it } from 'vitest';
import { analyzeChanges, buildReport, KINDS, type FindingKind } from '../../src/source/index.js';

async function kinds(before: string | undefined, after: string | undefined, file = 'kernel/x.c') {
  const a = await analyzeChanges([{ oldPath: before === undefined ? undefined : file, newPath: after === undefined ? undefined : file, before, after, patches: [] }]);
  return { a, kinds: a.findings.map((f) => f.kind).sort(), report: buildReport(a) };
}

const FN = `static int helper(int x)
{
	return x + 1;
}
`;

interface Case {
  name: string;
  file?: string;
  before: string;
  after: string;
  expect: FindingKind[];
  verdict?: string;
}

const cases: Case[] = [
  { name: 'body change', before: FN, after: FN.replace('x + 1', 'x + 2'), expect: ['function-changed'], verdict: 'patchable' },
  { name: 'comment only', before: FN, after: FN.replace('return x + 1;', 'return x + 1; /* one more */'), expect: [], verdict: 'no-change' },
  { name: 'whitespace only', before: FN, after: FN.replace('return x + 1;', 'return   x +\n\t\t1;'), expect: [], verdict: 'no-change' },
  { name: 'new function', before: FN, after: FN + '\nstatic int other(void)\n{\n\treturn 0;\n}\n', expect: ['function-added'] },
  { name: 'removed static function', before: FN + '\nstatic int other(void)\n{\n\treturn 0;\n}\n', after: FN, expect: ['removed-declaration'] },
  { name: 'removed global function', before: FN + '\nint other(void)\n{\n\treturn 0;\n}\n', after: FN, expect: ['function-removed'] },
  { name: 'static signature', before: FN, after: FN.replace('int x)', 'long x)'), expect: ['function-changed', 'signature-changed-static'] },
  { name: 'global signature', before: 'int api(int x)\n{\n\treturn x;\n}\n', after: 'int api(int x, int y)\n{\n\treturn x;\n}\n', expect: ['function-changed', 'signature-changed'], verdict: 'not-patchable' },
  { name: 'prototype in header', file: 'include/linux/x.h', before: 'int api(int x);\n', after: 'int api(long x);\n', expect: ['signature-changed'] },
  { name: '__init function', before: 'static int __init setup(void)\n{\n\treturn 0;\n}\n', after: 'static int __init setup(void)\n{\n\treturn 1;\n}\n', expect: ['function-changed', 'init-code-changed'] },
  { name: '__initdata', before: 'static int table[] __initdata = { 1, 2 };\n', after: 'static int table[] __initdata = { 1, 3 };\n', expect: ['init-code-changed'] },
  { name: 'initcall registration', before: FN + 'late_initcall(helper);\n', after: FN + 'late_initcall_sync(helper);\n', expect: ['init-code-changed', 'init-code-changed'] },
  { name: 'notrace', before: 'static notrace int f(void)\n{\n\treturn 0;\n}\n', after: 'static notrace int f(void)\n{\n\treturn 1;\n}\n', expect: ['function-changed', 'untraceable-function'] },
  { name: 'noinstr', before: 'noinstr void g(void)\n{\n\th();\n}\n', after: 'noinstr void g(void)\n{\n\th();\n\th();\n}\n', expect: ['function-changed', 'untraceable-function'] },
  { name: 'annotation change', before: 'static int f(void)\n{\n\treturn 0;\n}\n', after: 'static noinline int f(void)\n{\n\treturn 0;\n}\n', expect: ['signature-changed-static'] },
  { name: 'new export', before: 'int api(void)\n{\n\treturn 0;\n}\n', after: 'int api(void)\n{\n\treturn 0;\n}\nEXPORT_SYMBOL_GPL(api);\n', expect: ['export-added'] },
  { name: 'export made GPL', before: 'int api(void)\n{\n\treturn 0;\n}\nEXPORT_SYMBOL(api);\n', after: 'int api(void)\n{\n\treturn 0;\n}\nEXPORT_SYMBOL_GPL(api);\n', expect: ['export-changed'] },
  { name: 'struct member added', before: 'struct s {\n\tint a;\n\tint b;\n};\n', after: 'struct s {\n\tint a;\n\tint c;\n\tint b;\n};\n', expect: ['struct-member-added'] },
  { name: 'struct member removed', before: 'struct s {\n\tint a;\n\tint b;\n};\n', after: 'struct s {\n\tint a;\n};\n', expect: ['struct-member-removed'] },
  { name: 'struct members reordered', before: 'struct s {\n\tint a;\n\tlong b;\n\tchar c;\n};\n', after: 'struct s {\n\tlong b;\n\tint a;\n\tchar c;\n};\n', expect: ['struct-member-reordered'] },
  { name: 'struct member renamed', before: 'struct s {\n\tint a;\n\tint b;\n};\n', after: 'struct s {\n\tint a;\n\tint bee;\n};\n', expect: ['struct-member-renamed'] },
  { name: 'struct member type', before: 'struct s {\n\tint a;\n};\n', after: 'struct s {\n\tlong a;\n};\n', expect: ['struct-member-type-changed'] },
  { name: 'struct array size', before: 'struct s {\n\tchar name[16];\n};\n', after: 'struct s {\n\tchar name[32];\n};\n', expect: ['struct-member-type-changed'] },
  { name: 'struct bitfield width', before: 'struct s {\n\tunsigned int f:3;\n};\n', after: 'struct s {\n\tunsigned int f:4;\n};\n', expect: ['struct-member-type-changed'] },
  { name: 'struct __packed', before: 'struct s {\n\tchar a;\n\tint b;\n};\n', after: 'struct s {\n\tchar a;\n\tint b;\n} __packed;\n', expect: ['struct-attribute-changed'] },
  { name: 'struct __randomize_layout', before: 'struct s {\n\tint a;\n} __randomize_layout;\n', after: 'struct s {\n\tint a;\n};\n', expect: ['struct-attribute-changed'] },
  { name: 'member in #ifdef', before: 'struct s {\n\tint a;\n#ifdef CONFIG_X\n\tint x;\n#endif\n};\n', after: 'struct s {\n\tint a;\n#ifdef CONFIG_X\n\tint x;\n\tint y;\n#endif\n};\n', expect: ['struct-member-added'] },
  { name: 'member of anonymous union', before: 'struct s {\n\tunion {\n\t\tint a;\n\t\tlong b;\n\t};\n};\n', after: 'struct s {\n\tunion {\n\t\tint a;\n\t\tlong b;\n\t\tshort c;\n\t};\n};\n', expect: ['struct-member-added'] },
  { name: 'struct body macro changed', before: 'struct s {\n\tint a;\n\tKABI_RESERVE(1)\n};\n', after: 'struct s {\n\tint a;\n\tKABI_RESERVE(2)\n};\n', expect: ['struct-member-added', 'struct-member-removed'] },
  { name: 'new struct', before: FN, after: 'struct fresh {\n\tint a;\n};\n' + FN, expect: ['type-added'] },
  { name: 'enum value appended', before: 'enum e {\n\tE_A,\n\tE_B,\n};\n', after: 'enum e {\n\tE_A,\n\tE_B,\n\tE_C,\n};\n', expect: ['enum-value-added'] },
  { name: 'enum value inserted', before: 'enum e {\n\tE_A,\n\tE_B,\n\tE_MAX,\n};\n', after: 'enum e {\n\tE_A,\n\tE_B,\n\tE_N,\n\tE_MAX,\n};\n', expect: ['enum-renumbered', 'enum-value-added'] },
  { name: 'enum value removed', before: 'enum e {\n\tE_A,\n\tE_B,\n};\n', after: 'enum e {\n\tE_A,\n};\n', expect: ['enum-value-removed'] },
  { name: 'enum explicit value', before: 'enum e {\n\tE_A = 1,\n};\n', after: 'enum e {\n\tE_A = 2,\n};\n', expect: ['enum-renumbered'] },
  { name: 'constant changed', before: '#define LIMIT 64\n', after: '#define LIMIT 128\n', expect: ['constant-changed'] },
  { name: 'new flag bit', before: '#define F_A BIT(0)\n#define F_B BIT(1)\n', after: '#define F_A BIT(0)\n#define F_B BIT(1)\n#define F_C BIT(2)\n', expect: ['constant-added'] },
  { name: 'unrelated new define', before: FN, after: '#define HELPER_STEP 2\n' + FN, expect: ['define-added'] },
  { name: 'removed define', before: '#define OLD 1\n' + FN, after: FN, expect: ['removed-declaration'] },
  { name: 'function-like macro', before: '#define SQ(x) ((x) * (x))\n', after: '#define SQ(x) ((x) * (x) + 0)\n', expect: ['macro-changed'] },
  { name: 'header inline', file: 'include/linux/x.h', before: 'static inline int f(int a)\n{\n\treturn a;\n}\n', after: 'static inline int f(int a)\n{\n\treturn a + 1;\n}\n', expect: ['header-inline-changed'], verdict: 'patchable' },
  { name: 'global initialiser', before: 'int level = 1;\n', after: 'int level = 2;\n', expect: ['data-initializer-changed'] },
  { name: 'static initialiser struct', before: 'static struct cfg c = { .a = 1, .b = 2 };\n', after: 'static struct cfg c = { .a = 1, .b = 3 };\n', expect: ['data-initializer-changed'] },
  { name: 'DEFINE_ macro data', before: 'static DEFINE_RATELIMIT_STATE(rs, HZ, 10);\n', after: 'static DEFINE_RATELIMIT_STATE(rs, HZ, 20);\n', expect: ['data-initializer-changed'] },
  { name: 'module parameter', before: 'static int p;\nmodule_param(p, int, 0444);\n', after: 'static int p;\nmodule_param(p, int, 0644);\n', expect: ['data-initializer-changed'] },
  { name: 'ops table', before: 'static const struct file_operations fops = {\n\t.read = a_read,\n};\n', after: 'static const struct file_operations fops = {\n\t.read = b_read,\n};\n', expect: ['ops-table-changed'] },
  { name: 'const data', before: 'static const char *const names[] = { "a", "b" };\n', after: 'static const char *const names[] = { "a", "c" };\n', expect: ['const-data-changed'] },
  { name: 'data type', before: 'unsigned int count;\n', after: 'unsigned long count;\n', expect: ['data-type-changed'] },
  { name: 'typedef', before: 'typedef int id_t;\n', after: 'typedef long id_t;\n', expect: ['typedef-changed'] },
  { name: 'new data', before: FN, after: 'static int seen;\n' + FN, expect: ['data-added'] },
  { name: 'new lock', before: FN, after: 'static DEFINE_MUTEX(helper_mutex);\n' + FN, expect: ['lock-added'] },
  { name: 'new per-cpu data', before: FN, after: 'static DEFINE_PER_CPU(struct foo *, slots);\n' + FN, expect: ['data-added'] },
  { name: 'static local changed', before: 'void f(void)\n{\n\tstatic int n = 1;\n\tn++;\n}\n', after: 'void f(void)\n{\n\tstatic int n = 2;\n\tn++;\n}\n', expect: ['function-changed', 'static-local-changed'] },
  { name: 'static local added', before: 'void f(void)\n{\n\tg();\n}\n', after: 'void f(void)\n{\n\tstatic bool once;\n\n\tif (!once)\n\t\tg();\n\tonce = true;\n}\n', expect: ['function-changed', 'static-local-added'] },
  { name: 'syscall body', before: 'SYSCALL_DEFINE1(foo, int, x)\n{\n\treturn x;\n}\n', after: 'SYSCALL_DEFINE1(foo, int, x)\n{\n\treturn x + 1;\n}\n', expect: ['function-changed', 'syscall-changed'], verdict: 'patchable' },
  { name: 'syscall arguments', before: 'SYSCALL_DEFINE1(foo, int, x)\n{\n\treturn x;\n}\n', after: 'SYSCALL_DEFINE1(foo, long, x)\n{\n\treturn x;\n}\n', expect: ['function-changed', 'signature-changed', 'syscall-changed'] },
  { name: 'inline asm', before: 'void f(void)\n{\n\tasm volatile("nop");\n}\n', after: 'void f(void)\n{\n\tasm volatile("nop; nop");\n}\n', expect: ['function-changed', 'inline-asm'] },
  { name: 'always on stack (list)', before: 'void __schedule(void)\n{\n\ta();\n}\n', after: 'void __schedule(void)\n{\n\tb();\n}\n', expect: ['always-on-stack', 'function-changed'] },
  { name: 'always on stack (kthread loop)', before: 'static int loop(void *d)\n{\n\tfor (;;) {\n\t\twork();\n\t\tschedule();\n\t}\n}\n', after: 'static int loop(void *d)\n{\n\tfor (;;) {\n\t\twork2();\n\t\tschedule();\n\t}\n}\n', expect: ['always-on-stack', 'function-changed'] },
  { name: 'fields written', before: 'void f(struct s *p)\n{\n\tp->a = 1;\n}\n', after: 'void f(struct s *p)\n{\n\tp->a = 1;\n\tp->b++;\n}\n', expect: ['fields-written', 'function-changed'] },
  { name: 'locking', before: 'void f(struct s *p)\n{\n\tp->n = 0;\n}\n', after: 'void f(struct s *p)\n{\n\tspin_lock(&p->lock);\n\tp->n = 0;\n\tspin_unlock(&p->lock);\n}\n', expect: ['function-changed', 'locking-changed'] },
  { name: 'refcount', before: 'void f(struct s *p)\n{\n\tuse(p);\n}\n', after: 'void f(struct s *p)\n{\n\tkref_get(&p->ref);\n\tuse(p);\n}\n', expect: ['function-changed', 'locking-changed'] },
  { name: 'condition around code', before: 'int f(void)\n{\n\treturn 0;\n}\n', after: '#ifdef CONFIG_F\nint f(void)\n{\n\treturn 0;\n}\n#endif\n', expect: ['preproc-condition-changed'] },
  { name: 'unparsable region', before: 'int x;\n}}}\n', after: 'int x;\n}}}}\n', expect: ['unparsed-change'] },
  { name: 'unparsable function is still compared, with low confidence', before: 'FOO BAR(1) baz {\n', after: 'FOO BAR(2) baz {\n', expect: ['function-changed', 'signature-changed'] },
  { name: 'condition line outside declarations', before: '#if defined(CONFIG_A)\nint x;\n#endif\n', after: '#if defined(CONFIG_B)\nint x;\n#endif\n', expect: ['preproc-condition-changed'] },
  { name: 'struct member under another condition', before: 'struct s {\n\tint a;\n#ifdef CONFIG_A\n\tint x;\n#endif\n};\n', after: 'struct s {\n\tint a;\n#ifdef CONFIG_B\n\tint x;\n#endif\n};\n', expect: ['struct-changed'] },
  { name: 'Makefile', file: 'fs/x/Makefile', before: 'obj-y += a.o\n', after: 'obj-y += a.o b.o\n', expect: ['build-system-changed'] },
  { name: 'assembly', file: 'arch/x86/lib/x.S', before: '\tret\n', after: '\tnop\n\tret\n', expect: ['assembly-changed'] },
  { name: 'documentation', file: 'Documentation/x.rst', before: 'a\n', after: 'b\n', expect: ['not-kernel-code'], verdict: 'no-change' },
  { name: 'other file', file: 'firmware/x.json', before: '{}\n', after: '{"a":1}\n', expect: ['other-file-changed'] },
];

describe('source findings on hand-written C', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const { kinds: got, report } = await kinds(c.before, c.after, c.file);
    expect(got, JSON.stringify(report.findings, null, 1)).toEqual([...c.expect].sort());
    if (c.verdict) expect(report.verdict).toBe(c.verdict);
    for (const f of report.findings) expect(f.severity).toBe(KINDS[f.kind].severity);
  });

  it('every finding kind is exercised by a case', () => {
    const covered = new Set(cases.flatMap((c) => c.expect));
    expect(Object.keys(KINDS).filter((k) => !covered.has(k as FindingKind))).toEqual([]);
  });

  it('findings carry file, patched line, symbol, message and remedy', async () => {
    const { report } = await kinds('struct s {\n\tint a;\n};\n', '/* doc */\nstruct s {\n\tint a;\n\tint b;\n};\n', 'include/linux/s.h');
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: 'struct-member-added', severity: 'block', file: 'include/linux/s.h', line: 4, symbol: 's.b', evidence: 'source', confidence: 'high', remedy: expect.stringMatching(/shadow variable/) }),
    ]);
  });

  it('a declaration with ERROR nodes is still analysed, with low confidence', async () => {
    const before = 'struct s {\n\tint a;\n\tWEIRD_MACRO(x) y z;\n};\n';
    const after = 'struct s {\n\tint a;\n\tint b;\n\tWEIRD_MACRO(x) y z;\n};\n';
    const { report } = await kinds(before, after);
    const f = report.findings.find((x) => x.kind === 'struct-member-added');
    expect(f).toBeDefined();
    expect(f!.confidence).toBe('low');
  });

  it('kernel annotations do not break the parse (masked, positions kept)', async () => {
    const before = 'static int __init __must_check f(char __user *p)\n{\n\treturn 0;\n}\n';
    const after = 'static int __init __must_check f(char __user *p)\n{\n\treturn 1;\n}\n';
    const { a } = await kinds(before, after);
    expect(a.findings.every((f) => f.symbol === 'f')).toBe(true);
    expect(a.findings.every((f) => f.confidence === 'high')).toBe(true);
  });

  it('a function-defining macro body is a function', async () => {
    const before = 'BPF_CALL_1(bpf_x, int, a)\n{\n\treturn a;\n}\n';
    const after = 'BPF_CALL_1(bpf_x, int, a)\n{\n\treturn a + 1;\n}\n';
    const { a } = await kinds(before, after);
    expect(a.functions.map((f) => f.name)).toEqual(['bpf_x']);
  });
});
