#include "../include/kernel.h"

static char scratch[64];

char *get_scratch(void)
{
	memset(scratch, 0, sizeof(scratch));
	return scratch;
}

int scratch_size(void)
{
	return sizeof(scratch);
}
