/* stored_value.h — the seed's backend_calculate_value_from_stored_data (FORMATS.md §7). */
#ifndef MXP_STORED_VALUE_H
#define MXP_STORED_VALUE_H

#include <time.h>

#include "config/data_source.h"
#include "mxp/query.h"

/* Computes the average (or, for MXP_SOURCE_SUM, the sum) of dim's stored values in the
 * export window [after, before] exactly as the seed did: both ends stepped back two
 * collections of the chart's update_every, aligned down, the newest point left for the
 * next window, clamped to what the database holds. Returns the value and sets
 * *first_ts / *last_ts (the reported timestamp is *last_ts), or returns NAN when the
 * window holds no stored point (then the timestamps are not set). */
/* The seed's window over stored values, from the export window (after, before]: both
 * ends stepped back two collections of U, aligned down to U, the newest point left for
 * the next window. One definition for mxp_stored_value() and chart_read.c's fast path. */
static inline void mxp_stored_window(time_t U, time_t *after, time_t *before)
{
	*after -= 2 * U;
	*before -= 2 * U;
	*after -= *after % U;
	*before -= *before % U;
	*before -= U;
	if (*after > *before)
		*after = *before;
}

long double mxp_stored_value(const struct mxp_query_ops *ops, void *db, const struct mxp_dim *dim,
			     int update_every, enum mxp_source source, time_t after, time_t before,
			     time_t *first_ts, time_t *last_ts);

#endif
