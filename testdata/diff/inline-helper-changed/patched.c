#include "../include/kernel.h"

static inline int clamp_len(int len)
{
	if (len < 0)
		return 0;
	if (len > 1024)
		return 1024;
	return len;
}

int read_len(const int *p)
{
	return clamp_len(*p) + 4;
}

int write_len(int *p, int v)
{
	*p = clamp_len(v);
	return *p;
}

int plain_len(const int *p)
{
	return *p + 4;
}
