#include "../include/kernel.h"

int demo_get(int v)
{
	return v & 0xffff;
}
EXPORT_SYMBOL(demo_get);
