/*
 * Only comments are added above the functions: every __LINE__ below moves by 6, and the
 * only uses of __LINE__ are the line arguments of __might_sleep and __might_resched.
 */
#include "../include/kernel.h"

/* wait_for_slot - sleep until a slot is filled */
int wait_for_slot(int *slot)
{
	might_sleep();
	while (!READ_ONCE(*slot))
		barrier();
	return *slot;
}

/* drain_slots - empty every slot */
void drain_slots(int *slots, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		cond_resched_might();
		WRITE_ONCE(slots[i], 0);
	}
}
