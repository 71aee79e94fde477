#include "../include/kernel.h"

static const int weights[8] = { 1, 2, 4, 8, 16, 32, 64, 100 };

int weigh(unsigned int idx, int v)
{
	if (idx >= ARRAY_SIZE(weights))
		return -1;
	return weights[idx] * v;
}

int weigh_all(int v)
{
	return v * 255;
}
