/* Both functions have a static local named 'calls'; record_read() changes and keeps its own. */
#include "../include/kernel.h"

int record_read(int v)
{
	static int calls;

	calls++;
	return v + calls;
}

int record_write(int v)
{
	static int calls;

	calls += 2;
	return v - calls;
}
