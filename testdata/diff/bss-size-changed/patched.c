#include "../include/kernel.h"

static char scratch[128];

char *get_scratch(void)
{
	memset(scratch, 0, sizeof(scratch));
	return scratch;
}

int scratch_size(void)
{
	return sizeof(scratch);
}
