/* set_mode() gains a second WARN_ON (a new __bug_table record before reset_all()'s BUG
 * record) and its first condition changes; reset_all()'s BUG moves down by one line, which on
 * x86_64 only changes the line field of its __bug_table record. */
#include "../include/kernel.h"

int set_mode(int *mode, int v)
{
	WARN_ON(v > 10);
	*mode = v;
	return 0;
}

void reset_all(int *mode)
{
	if (!mode)
		BUG();
	*mode = 0;
}
