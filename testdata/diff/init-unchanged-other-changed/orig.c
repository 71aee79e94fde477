#include "../include/kernel.h"

static int demo_slots;

int __init demo_init(void)
{
	demo_slots = 16;
	pr_info("demo: ready\n");
	return 0;
}

int demo_slot_valid(int slot)
{
	if (slot >= demo_slots) {
		pr_info("demo: ready\n");
		return 0;
	}
	return 1;
}
