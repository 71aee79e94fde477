#include "../include/kernel.h"

int validate_mode(int mode)
{
	if (mode > 3) {
		pr_err("bad mode %d\n", mode);
		return -22;
	}
	return 0;
}

int describe_mode(int mode)
{
	pr_info("mode is %d\n", mode);
	return mode;
}
