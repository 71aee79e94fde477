#include "../include/kernel.h"

static noinline int calc_checksum(const u8 *p, int n)
{
	int i, c = 0;

	for (i = 0; i < n; i++)
		c = (c << 1) ^ p[i];
	return c;
}

int demo_check(const u8 *p, int n)
{
	return calc_checksum(p, n) == 0;
}
