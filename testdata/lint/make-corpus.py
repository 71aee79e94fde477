#!/usr/bin/env python3
"""Regenerate the lint corpus: each entry edits files of the pristine Debian 6.1.0-56 source
(~/.cache/create-diff-module/6.1.0-56/source, only read) and writes <name>.patch in git-diff
form (diff --git a/… b/…, `diff -u -p` hunks). The expected findings (<name>.expected.json) are
written by hand, not generated. Run: python3 testdata/lint/make-corpus.py [name...]"""
import json, os, subprocess, sys, tempfile

SRC = os.path.expanduser(os.environ.get('CDM_LINT_SRC', '~/.cache/create-diff-module/6.1.0-56/source')) + '/'
OUT = os.path.dirname(os.path.abspath(__file__)) + '/'
T = '\t'

def edit(path, edits):
    text = open(SRC + path).read()
    for old, new in edits:
        n = text.count(old)
        if n != 1:
            sys.exit(f'{path}: {old!r} occurs {n} times')
        text = text.replace(old, new)
    return text

def file_diff(path, before, after):
    with tempfile.TemporaryDirectory() as d:
        a, b = d + '/a', d + '/b'
        open(a, 'w').write(before or '')
        open(b, 'w').write(after or '')
        la = f'a/{path}' if before is not None else '/dev/null'
        lb = f'b/{path}' if after is not None else '/dev/null'
        r = subprocess.run(['diff', '-u', '-p', '--label', la, '--label', lb, a, b], capture_output=True, text=True)
        if r.returncode != 1:
            sys.exit(f'{path}: no difference or diff failed ({r.returncode})')
    head = f'diff --git a/{path} b/{path}\n'
    if before is None: head += 'new file mode 100644\n'
    if after is None: head += 'deleted file mode 100644\n'
    return head + r.stdout

def patch(spec):
    out = []
    for path, edits in spec.items():
        before = open(SRC + path).read() if os.path.exists(SRC + path) else None
        after = edits if isinstance(edits, str) else edit(path, edits)
        out.append(file_diff(path, before, after))
    return ''.join(out)

def mbox(messages):
    """messages: [(subject, spec)] applied in order; each spec is relative to the previous state."""
    out, i = [], 0
    for subject, text in messages:
        i += 1
        out.append(f'From 0123456789abcdef0123456789abcdef0123456{i} Mon Sep 17 00:00:00 2001\n'
                   f'From: A Developer <dev@example.org>\nDate: Mon, 1 Jan 2024 00:00:0{i} +0000\n'
                   f'Subject: [PATCH {i}/{len(messages)}] {subject}\n\nWhy this change is needed.\n\n'
                   f'Signed-off-by: A Developer <dev@example.org>\n---\n{text}-- \n2.39.5\n\n')
    return ''.join(out)

