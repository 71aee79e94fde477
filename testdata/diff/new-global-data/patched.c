#include "../include/kernel.h"

int demo_mode = 1;
unsigned long demo_events;
int demo_event_limit = 64;

int handle_event(int ev)
{
	if (++demo_events > demo_event_limit)
		return -16;
	if (demo_mode)
		return ev * 2;
	return ev;
}
