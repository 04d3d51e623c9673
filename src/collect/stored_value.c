/* stored_value.c — the seed's value calculation over a query interface. */
#include <math.h>

#include "collect/stored_value.h"

struct accumulator {
	long double sum;
	unsigned long count;
};

static void accumulate(void *arg, time_t t, double v)
{
	struct accumulator *acc = arg;
	(void)t;
	if (isnan(v))
		return; /* an empty slot: a gap is skipped, not counted */
	acc->sum += (long double)v;
	acc->count++;
}

long double mxp_stored_value(const struct mxp_query_ops *ops, void *db, const struct mxp_dim *dim,
			     int update_every, enum mxp_source source, time_t after, time_t before,
			     time_t *first_ts, time_t *last_ts)
{
	time_t U = update_every;

	/* step back two collections, so every dimension of the chart is complete; the
	 * newest point is left for the next window */
	mxp_stored_window(U, &after, &before);

	time_t first = ops->oldest_time(db, dim);
	time_t last = ops->latest_time(db, dim);
	if (after < first)
		after = first;
	if (before > last)
		before = last;
	if (before < first || after > last)
		return NAN;

	*first_ts = after;
	*last_ts = before;

	struct accumulator acc = {0, 0};
	ops->foreach(db, dim, after, before, accumulate, &acc);
	if (acc.count == 0)
		return NAN;
	if (source == MXP_SOURCE_SUM)
		return acc.sum;
	return acc.sum / (long double)acc.count;
}
