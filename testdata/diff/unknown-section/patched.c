/* A driver-private registration record in its own section (__demo_hooks), collected by a
 * linker script the differ knows nothing about, changes its priority. */
#include "../include/kernel.h"

struct demo_hook {
	const char *name;
	int (*fn)(int);
	int priority;
};

#define DEMO_HOOK(hname, hfn, prio)                                                \
	static struct demo_hook __demo_hook_##hname __used __section("__demo_hooks") = { \
		#hname, hfn, prio }

int demo_hook_fn(int v)
{
	return v + 42;
}

DEMO_HOOK(answer, demo_hook_fn, 20);
