#include "../include/kernel.h"

int queue_reset(int *q)
{
	WARN_ONCE(*q < 0, "queue %p in bad state\n", q);
	*q = 0;
	return 0;
}

int queue_push(int *q, int v)
{
	*q += v;
	return *q;
}
