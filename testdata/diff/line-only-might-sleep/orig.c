#include "../include/kernel.h"

int wait_for_slot(int *slot)
{
	might_sleep();
	while (!READ_ONCE(*slot))
		barrier();
	return *slot;
}

void drain_slots(int *slots, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		cond_resched_might();
		WRITE_ONCE(slots[i], 0);
	}
}
