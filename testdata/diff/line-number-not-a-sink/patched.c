/*
 * Only this comment is new, but it moves __LINE__ in check_state(), and warn_at() is not a
 * known line sink: the argument is just an integer to the differ.
 */
#include "../include/kernel.h"

extern void warn_at(int line);

int check_state(int state)
{
	if (state < 0) {
		warn_at(__LINE__);
		return -1;
	}
	return state & 0xff;
}
