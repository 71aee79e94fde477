/* Two __sched functions share .sched.text. The first grows; the second moves within the
 * section but does not change. */
#include "../include/kernel.h"

extern int wait_event_flag(int *flag);

int __sched demo_wait(int *flag)
{
	return wait_event_flag(flag);
}

int __sched demo_wait_timeout(int *flag, int timeout)
{
	while (timeout-- > 0)
		if (wait_event_flag(flag))
			return timeout;
	return -110;
}

int demo_poll(int *flag)
{
	return *flag;
}
