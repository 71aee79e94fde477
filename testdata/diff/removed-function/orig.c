/* dispatch() drops its legacy mode, and the out-of-line helper for it goes away. */
#include "../include/kernel.h"

static noinline int legacy_path(int x)
{
	pr_info("legacy path for %d\n", x);
	return x ^ 0x55;
}

int dispatch(int x, int mode)
{
	if (mode == 1)
		return legacy_path(x);
	return x + mode;
}
