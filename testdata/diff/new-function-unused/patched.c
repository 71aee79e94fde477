/* A new global function that nothing in this file calls yet (a helper for another file). */
#include "../include/kernel.h"

int demo_query(int id)
{
	return id * 4 + 2;
}

int demo_query_checked(int id)
{
	if (id < 0 || id > 1000)
		return -22;
	return id * 4 + 2;
}
