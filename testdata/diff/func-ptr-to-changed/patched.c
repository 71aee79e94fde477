/* A static function whose address is stored in writable data changes. The data still points
 * at the original function, which the live patch redirects. */
#include "../include/kernel.h"

struct demo_handler {
	const char *name;
	int (*fn)(int);
};

static int demo_handle(int v)
{
	return v * 2 + 1;
}

struct demo_handler demo_handlers[] = {
	{ "double", demo_handle },
};

int demo_dispatch(int i, int v)
{
	return demo_handlers[i].fn(v);
}
