#include "../include/kernel.h"

struct sample {
	int a, b, c, d;
	long pad[6];
};

extern int sample_validate(const struct sample *s);

static noinline int sum_sample(const struct sample *s)
{
	if (sample_validate(s))
		return -1;
	return s->a * 3 + s->c;
}

int sample_total(const struct sample *s)
{
	return sum_sample(s) + 1;
}

int sample_total_twice(const struct sample *s)
{
	return sum_sample(s) * 2;
}
