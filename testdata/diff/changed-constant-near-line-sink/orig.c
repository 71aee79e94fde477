#include "../include/kernel.h"

int fill_buffer(char *buf, int len)
{
	might_sleep();
	if (len > 64)
		return -22;
	memset(buf, 0x5a, len);
	return len;
}
