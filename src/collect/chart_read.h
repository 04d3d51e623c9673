/* chart_read.h — a consistent read of one chart's dimensions for one export window.
 *
 * The only place mxp's readers meet the writers' sequence counter: every dim of the
 * chart is read within one ck_sequence read section, retried until no writer published
 * in between, so a record never mixes two updates of a chart. */
#ifndef MXP_CHART_READ_H
#define MXP_CHART_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config/data_source.h"

struct mxp_chart;
struct mxp_dim;
struct mxp_query_ops;

/* What the export of one dim needs, as of one consistent instant. 32 bytes, a chart's
 * readings side by side: the collector writes them and reads them back at once. (80
 * bytes each until 2026-12-07, so a chart of 1,000 dims' readings overflowed the L1
 * cache; the change showed no gain through the noise of bench_export's average walk,
 * median 100 ns per metric both, and is kept for the smaller copy into records.) */
struct mxp_dim_reading {
	union {
		long double value;       /* average or sum over the window; NAN = nothing to send */
		struct {
			long long value; /* as collected: the raw value */
			unsigned ms;     /* as collected: the milliseconds of its time, 0..999 */
		} collected;
	} v;                             /* which one: the source read */
	const struct mxp_dim *dim;
	uint32_t t;              /* whole seconds since the epoch (until 2106, as the pipeline's
				  * records): as collected, the collection's; else the time the
				  * value is reported at */
	uint32_t serial;         /* the dim's (read beside the value: the dim's own line is
				  * not read for an average or a sum) */
};
_Static_assert(sizeof(struct mxp_dim_reading) == 32, "a reading is half a cache line");

/* Scratch space a reader keeps across charts (grown as charts grow). */
struct mxp_chart_reading {
	struct mxp_dim_reading *dims;
	size_t ndims;
	size_t cap;
	unsigned retries;        /* read sections retried because a writer published */
};

/* Reads chart for the window [after, before] and the given source into r (r->ndims
 * set): a reading per dim that the export takes, the seed's test (collected at or after
 * the window's start), in the chart's order; the others are left out. ops/db is the
 * query interface of stored values. The caller is inside an epoch read section of the
 * store. Returns 0 or -ENOMEM. */
int mxp_chart_read(const struct mxp_chart *chart, enum mxp_source source, time_t after, time_t before,
		   const struct mxp_query_ops *ops, void *db, struct mxp_chart_reading *r);
void mxp_chart_reading_free(struct mxp_chart_reading *r);

#endif
