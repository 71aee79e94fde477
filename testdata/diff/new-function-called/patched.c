/* process_request() gains a call to a new helper. */
#include "../include/kernel.h"

static noinline int clamp_request(int len)
{
	if (len > 4096) {
		pr_warn("request of %d bytes clamped\n", len);
		return 4096;
	}
	return len;
}

int process_request(int len)
{
	if (len < 0)
		return -22;
	return clamp_request(len) * 2;
}

int request_count(int n)
{
	return n + 1;
}
