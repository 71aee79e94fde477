/* A new global function that nothing in this file calls yet (a helper for another file). */
#include "../include/kernel.h"

int demo_query(int id)
{
	return id * 4 + 2;
}
