#include "../include/kernel.h"

static const char banner[] = "demo";

int checksum(const u8 *p, int n)
{
	int i, sum = 0;

	for (i = 0; i < n; i++)
		sum += p[i];
	return sum;
}

int report(int v)
{
	if (v < 0)
		pr_err("%s: negative value %d\n", banner, v);
	return v;
}
