#include "../include/kernel.h"

static int flag_a __section(".data.once");
static int flag_b __section(".data.once");

void set_flag(void)
{
	WRITE_ONCE(flag_a, 1);
}

int test_flags(void)
{
	return READ_ONCE(flag_a) + READ_ONCE(flag_b);
}
