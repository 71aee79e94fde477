#include "../include/kernel.h"

int __weak arch_demo_quirks(int v)
{
	return v;
}

int demo_probe(int v)
{
	return arch_demo_quirks(v) + 1;
}
