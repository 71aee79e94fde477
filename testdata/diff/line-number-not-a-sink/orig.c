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
