#include "../include/kernel.h"

struct retry_policy {
	int retries;
	int delay_ms;
};

static struct retry_policy policy = { 3, 100 };

int next_delay(int attempt)
{
	if (attempt >= policy.retries)
		return -1;
	return policy.delay_ms * attempt;
}

void set_retries(int n)
{
	policy.retries = n;
}
