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
