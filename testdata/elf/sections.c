/* Functions and data with section attributes share one section even with
 * -ffunction-sections -fdata-sections, as the kernel's __sched and .data.once do. */
#define __sched __attribute__((section(".sched.text")))
#define __once_data __attribute__((section(".data.once")))

static int done_a __once_data;
static int done_b __once_data;

int __sched wait_a(int x)
{
	if (!done_a) {
		done_a = 1;
		return x;
	}
	return -x;
}

int __sched wait_b(int x)
{
	return done_b ? x * 2 : x;
}

__attribute__((cold, noinline)) void report_failure(const char *what);

int checked_div(int a, int b)
{
	if (__builtin_expect(b == 0, 0)) {
		report_failure("division by zero");
		return 0;
	}
	return a / b;
}
