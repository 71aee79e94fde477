/*
 * Small emulations of Linux kernel idioms for the object differ's scenario corpus
 * (testdata/diff/<scenario>/{orig,patched}.c). Written for these tests: the section names,
 * record layouts and calling conventions follow the kernel (6.1) so the objects look like
 * kernel objects to the differ, but nothing here is kernel code. No system header is
 * included, so every cross compiler builds these files without a libc.
 *
 * tests/helpers/diff-corpus.ts compiles each scenario with kernel-like flags and defines
 * CC_USING_FENTRY (x86_64, s390x), CC_USING_PATCHABLE_FUNCTION_ENTRY (aarch64) or
 * CC_USING_MPROFILE_KERNEL (ppc64le), as kbuild does.
 */
#ifndef DIFF_CORPUS_KERNEL_H
#define DIFF_CORPUS_KERNEL_H

#define NULL ((void *)0)
typedef _Bool bool;
#define true 1
#define false 0
typedef __SIZE_TYPE__ size_t;
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#ifndef KBUILD_MODNAME
#define KBUILD_MODNAME "demo"
#endif

/* ---- attributes ---- */
#define noinline __attribute__((__noinline__))
#define __always_inline inline __attribute__((__always_inline__))
#define __cold __attribute__((__cold__))
#define __used __attribute__((__used__))
#define __weak __attribute__((__weak__))
#define __section(s) __attribute__((__section__(s)))
#define __aligned(n) __attribute__((__aligned__(n)))
#define __printf(a, b) __attribute__((__format__(printf, a, b)))

/* ftrace cannot redirect a function without its entry hook (fentry, mprofile-kernel
 * mcount call, or patchable NOPs on arm64). */
#ifdef CC_USING_PATCHABLE_FUNCTION_ENTRY
#define notrace __attribute__((__patchable_function_entry__(0, 0)))
#else
#define notrace __attribute__((__no_instrument_function__))
#endif

/* Code and data that share one named section even under -ffunction-sections/-fdata-sections. */
#define __sched __section(".sched.text")
#define __init __section(".init.text") __cold
#define __initdata __section(".init.data")
#define __read_mostly __section(".data..read_mostly")
#define __ro_after_init __section(".data..ro_after_init")

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define barrier() __asm__ __volatile__("" : : : "memory")
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val) (*(volatile __typeof__(x) *)&(x) = (val))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define ___PASTE(a, b) a##b
#define __PASTE(a, b) ___PASTE(a, b)
#define __UNIQUE_ID(prefix) __PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)

/* ---- functions of the running kernel (never defined here) ---- */
extern int printk(const char *fmt, ...) __printf(1, 2);
extern void *kmalloc(size_t size, unsigned int flags);
extern void kfree(const void *p);
extern void *memset(void *s, int c, size_t n);
extern void *memcpy(void *d, const void *s, size_t n);
extern void __might_sleep(const char *file, int line);
extern void __might_resched(const char *file, int line, unsigned int offsets);
extern void __warn_printk(const char *fmt, ...) __printf(1, 2);
extern void warn_slowpath_fmt(const char *file, const int line, unsigned taint, const char *fmt, ...);
extern void panic(const char *fmt, ...) __printf(1, 2) __attribute__((__noreturn__));

#define GFP_KERNEL 0xcc0u
#define KERN_ERR "\001" "3"
#define KERN_WARNING "\001" "4"
#define KERN_INFO "\001" "6"
#define pr_err(fmt, ...) printk(KERN_ERR fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) printk(KERN_WARNING fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) printk(KERN_INFO fmt, ##__VA_ARGS__)

/* Line sink: the line argument of __might_sleep (6.1 signature). */
#define might_sleep() __might_sleep(__FILE__, __LINE__)
#define cond_resched_might() __might_resched(__FILE__, __LINE__, 0)

