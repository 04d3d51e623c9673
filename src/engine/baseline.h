/* baseline.h — the seed-like exporter: what netdata v1.29's backend loop did, over mxp's
 * store, on one thread. It is the correctness oracle (the pipeline's records must equal
 * its records as a multiset) and the benchmark's denominator, so it stays small and
 * obviously faithful: a read lock over the whole walk (the store's structure lock, as
 * the seed held the host and chart locks), snprintf of the seed's own format strings
 * for every record into one buffer, and one blocking send() of that buffer. */
#ifndef MXP_BASELINE_H
#define MXP_BASELINE_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "collect/chart_read.h"
#include "collect/store_internal.h"
#include "engine/export_settings.h"
#include "engine/filter_cache.h"
#include "format/buf.h"

struct mxp_baseline_record;

struct mxp_baseline {
	const struct mxp_export_settings *settings;
	struct mxp_store *store;
	struct mxp_store_reader *reader;
	struct mxp_filter_cache filters;
	struct mxp_chart_reading reading;
	/* the seed's formatter for settings->format (graphite, opentsdb, json, their
	 * bodies, remote write's oracle lines): appends one record; 0 or -ENOMEM */
	int (*put)(struct mxp_baseline *bl, struct mxp_buf *b, const struct mxp_baseline_record *r);
	/* remote write: a host's own series before its charts; records appended or -ENOMEM */
	int (*put_host)(struct mxp_baseline *bl, struct mxp_buf *b, const struct mxp_host *h, const char *hostname,
			time_t t);
	bool skip_inf;            /* averages and sums that are ±Inf are not sent (remote write) */
	struct mxp_buf scratch;  /* JSON-escaped copies of a record's strings */
	struct mxp_query_ops ops; /* a copy of mxp_ring_query_ops: the generic value path */
};

/* Returns 0, -ENOMEM, or -ENOTSUP when settings->format is not a text format the
 * seed had. Registers the calling thread as a store reader. */
int mxp_baseline_init(struct mxp_baseline *bl, struct mxp_store *store,
		      const struct mxp_export_settings *settings);
void mxp_baseline_fini(struct mxp_baseline *bl);

/* Appends the window's records to out. Returns the seed's "buffered metrics" count
 * or -ENOMEM. */
long mxp_baseline_export(struct mxp_baseline *bl, time_t after, time_t before, struct mxp_buf *out);

/* The seed's transport: one blocking send() of the whole buffer. Returns what send()
 * returned (the seed counted anything short of out->len as a failure). */
ssize_t mxp_baseline_send(int fd, const struct mxp_buf *out);

#endif
