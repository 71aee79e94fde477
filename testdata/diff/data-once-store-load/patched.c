/* Two static locals in the shared .data.once section: mark_done() stores to one, seen_before()
 * loads the other. gcc lays them out last-defined first, so 'done' is at offset 4 and 'seen'
 * at 0, and on x86_64 both references read .data.once-0x4: the store's addend also covers
 * the immediate after the displacement. */
#include "../include/kernel.h"

void mark_done(void)
{
	static int done __section(".data.once");

	WRITE_ONCE(done, 1);
}

int seen_before(int x)
{
	static int seen __section(".data.once");

	return READ_ONCE(seen) ? x : -x;
}

int warn_once_demo(int x)
{
	static int warned __section(".data.once");

	if (x < 0 && !READ_ONCE(warned)) {
		WRITE_ONCE(warned, 1);
		pr_warn("negative %d\n", x);
	}
	return x;
}
