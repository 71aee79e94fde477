#include "../include/kernel.h"

int set_level(int *level, int v)
{
	if (WARN_ON(v > 7))
		v = 7;
	*level = v;
	return 0;
}

int get_level(const int *level)
{
	WARN(*level < 0, "negative level %d\n", *level);
	return *level;
}
