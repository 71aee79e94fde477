/* fold_stats() is static and called from two places. Before the patch it is too big to
 * inline; the patch removes its debug tail, and gcc then inlines it into both callers. */
#include "../include/kernel.h"

struct stats {
	long rx, tx, err, drop;
};

static int fold_stats(const struct stats *s, int shift)
{
	long v = (s->rx >> shift) + (s->tx >> shift);

	if (s->err > 100) {
		pr_err("stats: rx %ld tx %ld err %ld drop %ld\n", s->rx, s->tx, s->err, s->drop);
		pr_err("stats: shift %d total %ld\n", shift, v);
		pr_err("stats: ratio %ld\n", s->err * 1000 / (s->rx + 1));
		pr_err("stats: drop ratio %ld\n", s->drop * 1000 / (s->tx + 1));
		pr_err("stats: folded %ld %ld\n", v >> 1, v << 1);
		pr_err("stats: mixed %ld\n", (s->rx ^ s->tx) + (s->err | s->drop));
	}
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
