/* export_walk.h — one instance's export of one window, on the calling thread.
 *
 * It walks hosts, charts and dims as the seed's loop did (FORMATS.md §2.2), reads each
 * chart consistently (chart_read.h) and appends records through the instance's format
 * table. It takes no lock: the store's epoch keeps what it walks alive. mxpd's
 * standard-output mode runs it directly; the pipeline splits the same steps across
 * threads. */
#ifndef MXP_EXPORT_WALK_H
#define MXP_EXPORT_WALK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "collect/chart_read.h"
#include "collect/store_internal.h"
#include "engine/export_settings.h"
#include "engine/filter_cache.h"
#include "format/buf.h"

/* Per-instance state kept across windows. */
struct mxp_walk {
	const struct mxp_export_settings *settings;
	struct mxp_store *store;
	struct mxp_store_reader *reader;
	struct mxp_filter_cache filters;
	struct mxp_chart_reading reading;
};

/* Prepares w for settings on store and registers the calling thread as a reader.
 * Returns 0 or -ENOMEM. Must be finished with mxp_walk_fini() on the same thread. */
int mxp_walk_init(struct mxp_walk *w, struct mxp_store *store, const struct mxp_export_settings *settings);
void mxp_walk_fini(struct mxp_walk *w);

/* Receives one exported dim of a walk: its host, chart and the consistent reading.
 * Returns 0 to go on, or a nonzero value that ends the walk with it. */
typedef int (*mxp_walk_fn)(void *arg, const struct mxp_host *h, const struct mxp_chart *c,
			   const struct mxp_dim_reading *x);

/* The seed's walk (FORMATS.md §2.2), shared by this module and the pipeline's collector:
 * hosts in list order through the hosts filter, their charts through the charts filter,
 * each chart read consistently for the window and source, fn called for every dim
 * collected since `after`. The caller holds an epoch read section of store for as long
 * as it keeps what fn is given. Returns 0, -ENOMEM, or fn's nonzero return. */
int mxp_walk_each(struct mxp_store *store, const struct mxp_export_settings *s, struct mxp_filter_cache *fc,
		  struct mxp_chart_reading *reading, time_t after, time_t before, mxp_walk_fn fn, void *arg);

/* Appends to out the records of the window [after, before]. Returns the number of
 * records appended (the seed's "buffered metrics") or -ENOMEM. */
long mxp_walk_export(struct mxp_walk *w, time_t after, time_t before, struct mxp_buf *out);

#endif
