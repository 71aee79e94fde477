/* Variables with __read_mostly share .data..read_mostly. A new one is added and used by a
 * changed function; the existing ones move within the section but keep their values. */
#include "../include/kernel.h"

static int demo_cache_size __read_mostly = 32;
static int demo_debug __read_mostly;

int demo_cache_limit(int n)
{
	if (n > demo_cache_size)
		return demo_cache_size;
	return n;
}

int demo_debug_enabled(void)
{
	return demo_debug;
}
