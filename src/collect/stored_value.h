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
long double mxp_stored_value(const struct mxp_query_ops *ops, void *db, const struct mxp_dim *dim,
			     int update_every, enum mxp_source source, time_t after, time_t before,
			     time_t *first_ts, time_t *last_ts);

#endif
