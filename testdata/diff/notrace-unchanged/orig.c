#include "../include/kernel.h"

notrace int fast_hash(unsigned int v)
{
	return (v * 2654435761u) >> 20;
}

int slow_hash(unsigned int v)
{
	return (v * 40503u) ^ (v >> 7);
}
