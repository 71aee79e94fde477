/* A static branch on an existing key (defined elsewhere) is added to demo_submit(). */
#include "../include/kernel.h"

DECLARE_STATIC_KEY_FALSE(demo_trace_key);

extern void demo_trace(int v);

int demo_submit(int v)
{
	if (static_branch_unlikely(&demo_trace_key))
		demo_trace(v);
	return v + 1;
}

int demo_complete(int v)
{
	if (static_branch_unlikely(&demo_trace_key))
		demo_trace(-v);
	return v - 1;
}
