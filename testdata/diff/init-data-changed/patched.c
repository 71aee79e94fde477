#include "../include/kernel.h"

static int demo_defaults[4] __initdata = { 1, 2, 3, 8 };
static int demo_config[4];

int __init demo_setup(void)
{
	int i;

	for (i = 0; i < 4; i++)
		demo_config[i] = demo_defaults[i];
	return 0;
}

int demo_config_get(int i)
{
	return demo_config[i & 3];
}
