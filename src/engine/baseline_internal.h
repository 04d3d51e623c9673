/* baseline_internal.h — what baseline.c (the seed's text formats) and baseline_rw.c
 * (remote write's oracle) share: one record as the seed's formatters saw it. */
#ifndef MXP_BASELINE_INTERNAL_H
#define MXP_BASELINE_INTERNAL_H

#include <stdbool.h>

#include "engine/baseline.h"

/* What one record of the seed's formatters needs, prepared by put_record(). */
struct mxp_baseline_record {
	const struct mxp_export_settings *s;
	const struct mxp_chart *c;
	const struct mxp_dim *d;
	const char *hostname;
	const char *tags;                 /* NULL when the host has none */
	const char *chart_name;           /* name-copied, for graphite and opentsdb */
	const char *dim_name;
	bool collected;
	long long collected_value;
	unsigned collected_ms;            /* the milliseconds of its collection time */
	long double value;
	unsigned long long t;
};

/* baseline_rw.c: remote write's expected samples as JSON lines (see its top comment) */
int mxp_baseline_rw_record(struct mxp_baseline *bl, struct mxp_buf *b, const struct mxp_baseline_record *r);
int mxp_baseline_rw_host(struct mxp_baseline *bl, struct mxp_buf *b, const struct mxp_host *h, const char *hostname,
			 time_t t);

#endif
