/* A const ops table changes one of its function pointers. It is referenced by writable data
 * (demo_driver) and by an unchanged function that registers it. */
#include "../include/kernel.h"

struct demo_ops {
	int (*open)(int);
	int (*close)(int);
};

struct demo_driver {
	const char *name;
	const struct demo_ops *ops;
};

extern int driver_register(struct demo_driver *drv, const struct demo_ops *ops);

int demo_open(int id)
{
	return id + 1;
}

int demo_close(int id)
{
	return id - 1;
}

int demo_close_sync(int id)
{
	return id - 2;
}

static const struct demo_ops demo_ops = {
	.open = demo_open,
	.close = demo_close_sync,
};

struct demo_driver demo_driver = {
	.name = "demo",
	.ops = &demo_ops,
};

int demo_register(void)
{
	return driver_register(&demo_driver, &demo_ops);
}
