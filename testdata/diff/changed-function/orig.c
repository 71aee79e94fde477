/* One exported-style function changes its arithmetic; its neighbour does not. */
#include "../include/kernel.h"

int scale_value(int x)
{
	return x * 3 + 1;
}

int unrelated_value(int x)
{
	return x - 7;
}
