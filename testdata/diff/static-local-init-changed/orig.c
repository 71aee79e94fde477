#include "../include/kernel.h"

int take_budget(int n)
{
	static int budget = 16;

	if (budget < n)
		return -11;
	budget -= n;
	return budget;
}
