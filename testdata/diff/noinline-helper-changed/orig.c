/* A static noinline helper changes; its callers call it and stay the same. */
#include "../include/kernel.h"

struct demo_dev {
	int id;
	int flags;
	long bytes;
};

static noinline void account_bytes(struct demo_dev *dev, long n)
{
	dev->bytes += n;
	if (dev->bytes > 1000000)
		pr_info("dev %d: %ld bytes\n", dev->id, dev->bytes);
}

int demo_rx(struct demo_dev *dev, long n)
{
	account_bytes(dev, n);
	return dev->flags & 1;
}

int demo_tx(struct demo_dev *dev, long n)
{
	account_bytes(dev, n);
	return dev->flags & 2;
}
