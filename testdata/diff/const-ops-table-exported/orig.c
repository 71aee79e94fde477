/* An exported const ops table (other code holds its address) changes a function pointer. */
#include "../include/kernel.h"

struct demo_ops {
	int (*open)(int);
	int (*close)(int);
	int flags;
};

int demo_open(int id)
{
	return id + 1;
}

int demo_close(int id)
{
	return id - 1;
}

const struct demo_ops demo_default_ops = {
	.open = demo_open,
	.close = demo_close,
	.flags = 1,
};
EXPORT_SYMBOL(demo_default_ops);
