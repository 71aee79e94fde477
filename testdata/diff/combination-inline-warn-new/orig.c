/* Three changes at once: a static inline helper used by two functions changes, one of those
 * functions also gains a WARN_ONCE, and a new function is added. An unchanged function keeps
 * its own WARN_ONCE flag in .data.once. */
#include "../include/kernel.h"

static inline int demo_index(int v)
{
	return v & 63;
}

int demo_get_slot(const int *tbl, int v)
{
	return tbl[demo_index(v)];
}

int demo_set_slot(int *tbl, int v, int x)
{
	tbl[demo_index(v)] = x;
	return 0;
}

int demo_clear(int *tbl, int n)
{
	WARN_ONCE(n > 64, "clearing %d slots\n", n);
	memset(tbl, 0, n * sizeof(int));
	return 0;
}
