// SPDX-License-Identifier: GPL-2.0
/*
 * A replacement for fs/proc/cmdline.c's static cmdline_proc_show, as src/link/ would emit
 * it: saved_command_line is not exported (not in Module.symvers), so the test rewrites the
 * reference into a placeholder __cdm_klp_0 that must become a livepatch relocation.
 */
#include <linux/seq_file.h>

extern char *saved_command_line;

int cmdline_proc_show(struct seq_file *m, void *v);

int cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s [klp]\n", saved_command_line);
	return 0;
}
