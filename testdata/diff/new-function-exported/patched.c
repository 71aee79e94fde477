#include "../include/kernel.h"

int demo_get(int v)
{
	return v & 0xffff;
}
EXPORT_SYMBOL(demo_get);

int demo_get_checked(int v)
{
	if (v < 0)
		return -22;
	return v & 0xffff;
}
EXPORT_SYMBOL(demo_get_checked);
