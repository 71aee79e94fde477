/*
 * A comment-only change: every function moves down by several lines, nothing else.
 * No function uses __LINE__, so the code is identical.
 */
#include "../include/kernel.h"

/* The name printed in messages. */
static const char banner[] = "demo";

/*
 * checksum - add up the bytes of a buffer
 * @p: the buffer
 * @n: its length
 */
int checksum(const u8 *p, int n)
{
	int i, sum = 0;

	/* a plain byte sum, no carry folding */
	for (i = 0; i < n; i++)
		sum += p[i];
	return sum;
}

int report(int v)
{
	if (v < 0) /* only negative values are reported */
		pr_err("%s: negative value %d\n", banner, v);
	return v;
}
