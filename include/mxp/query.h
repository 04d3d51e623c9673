/* mxp/query.h — how the exporter reads stored values: a table of callbacks, so an agent
 * with its own database plugs it in (as the seed reads rd->state->query_ops). mxp's
 * built-in ring of slots is one implementation.
 *
 * Times are seconds since the epoch, on the slot grid of the chart's update every.
 * The exporter calls these inside its read of the chart (under the chart's sequence
 * counter), and retries the whole read if a writer published meanwhile, so an
 * implementation must tolerate being read while written and must not block.
 */
#ifndef MXP_QUERY_H
#define MXP_QUERY_H

#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mxp_dim;

/* Receives one slot: its time and value; NAN marks an empty slot (a gap). */
typedef void (*mxp_query_point_fn)(void *arg, time_t t, double value);

struct mxp_query_ops {
	/* The time of the oldest slot held for dim, or 0 when it holds none. */
	time_t (*oldest_time)(void *db, const struct mxp_dim *dim);
	/* The time of the newest slot held for dim, or 0 when it holds none. */
	time_t (*latest_time)(void *db, const struct mxp_dim *dim);
	/* Calls fn for every slot from after to before inclusive, in time order, one per
	 * the chart's update every. [after, before] lies within [oldest, latest]. */
	void (*foreach)(void *db, const struct mxp_dim *dim, time_t after, time_t before,
			mxp_query_point_fn fn, void *arg);
};

#ifdef __cplusplus
}
#endif
#endif
