/* outer() -> middle() -> inner(): inner is static inline and changes; middle is global, so
 * it exists out of line and is also inlined into outer. */
#include "../include/kernel.h"

static inline int inner(int x)
{
	return x * 7 + 3;
}

int middle(int x)
{
	return inner(x) + inner(x + 1);
}

int outer(int x)
{
	return middle(x) - 1;
}
