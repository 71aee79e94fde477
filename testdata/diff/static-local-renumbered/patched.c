/* Static locals are numbered by one counter for the whole file (gcc 12 counts from the last
 * definition up). A new function with its own static local, added last, renumbers the others:
 * count_tx's 'total' becomes total.1, the name count_rx's had before. */
#include "../include/kernel.h"

int count_rx(int n)
{
	static int total;

	total += n;
	return total;
}

int count_tx(int n)
{
	static int total;

	total -= n;
	return total;
}

int count_err(int n)
{
	static int total;

	total ^= n;
	return total;
}
