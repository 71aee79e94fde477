#include "../include/kernel.h"

int queue_reset(int *q)
{
	WARN_ONCE(*q < 0, "queue %p in bad state\n", q);
	*q = 0;
	return 0;
}

int queue_push(int *q, int v)
{
	if (WARN_ONCE(v < 0, "negative push %d\n", v))
		return -22;
	*q += v;
	return *q;
}
