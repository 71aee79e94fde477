/* One shared section (.sched.text) holds sleep_ticks, demo_sleep, demo_grow and
 * demo_sleep_twice in that order. The assembler resolves a call to the static sleep_ticks
 * from the same section itself on x86_64 and aarch64, without a relocation, so when
 * demo_grow() grows, demo_sleep_twice()'s call displacements change although its code does not. */
#include "../include/kernel.h"

extern void arch_sleep(int ticks);
extern int pending_work(void);

static noinline void __sched sleep_ticks(int ticks)
{
	while (ticks-- > 0)
		arch_sleep(1);
}

int __sched demo_sleep(int ticks)
{
	sleep_ticks(ticks);
	return pending_work();
}

int __sched demo_grow(int ticks)
{
	int n = pending_work();

	if (n < 0)
		pr_err("pending work failed: %d after %d ticks\n", n, ticks);
	return n + ticks;
}

int __sched demo_sleep_twice(int ticks)
{
	sleep_ticks(ticks);
	sleep_ticks(ticks);
	return 0;
}
