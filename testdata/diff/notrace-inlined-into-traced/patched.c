/* A global notrace function changes. gcc also inlines it into a traced caller, which changes
 * with it; the out-of-line copy still has no entry hook. */
#include "../include/kernel.h"

notrace int fast_hash(unsigned int v)
{
	return (v * 2654435761u) >> 22;
}

int slow_hash(unsigned int v)
{
	return fast_hash(v) ^ (v >> 7);
}
