#include "../include/kernel.h"

int demo_count_users(int v)
{
	return v + 3;
}
