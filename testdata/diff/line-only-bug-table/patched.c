/*
 * Only this comment is new: the BUG() and WARN_ON() below move down, so only the line
 * fields of their __bug_table records change.
 */
#include "../include/kernel.h"

void release_slot(int *slot)
{
	if (*slot < 0)
		BUG();
	*slot = -1;
}

int claim_slot(int *slot, int owner)
{
	WARN_ON(*slot >= 0);
	*slot = owner;
	return 0;
}
