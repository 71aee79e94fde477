#include "../include/kernel.h"

int note_error(int err)
{
	static int reported;

	if (err < 0 && reported++ < 10)
		pr_err("error %d\n", err);
	return err;
}

int note_other(int v)
{
	static int seen;

	seen += v;
	return seen;
}
