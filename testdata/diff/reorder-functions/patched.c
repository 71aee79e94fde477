/* Two functions swap places in the file; string literals are shared between them. */
#include "../include/kernel.h"

int first_op(int x);

int second_op(int x)
{
	pr_info("op %d\n", x * 2);
	pr_info("second only %d\n", x);
	return first_op(x) * 2;
}

int first_op(int x)
{
	pr_info("op %d\n", x);
	pr_info("first only %d\n", x);
	return x + 1;
}
