/* dispatch() drops its legacy mode, and the out-of-line helper for it goes away. */
#include "../include/kernel.h"

int dispatch(int x, int mode)
{
	return x + mode;
}
