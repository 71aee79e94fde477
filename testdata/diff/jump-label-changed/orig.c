/* Two functions with a static branch each (a __jump_table record on x86_64); the slow path
 * of the first changes. */
#include "../include/kernel.h"

DEFINE_STATIC_KEY_FALSE(demo_trace_key);
DEFINE_STATIC_KEY_FALSE(demo_stats_key);

extern void demo_trace(int v);
extern void demo_stats(int v);

int demo_submit(int v)
{
	if (static_branch_unlikely(&demo_trace_key))
		demo_trace(v);
	return v + 1;
}

int demo_complete(int v)
{
	if (static_branch_unlikely(&demo_stats_key))
		demo_stats(v * 2);
	return v - 1;
}