CORPUS = {
    # --- safe, body-only fixes -------------------------------------------------------------
    'bounds-check': {'fs/read_write.c': [(
        f'{T}if (unlikely((ssize_t) count < 0))\n{T}{T}return -EINVAL;\n\n{T}if (ppos) {{',
        f'{T}if (unlikely((ssize_t) count < 0))\n{T}{T}return -EINVAL;\n{T}if (unlikely(count > MAX_RW_COUNT))\n{T}{T}count = MAX_RW_COUNT;\n\n{T}if (ppos) {{')]},
    'new-helper-function': {'fs/proc/cmdline.c': [(
        'static int cmdline_proc_show(struct seq_file *m, void *v)\n{\n\tseq_puts(m, saved_command_line);',
        'static void cmdline_put(struct seq_file *m, const char *s)\n{\n\tif (s)\n\t\tseq_puts(m, s);\n}\n\n'
        'static int cmdline_proc_show(struct seq_file *m, void *v)\n{\n\tcmdline_put(m, saved_command_line);')]},
    'static-signature': {'fs/pipe.c': [
        ('static inline bool pipe_readable(const struct pipe_inode_info *pipe)\n{\n\tunsigned int head = READ_ONCE(pipe->head);\n\tunsigned int tail = READ_ONCE(pipe->tail);\n\tunsigned int writers = READ_ONCE(pipe->writers);\n\n\treturn !pipe_empty(head, tail) || !writers;',
         'static inline bool pipe_readable(const struct pipe_inode_info *pipe, bool need_writers)\n{\n\tunsigned int head = READ_ONCE(pipe->head);\n\tunsigned int tail = READ_ONCE(pipe->tail);\n\tunsigned int writers = READ_ONCE(pipe->writers);\n\n\treturn !pipe_empty(head, tail) || (need_writers && !writers);'),
        ('wait_event_interruptible_exclusive(pipe->rd_wait, pipe_readable(pipe))', 'wait_event_interruptible_exclusive(pipe->rd_wait, pipe_readable(pipe, true))'),
        ('\twait_event_interruptible(pipe->rd_wait, pipe_readable(pipe));', '\twait_event_interruptible(pipe->rd_wait, pipe_readable(pipe, true));'),
    ]},
    'static-local-added': {'fs/read_write.c': [(
        '\tif (unlikely((ssize_t) count < 0))\n\t\treturn -EINVAL;\n\n\tif (ppos) {',
        '\tstatic bool warned;\n\n\tif (unlikely((ssize_t) count < 0)) {\n\t\tif (!warned) {\n\t\t\twarned = true;\n\t\t\tpr_warn("rw_verify_area: negative count\\n");\n\t\t}\n\t\treturn -EINVAL;\n\t}\n\n\tif (ppos) {')]},
    'module-param-default': {'kernel/smp.c': [(
        'static ulong csd_lock_timeout = 5000;  /* CSD lock timeout in milliseconds. */', 'static ulong csd_lock_timeout = 10000;  /* CSD lock timeout in milliseconds. */')]},
    'typedef-changed': {'mm/page_alloc.c': [('typedef int __bitwise fpi_t;', 'typedef unsigned int __bitwise fpi_t;')]},
    'anonymous-typedef-struct': {'fs/select.c': [(
        'typedef struct {\n\tunsigned long *in, *out, *ex;\n\tunsigned long *res_in, *res_out, *res_ex;\n} fd_set_bits;',
        'typedef struct {\n\tunsigned long *in, *out, *ex;\n\tunsigned long *res_in, *res_out, *res_ex;\n\tunsigned long nr;\n} fd_set_bits;')]},
    'enum-appended-in-c': {'mm/vmscan.c': [(
        '\tFOLIOREF_KEEP,\n\tFOLIOREF_ACTIVATE,\n};', '\tFOLIOREF_KEEP,\n\tFOLIOREF_ACTIVATE,\n\tFOLIOREF_DEFER,\n};')]},
    'macro-changed': {'fs/proc/base.c': [('\t.len  = sizeof(NAME) - 1,\t\t\t\\\n', '\t.len  = strlen(NAME),\t\t\t\\\n')]},
    'percpu-added': {'kernel/smp.c': [(
        'static DEFINE_PER_CPU(void *, cur_csd_info);\n', 'static DEFINE_PER_CPU(void *, cur_csd_info);\nstatic DEFINE_PER_CPU(unsigned long, cur_csd_count);\n')]},
    'multi-file-fix': {
        'fs/pipe.c': [('\tif (page_count(page) == 1 && !pipe->tmp_page)\n', '\tif (page_count(page) == 1 && !pipe->tmp_page && !PageHWPoison(page))\n')],
        'fs/proc/cmdline.c': [('\tseq_putc(m, \'\\n\');\n', '\tseq_putc(m, \'\\n\');\n\tcond_resched();\n')],
    },
    'comment-only': {'fs/read_write.c': [(
        '/* both values are in 0..LLONG_MAX */', '/* both values are in 0..LLONG_MAX, so -pos cannot overflow */')]},
    'whitespace-only': {'fs/proc/cmdline.c': [(
        '\tseq_putc(m, \'\\n\');\n\treturn 0;', '\tseq_putc(m,\n\t\t \'\\n\');\n\n\treturn 0;')]},
    'documentation-only': {'Documentation/filesystems/proc.rst': [(
        '====================\nThe /proc Filesystem\n====================\n', '=====================\nThe /proc File System\n=====================\n')]},
    'macro-heavy-bpf-call': {'kernel/bpf/helpers.c': [(
        '\tWARN_ON_ONCE(!bpf_rcu_lock_held());\n\treturn (unsigned long) map->ops->map_lookup_elem(map, key);',
        '\tWARN_ON_ONCE(!bpf_rcu_lock_held());\n\tif (unlikely(!key))\n\t\treturn 0;\n\treturn (unsigned long) map->ops->map_lookup_elem(map, key);')]},
    # --- care ---------------------------------------------------------------------------
    'header-inline': {'include/linux/pipe_fs_i.h': [(
        'static inline bool pipe_empty(unsigned int head, unsigned int tail)\n{\n\treturn head == tail;\n}',
        'static inline bool pipe_empty(unsigned int head, unsigned int tail)\n{\n\treturn (int)(head - tail) <= 0;\n}')]},
    'syscall-body': {'kernel/sys.c': [(
        '\tmask = xchg(&current->fs->umask, mask & S_IRWXUGO);\n\treturn mask;',
        '\tif (mask & ~S_IRWXUGO)\n\t\tpr_debug("umask: ignoring bits %o\\n", mask & ~S_IRWXUGO);\n\tmask = xchg(&current->fs->umask, mask & S_IRWXUGO);\n\treturn mask;')]},
    'inline-asm': {'arch/x86/kernel/io_delay.c': [(
        '\tcase IO_DELAY_TYPE_0XED:\n\t\tasm volatile ("outb %al, $0xed");\n\t\tbreak;',
        '\tcase IO_DELAY_TYPE_0XED:\n\t\tasm volatile ("outb %al, $0xed");\n\t\tasm volatile ("outb %al, $0xed");\n\t\tbreak;')]},
    'kthread-loop': {'mm/vmscan.c': [(
        'static int kswapd(void *p)\n{\n\tunsigned int alloc_order, reclaim_order;',
        'static int kswapd(void *p)\n{\n\tunsigned int alloc_order = 0, reclaim_order;')]},
    'new-lock': {'fs/proc/cmdline.c': [
        ('static int cmdline_proc_show(struct seq_file *m, void *v)\n{\n\tseq_puts(m, saved_command_line);\n\tseq_putc(m, \'\\n\');\n',
         'static DEFINE_SPINLOCK(cmdline_lock);\n\nstatic int cmdline_proc_show(struct seq_file *m, void *v)\n{\n\tspin_lock(&cmdline_lock);\n\tseq_puts(m, saved_command_line);\n\tspin_unlock(&cmdline_lock);\n\tseq_putc(m, \'\\n\');\n')]},
    'const-table': {'fs/proc/base.c': [(
        'static const struct file_operations proc_pid_cmdline_ops = {\n\t.read\t= proc_pid_cmdline_read,\n\t.llseek\t= generic_file_llseek,\n};',
        'static const struct file_operations proc_pid_cmdline_ops = {\n\t.read\t= proc_pid_cmdline_read,\n\t.llseek\t= no_llseek,\n};')]},
    # --- review -------------------------------------------------------------------------
    'fields-written': {'fs/pipe.c': [(
        '\tif (page_count(page) == 1 && !pipe->tmp_page)\n\t\tpipe->tmp_page = page;\n\telse\n\t\tput_page(page);\n}',
        '\tif (page_count(page) == 1 && !pipe->tmp_page) {\n\t\tpipe->tmp_page = page;\n\t\tpipe->poll_usage = true;\n\t} else {\n\t\tput_page(page);\n\t}\n}')]},
    # --- blocking -----------------------------------------------------------------------
    'struct-member-added-header': {'include/linux/pipe_fs_i.h': [(
        '\tbool poll_usage;\n\tstruct page *tmp_page;', '\tbool poll_usage;\n\tbool note_overrun;\n\tstruct page *tmp_page;')]},
    'struct-member-added-c': {'drivers/char/random.c': [(
        'struct timer_rand_state {\n\tunsigned long last_time;\n\tlong last_delta, last_delta2;\n};',
        'struct timer_rand_state {\n\tunsigned long last_time;\n\tlong last_delta, last_delta2;\n\tunsigned int samples;\n};')]},
    'struct-member-removed': {'fs/eventpoll.c': [(
        '\tstruct wakeup_source __rcu *ws;\n', '')]},
    'struct-member-reordered': {'include/linux/pipe_fs_i.h': [(
        '\tunsigned int head;\n\tunsigned int tail;\n', '\tunsigned int tail;\n\tunsigned int head;\n')]},
    'struct-member-type': {'drivers/char/random.c': [(
        'struct entropy_timer_state {\n\tunsigned long entropy;', 'struct entropy_timer_state {\n\tunsigned int entropy;')]},
    'struct-bitfield-width': {'include/linux/skbuff.h': [(
        '\t__u8\t\t\tpkt_type:3; /* see PKT_TYPE_MAX */', '\t__u8\t\t\tpkt_type:4; /* see PKT_TYPE_MAX */')]},
    'struct-member-renamed': {'drivers/char/random.c': [
        ('struct timer_rand_state {\n\tunsigned long last_time;', 'struct timer_rand_state {\n\tunsigned long prev_time;')]},
    'struct-packed': {'drivers/char/random.c': [(
        'struct timer_rand_state {\n\tunsigned long last_time;\n\tlong last_delta, last_delta2;\n};',
        'struct timer_rand_state {\n\tunsigned long last_time;\n\tlong last_delta, last_delta2;\n} __packed;')]},
    'enum-value-added': {'include/linux/pid.h': [(
        '\tPIDTYPE_SID,\n\tPIDTYPE_MAX,', '\tPIDTYPE_SID,\n\tPIDTYPE_NS,\n\tPIDTYPE_MAX,')]},
    'flag-bit-added': {'include/linux/pipe_fs_i.h': [(
        '#define PIPE_BUF_FLAG_LOSS\t0x40\t/* Message loss happened after this buffer */',
        '#define PIPE_BUF_FLAG_LOSS\t0x40\t/* Message loss happened after this buffer */\n#define PIPE_BUF_FLAG_NOSPLICE\t0x80\t/* never splice this buffer */')]},
    'constant-changed': {'include/linux/pipe_fs_i.h': [(
        '#define PIPE_DEF_BUFFERS\t16', '#define PIPE_DEF_BUFFERS\t32')]},
    'static-initializer': {'fs/pipe.c': [(
        'static unsigned int pipe_max_size = 1048576;', 'static unsigned int pipe_max_size = 2097152;')]},
    'global-initializer': {'mm/page_alloc.c': [(
        'int watermark_scale_factor = 10;', 'int watermark_scale_factor = 20;')]},
    'static-local-changed': {'kernel/audit.c': [(
        '\tstatic int\t\tmessages   = 0;', '\tstatic int\t\tmessages   = 1;')]},
    'init-function': {'fs/proc/cmdline.c': [(
        '\tproc_create_single("cmdline", 0, NULL, cmdline_proc_show);', '\tproc_create_single("cmdline", 0444, NULL, cmdline_proc_show);')]},
    'exit-function': {'fs/fuse/inode.c': [(
        '\tpr_debug("exit\\n");\n\n\tfuse_ctl_cleanup();', '\tpr_debug("fuse: exit\\n");\n\n\tfuse_ctl_cleanup();')]},
    'notrace-function': {'kernel/trace/trace_clock.c': [(
        '\tpreempt_disable_notrace();\n\tclock = sched_clock();', '\tpreempt_disable_notrace();\n\tclock = sched_clock() + 1;')]},
    'noinstr-function': {'kernel/entry/common.c': [(
        'void noinstr exit_to_user_mode(void)\n{\n\t__exit_to_user_mode();\n}',
        'void noinstr exit_to_user_mode(void)\n{\n\tinstrumentation_begin();\n\tinstrumentation_end();\n\t__exit_to_user_mode();\n}')]},
    'export-added': {'fs/pipe.c': [(
        'void pipe_double_lock(struct pipe_inode_info *pipe1,\n\t\t      struct pipe_inode_info *pipe2)\n{\n\tBUG_ON(pipe1 == pipe2);\n\n\tif (pipe1 < pipe2) {\n\t\tpipe_lock_nested(pipe1, I_MUTEX_PARENT);\n\t\tpipe_lock_nested(pipe2, I_MUTEX_CHILD);\n\t} else {\n\t\tpipe_lock_nested(pipe2, I_MUTEX_PARENT);\n\t\tpipe_lock_nested(pipe1, I_MUTEX_CHILD);\n\t}\n}\n',
        'void pipe_double_lock(struct pipe_inode_info *pipe1,\n\t\t      struct pipe_inode_info *pipe2)\n{\n\tBUG_ON(pipe1 == pipe2);\n\n\tif (pipe1 < pipe2) {\n\t\tpipe_lock_nested(pipe1, I_MUTEX_PARENT);\n\t\tpipe_lock_nested(pipe2, I_MUTEX_CHILD);\n\t} else {\n\t\tpipe_lock_nested(pipe2, I_MUTEX_PARENT);\n\t\tpipe_lock_nested(pipe1, I_MUTEX_CHILD);\n\t}\n}\nEXPORT_SYMBOL_GPL(pipe_double_lock);\n')]},
    'exported-signature': {'fs/read_write.c': [
        ('ssize_t kernel_read(struct file *file, void *buf, size_t count, loff_t *pos)\n{',
         'ssize_t kernel_read(struct file *file, void *buf, size_t count, loff_t *pos, int flags)\n{')]},
    'makefile': {'kernel/trace/Makefile': [('# Do not instrument the tracer itself:\n', '# Do not instrument the tracer itself (nor its helpers):\nccflags-y += -DTRACE_HELPERS\n')]},
    'kconfig': {'fs/proc/Kconfig': [('\tdepends on PROC_FS && MMU\n\tselect CRASH_CORE\n', '\tdepends on PROC_FS && MMU\n\tselect CRASH_CORE\n\tdefault y\n')]},
    'linker-script': {'arch/x86/kernel/vmlinux.lds.S': [('#define ALIGN_ENTRY_TEXT_BEGIN\t. = ALIGN(PMD_SIZE);', '#define ALIGN_ENTRY_TEXT_BEGIN\t. = ALIGN(PMD_SIZE * 2);')]},
    'assembly': {'arch/x86/entry/entry_64.S': [('SYM_CODE_START(entry_SYSCALL_64)\n\tUNWIND_HINT_ENTRY\n\tENDBR\n', 'SYM_CODE_START(entry_SYSCALL_64)\n\tUNWIND_HINT_ENTRY\n\tENDBR\n\tnop\n')]},
    'locking-added': {'fs/proc/fd.c': [(
        '\ttask_lock(task);\n\tfiles = task->files;', '\ttask_lock(task);\n\trcu_read_lock();\n\tfiles = task->files;\n\trcu_read_unlock();')]},
    # --- one case per remaining source kind ---------------------------------------------------
    # info: a named constant for a magic number, a new enum for magic return values, an unused
    # #define dropped.
    'define-added': {'fs/fs-writeback.c': [
        ('#define MIN_WRITEBACK_PAGES\t(4096UL >> (PAGE_SHIFT - 10))\n',
         '#define MIN_WRITEBACK_PAGES\t(4096UL >> (PAGE_SHIFT - 10))\n\n/*\n * How long writeback_sb_inodes() and __writeback_inodes_wb() may run before\n'
         ' * bailing out to wb_writeback() to check the background threshold and other\n * termination conditions.\n */\n#define WRITEBACK_TIMESLICE\t(HZ / 10UL)\n'),
        ('\t\tif (total_wrote) {\n\t\t\tif (time_is_before_jiffies(start_time + HZ / 10UL))',
         '\t\tif (total_wrote) {\n\t\t\tif (time_is_before_jiffies(start_time + WRITEBACK_TIMESLICE))'),
        ('\t\tif (wrote) {\n\t\t\tif (time_is_before_jiffies(start_time + HZ / 10UL))',
         '\t\tif (wrote) {\n\t\t\tif (time_is_before_jiffies(start_time + WRITEBACK_TIMESLICE))'),
    ]},
    'enum-type-added': {'fs/binfmt_misc.c': [
        ("/*\n * Set status of entry/binfmt_misc:\n * '1' enables, '0' disables and '-1' clears entry/binfmt_misc\n */\nstatic int parse_command(",
         '/* Commands written to the status file and to the entry files. */\nenum bm_command {\n\tBM_CMD_DISABLE = 1,\t/* "0" */\n'
         '\tBM_CMD_ENABLE,\t\t/* "1" */\n\tBM_CMD_DELETE,\t\t/* "-1" */\n};\n\n'
         "/*\n * Set status of entry/binfmt_misc:\n * '1' enables, '0' disables and '-1' clears entry/binfmt_misc\n */\nstatic int parse_command("),
        ("\tif (count == 1 && s[0] == '0')\n\t\treturn 1;\n\tif (count == 1 && s[0] == '1')\n\t\treturn 2;\n\tif (count == 2 && s[0] == '-' && s[1] == '1')\n\t\treturn 3;\n",
         "\tif (count == 1 && s[0] == '0')\n\t\treturn BM_CMD_DISABLE;\n\tif (count == 1 && s[0] == '1')\n\t\treturn BM_CMD_ENABLE;\n"
         "\tif (count == 2 && s[0] == '-' && s[1] == '1')\n\t\treturn BM_CMD_DELETE;\n"),
        ('\tcase 1:\n\t\t/* Disable this handler. */', '\tcase BM_CMD_DISABLE:\n\t\t/* Disable this handler. */'),
        ('\tcase 2:\n\t\t/* Enable this handler. */', '\tcase BM_CMD_ENABLE:\n\t\t/* Enable this handler. */'),
        ('\tcase 3:\n\t\t/* Delete this handler. */', '\tcase BM_CMD_DELETE:\n\t\t/* Delete this handler. */'),
        ('\tcase 1:\n\t\t/* Disable all handlers. */', '\tcase BM_CMD_DISABLE:\n\t\t/* Disable all handlers. */'),
        ('\tcase 2:\n\t\t/* Enable all handlers. */', '\tcase BM_CMD_ENABLE:\n\t\t/* Enable all handlers. */'),
        ('\tcase 3:\n\t\t/* Delete all handlers. */', '\tcase BM_CMD_DELETE:\n\t\t/* Delete all handlers. */'),
    ]},
    'unused-define-removed': {'kernel/livepatch/transition.c': [(
        '#define MAX_STACK_ENTRIES  100\n#define STACK_ERR_BUF_SIZE 128\n', '#define MAX_STACK_ENTRIES  100\n')]},
    # care: a global function (and its now unused struct) removed, a preprocessor condition
    # respelled, a device ID added to a const table.
    'global-function-removed': {
        'kernel/sched/deadline.c': [(
            'void init_dl_bandwidth(struct dl_bandwidth *dl_b, u64 period, u64 runtime)\n{\n\traw_spin_lock_init(&dl_b->dl_runtime_lock);\n'
            '\tdl_b->dl_period = period;\n\tdl_b->dl_runtime = runtime;\n}\n\n', '')],
        'kernel/sched/sched.h': [
            ('struct dl_bandwidth {\n\traw_spinlock_t\t\tdl_runtime_lock;\n\tu64\t\t\tdl_runtime;\n\tu64\t\t\tdl_period;\n};\n\n', ''),
            ('extern void init_dl_bandwidth(struct dl_bandwidth *dl_b, u64 period, u64 runtime);\n', '')],
    },
    'ifdef-is-enabled': {'mm/memory-failure.c': [(
        '#if defined(CONFIG_HWPOISON_INJECT) || defined(CONFIG_HWPOISON_INJECT_MODULE)\n', '#if IS_ENABLED(CONFIG_HWPOISON_INJECT)\n')]},
    'device-id-table': {'drivers/usb/serial/option.c': [(
        '\t{ USB_DEVICE_INTERFACE_CLASS(0x2cb7, 0x0111, 0xff) },\t\t\t/* Fibocom FM160 (MBIM mode) */\n',
        '\t{ USB_DEVICE_INTERFACE_CLASS(0x2cb7, 0x0111, 0xff) },\t\t\t/* Fibocom FM160 (MBIM mode) */\n'
        '\t{ USB_DEVICE_INTERFACE_CLASS(0x2cb7, 0x0113, 0xff) },\t\t\t/* Fibocom FM160 (RNDIS mode) */\n')]},
    # review: a tracepoint's output format (a top-level macro), a device tree source.
    'trace-event-format': {'include/trace/events/oom.h': [('file-rss:%lukB shmem-rss:%lukB', 'file-rss=%lukB shmem-rss=%lukB')]},
    'devicetree-source': {'arch/arm/boot/dts/bcm2711-rpi-4-b.dts': [('\t\t\t  "RGMIO_MDC",\n', '\t\t\t  "RGMII_MDC",\n')]},
    # block: a preprocessor condition inside a struct body, the type of static data, an
    # enumerator removed, an export removed.
    'struct-member-ifdef': {'include/linux/usb.h': [(
        '#if defined(CONFIG_USB_MON) || defined(CONFIG_USB_MON_MODULE)\n\tstruct mon_bus *mon_bus;', '#if IS_ENABLED(CONFIG_USB_MON)\n\tstruct mon_bus *mon_bus;')]},
    'static-data-type': {'kernel/kprobes.c': [('static int kprobes_initialized;\n', 'static bool kprobes_initialized;\n')]},
    'enum-value-removed': {'kernel/taskstats.c': [('\tDEREGISTER,\n\tCPU_DONT_CARE\n};', '\tDEREGISTER,\n};')]},
    'export-removed': {'fs/super.c': [(
        '\treturn vfs_get_super(fc, vfs_get_single_reconf_super, fill_super);\n}\nEXPORT_SYMBOL(get_tree_single_reconf);\n',
        '\treturn vfs_get_super(fc, vfs_get_single_reconf_super, fill_super);\n}\n')]},
}

MBOX = {
    # Two messages: a fix, then a comment; the second applies on top of the first.
    'series-mbox': [
        ('proc: cmdline: skip a missing command line', {'fs/proc/cmdline.c': [(
            '\tseq_puts(m, saved_command_line);\n', '\tif (saved_command_line)\n\t\tseq_puts(m, saved_command_line);\n')]}),
        ('proc: cmdline: explain', None),
    ],
}

def main(only):
    for name, spec in CORPUS.items():
        if only and name not in only: continue
        open(OUT + name + '.patch', 'w').write(patch(spec))
    if not only or 'series-mbox' in only:
        path = 'fs/proc/cmdline.c'
        base = open(SRC + path).read()
        first = edit(path, MBOX['series-mbox'][0][1][path])
        second = first.replace('\tif (saved_command_line)\n', '\t/* early boot may not have set it */\n\tif (saved_command_line)\n')
        text = mbox([(MBOX['series-mbox'][0][0], file_diff(path, base, first)), (MBOX['series-mbox'][1][0], file_diff(path, first, second))])
        open(OUT + 'series-mbox.patch', 'w').write(text)

if __name__ == '__main__':
    main(set(sys.argv[1:]))
