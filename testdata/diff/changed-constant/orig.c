/* A bounds check is relaxed: len > 64 becomes len > 128. */
#include "../include/kernel.h"

int copy_name(char *dst, const char *src, int len)
{
	if (len > 64)
		return -22;
	memcpy(dst, src, len);
	dst[len] = 0;
	return len;
}

int name_hash(const char *s, int len)
{
	int i, h = 0;

	for (i = 0; i < len; i++)
		h = h * 31 + s[i];
	return h;
}
