/*
 * The bound changes from 64 to 128, and the comment moves might_sleep()'s __LINE__ too:
 * a line-number difference next to a real immediate change.
 */
#include "../include/kernel.h"

int fill_buffer(char *buf, int len)
{
	might_sleep();
	if (len > 128)
		return -22;
	memset(buf, 0x5a, len);
	return len;
}
