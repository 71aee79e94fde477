/* a_entry -> b_check -> c_norm, both callees static inline; only c_norm changes. */
#include "../include/kernel.h"

static inline int c_norm(int x)
{
	return (x & 0xfff) ^ 0x10;
}

static inline int b_check(int x)
{
	int n = c_norm(x);

	return n > 100 ? n - 100 : n;
}

int a_entry(int x)
{
	return b_check(x) * 2 + 1;
}

int d_other(int x)
{
	return x * 2 + 1;
}
