/* Functions calling each other, a static helper that may be inlined or cloned. */
#include <stddef.h>

extern int external_counter;
extern void external_hook(const char *msg, int value);

static int square(int x) { return x * x; }

static __attribute__((noinline)) int sum_squares(const int *v, size_t n, int scale)
{
	int total = 0;
	for (size_t i = 0; i < n; i++)
		total += square(v[i]) * scale;
	return total;
}

int compute(const int *v, size_t n)
{
	int r = sum_squares(v, n, 1);
	external_hook("compute", r);
	external_counter += r;
	return r;
}

int compute_twice(const int *v, size_t n)
{
	return compute(v, n) + sum_squares(v, n, 2);
}

__attribute__((weak)) int weak_default(int x) { return x + 1; }
