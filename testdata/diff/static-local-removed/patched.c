#include "../include/kernel.h"

int note_error(int err)
{
	if (err < 0)
		pr_err("error %d\n", err);
	return err;
}

int note_other(int v)
{
	static int seen;

	seen += v;
	return seen;
}
