/* A pr_debug is added to open_session(), above the existing one in close_session(): the
 * existing descriptor's __UNIQUE_ID_ddebug number changes, its line does not (a blank line
 * makes room for the new statement). */
#include "../include/kernel.h"

int open_session(int id)
{
	if (id < 0)
		return -22;

	return id + 100;
}

int close_session(int id)
{
	pr_debug("closing session %d\n", id);
	return id - 100;
}