/* ---- BUG / WARN ----
 * x86_64: ud2 plus a 12-byte __bug_table record {int bug_addr_disp; int file_disp; u16 line;
 * u16 flags} (relative pointers, as CONFIG_GENERIC_BUG_RELATIVE_POINTERS).
 * Elsewhere: the generic fallback, warn_slowpath_fmt(__FILE__, __LINE__, taint, NULL). */
#define BUGFLAG_WARNING (1 << 0)
#define BUGFLAG_ONCE (1 << 1)
#define BUGFLAG_TAINT(taint) ((taint) << 8)
#define TAINT_WARN 9
#define BUG_ENTRY_SIZE 12

#ifdef __x86_64__
#define __BUG_FLAGS(flags)                                                        \
	__asm__ __volatile__("1:\tud2\n"                                          \
			     "\t.pushsection __bug_table,\"aw\"\n"                \
			     "2:\t.long 1b - .\n"                                 \
			     "\t.long %c0 - .\n"                                  \
			     "\t.word %c1\n"                                      \
			     "\t.word %c2\n"                                      \
			     "\t.org 2b + %c3\n"                                  \
			     "\t.popsection"                                      \
			     : : "i"(__FILE__), "i"(__LINE__), "i"(flags),        \
			       "i"(BUG_ENTRY_SIZE))
#define BUG()                                                                     \
	do {                                                                      \
		__BUG_FLAGS(0);                                                   \
		__builtin_unreachable();                                          \
	} while (0)
#define __WARN() __BUG_FLAGS(BUGFLAG_WARNING | BUGFLAG_TAINT(TAINT_WARN))
#define __WARN_printf(arg...)                                                     \
	do {                                                                      \
		__warn_printk(arg);                                               \
		__WARN();                                                         \
	} while (0)
#else
#define BUG() panic("BUG!")
#define __WARN() warn_slowpath_fmt(__FILE__, __LINE__, TAINT_WARN, NULL)
#define __WARN_printf(arg...) warn_slowpath_fmt(__FILE__, __LINE__, TAINT_WARN, arg)
#endif

#define WARN_ON(condition)                                                        \
	({                                                                        \
		int __ret_warn_on = !!(condition);                                \
		if (unlikely(__ret_warn_on))                                      \
			__WARN();                                                 \
		unlikely(__ret_warn_on);                                          \
	})
#define WARN(condition, format...)                                                \
	({                                                                        \
		int __ret_warn_on = !!(condition);                                \
		if (unlikely(__ret_warn_on))                                      \
			__WARN_printf(format);                                    \
		unlikely(__ret_warn_on);                                          \
	})
/* One flag per call site in .data.once, as the kernel's DO_ONCE_LITE_IF. */
#define WARN_ONCE(condition, format...)                                           \
	({                                                                        \
		static bool __section(".data.once") __already_done;               \
		int __ret_do_once = !!(condition);                                \
		if (unlikely(__ret_do_once && !__already_done)) {                 \
			__already_done = true;                                    \
			WARN(1, format);                                          \
		}                                                                 \
		unlikely(__ret_do_once);                                          \
	})

/* ---- jump labels ----
 * x86_64: a 5-byte NOP and a __jump_table record {s32 code; s32 target; s64 key} (relative),
 * the key's low bit holding the branch direction. Elsewhere: a plain load of the key. */
struct static_key {
	int enabled;
	void *entries;
};
struct static_key_true {
	struct static_key key;
};
struct static_key_false {
	struct static_key key;
};
#define STATIC_KEY_FALSE_INIT { { 0, NULL } }
#define DEFINE_STATIC_KEY_FALSE(name) struct static_key_false name = STATIC_KEY_FALSE_INIT
#define DECLARE_STATIC_KEY_FALSE(name) extern struct static_key_false name

