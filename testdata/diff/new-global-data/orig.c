#include "../include/kernel.h"

int demo_mode = 1;

int handle_event(int ev)
{
	if (demo_mode)
		return ev * 2;
	return ev;
}
