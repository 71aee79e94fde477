/* alpha()'s own message grows; the message it shares with beta() and gamma_fn() stays. */
#include "../include/kernel.h"

int alpha(int x)
{
	pr_info("alpha, retrying %d\n", x);
	pr_info("value %d\n", x);
	return x + 1;
}

int beta(int x)
{
	pr_info("value %d\n", x + 1);
	return x + 2;
}

int gamma_fn(int x)
{
	pr_info("value %d\n", x + 2);
	pr_info("gamma %d\n", x);
	return x + 3;
}