#ifdef __x86_64__
static __always_inline bool arch_static_branch(struct static_key *key, bool branch)
{
	__asm__ goto("1:\t.byte 0x0f,0x1f,0x44,0x00,0x00\n"
		     "\t.pushsection __jump_table, \"aw\"\n"
		     "\t.balign 8\n"
		     "\t.long 1b - .\n"
		     "\t.long %l[l_yes] - .\n"
		     "\t.quad %c0 + %c1 - .\n"
		     "\t.popsection"
		     : : "i"(key), "i"(branch) : : l_yes);
	return false;
l_yes:
	return true;
}
#define static_branch_unlikely(x) unlikely(arch_static_branch(&(x)->key, false))
#else
#define static_branch_unlikely(x) unlikely(READ_ONCE((x)->key.enabled) > 0)
#endif

/* ---- dynamic debug: one descriptor per pr_debug call site, in __dyndbg ----
 * Laid out as the kernel's struct _ddebug with JUMP_LABEL on a 64-bit arch: 56 bytes, the
 * static key last; the call site tests that key with a static branch. */
struct _ddebug {
	const char *modname;
	const char *function;
	const char *filename;
	const char *format;
	unsigned int lineno : 18;
	unsigned int class_id : 6;
	unsigned int flags : 8;
	union {
		struct static_key_true dd_key_true;
		struct static_key_false dd_key_false;
	} key;
} __aligned(8);
extern void __dynamic_pr_debug(struct _ddebug *descriptor, const char *fmt, ...);

#define __dynamic_pr_debug_call(id, fmt, ...)                                     \
	do {                                                                      \
		static struct _ddebug __used __aligned(8) __section("__dyndbg") id = { \
			.modname = KBUILD_MODNAME,                                \
			.function = __func__,                                     \
			.filename = __FILE__,                                     \
			.format = (fmt),                                          \
			.lineno = __LINE__,                                       \
			.key.dd_key_false = STATIC_KEY_FALSE_INIT,                \
		};                                                                \
		if (static_branch_unlikely(&id.key.dd_key_false))                \
			__dynamic_pr_debug(&id, fmt, ##__VA_ARGS__);              \
	} while (0)
#define pr_debug(fmt, ...) __dynamic_pr_debug_call(__UNIQUE_ID(ddebug), fmt, ##__VA_ARGS__)

/* ---- exception table (x86_64 only) ----
 * A 12-byte __ex_table record {s32 insn; s32 fixup; s32 data}, relative, as 6.1's extable. */
#define EX_TYPE_DEFAULT 1
#ifdef __x86_64__
#define _ASM_EXTABLE(from, to, type)                                              \
	"\t.pushsection __ex_table,\"a\"\n"                                       \
	"\t.balign 4\n"                                                           \
	"\t.long (" #from ") - .\n"                                               \
	"\t.long (" #to ") - .\n"                                                 \
	"\t.long " #type "\n"                                                     \
	"\t.popsection\n"
/* Reads *src; a fault resumes after the load with *dst untouched (the fixup is label 2). */
static __always_inline int get_kernel_int(int *dst, const int *src)
{
	int val = -1;
	__asm__ __volatile__("1:\tmovl (%[src]), %[val]\n"
			     "2:\n" _ASM_EXTABLE(1b, 2b, 1)
			     : [val] "+r"(val)
			     : [src] "r"(src)
			     : "memory");
	*dst = val;
	return val < 0 ? -14 : 0;
}
#endif

/* ---- exports: a __ksymtab entry and its name, as EXPORT_SYMBOL emits them ---- */
struct kernel_symbol {
	unsigned long value;
	const char *name;
	const char *namespace;
};
#define EXPORT_SYMBOL(sym)                                                        \
	extern __typeof__(sym) sym;                                               \
	static const char __kstrtab_##sym[] __section("__ksymtab_strings")        \
		__used __aligned(1) = #sym;                                       \
	static const char __kstrtabns_##sym[] __section("__ksymtab_strings")      \
		__used __aligned(1) = "";                                         \
	static const struct kernel_symbol __ksymtab_##sym                         \
		__section("___ksymtab+" #sym) __used __aligned(8) = {             \
			(unsigned long)&sym, __kstrtab_##sym, __kstrtabns_##sym }

#endif /* DIFF_CORPUS_KERNEL_H */
