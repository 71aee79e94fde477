/* process_request() gains a call to a new helper. */
#include "../include/kernel.h"

int process_request(int len)
{
	if (len < 0)
		return -22;
	return len * 2;
}

int request_count(int n)
{
	return n + 1;
}
