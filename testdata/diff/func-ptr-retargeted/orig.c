/* The writable handler table is changed to point at a new function: an initial value of
 * existing data changes. */
#include "../include/kernel.h"

struct demo_handler {
	const char *name;
	int (*fn)(int);
};

static int demo_handle(int v)
{
	return v * 2;
}

struct demo_handler demo_handlers[] = {
	{ "double", demo_handle },
};

int demo_dispatch(int i, int v)
{
	return demo_handlers[i].fn(v);
}
