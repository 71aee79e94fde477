// SPDX-License-Identifier: GPL-2.0
/*
 * A replacement for fs/binfmt_misc.c's static bm_status_read (binfmt_misc is =m): it reads the
 * module's static `enabled` flag, which the test turns into placeholder __cdm_klp_0 of object
 * binfmt_misc, i.e. a .klp.rela.binfmt_misc.* relocation the livepatch core applies only when
 * binfmt_misc loads.
 */
#include <linux/fs.h>
#include <linux/string.h>

extern int enabled;

ssize_t bm_status_read(struct file *file, char __user *buf, size_t nbytes, loff_t *ppos);

ssize_t bm_status_read(struct file *file, char __user *buf, size_t nbytes, loff_t *ppos)
{
	char *s = enabled ? "enabled [klp]\n" : "disabled [klp]\n";

	return simple_read_from_buffer(buf, nbytes, ppos, s, strlen(s));
}
