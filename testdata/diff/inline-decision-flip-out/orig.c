/* fold_stats() is static and called from two places. Before the patch it is small and
 * inlined into both callers; the patch adds a debug tail and gcc stops inlining it. */
#include "../include/kernel.h"

struct stats {
	long rx, tx, err, drop;
};

static int fold_stats(const struct stats *s, int shift)
{
	long v = (s->rx >> shift) + (s->tx >> shift);

	return (int)v;
}

int rx_summary(const struct stats *s)
{
	return fold_stats(s, 2) + 1;
}

int tx_summary(const struct stats *s, int shift)
{
	return fold_stats(s, shift) - 1;
}
