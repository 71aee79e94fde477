#include "../include/kernel.h"

int demo_threshold = 20;

int over_threshold(int v)
{
	return v > demo_threshold;
}
