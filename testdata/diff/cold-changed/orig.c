/* checked_div()'s error path is unlikely and calls a __cold function, so gcc moves it to
 * checked_div.cold in .text.unlikely.checked_div. The patch changes only that path. */
#include "../include/kernel.h"

extern void report_failure(const char *what, int a) __cold;
extern void record_error(int code);

int checked_div(int a, int b)
{
	if (unlikely(b == 0)) {
		report_failure("division by zero", a);
		record_error(-22);
		return 0;
	}
	return a / b;
}

int checked_mod(int a, int b)
{
	return b ? a % b : 0;
}
