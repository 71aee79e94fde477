#include "../include/kernel.h"

static noinline int scale_by(int x, int factor)
{
	return x * factor + (x >> 2) - factor;
}

int scale_small(int x)
{
	return scale_by(x, 7) + 1;
}

int scale_user(int x, int factor)
{
	return scale_by(x + 1, 7) + 2;
}
