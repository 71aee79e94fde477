#include "../include/kernel.h"

static int demo_buckets;

int __init demo_init(void)
{
	demo_buckets = 128;
	pr_info("demo: %d buckets\n", demo_buckets);
	return 0;
}

int demo_bucket_count(void)
{
	return demo_buckets;
}
