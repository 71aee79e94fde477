/* A static notrace helper is inlined into both of its (traced) callers and has no out-of-line
 * copy; it changes, so both callers change. */
#include "../include/kernel.h"

static notrace int mix_bits(unsigned int v)
{
	return (v ^ (v >> 13)) * 0x5bd1e995u;
}

int hash_key(unsigned int k)
{
	return mix_bits(k) & 0xffff;
}

int hash_pair(unsigned int a, unsigned int b)
{
	return mix_bits(a) ^ mix_bits(b);
}
