/* chart_read.c — one chart, one window, one consistent snapshot (see chart_read.h). */
#include <errno.h>
#include <stdlib.h>

#include "collect/chart_read.h"
#include "collect/store_internal.h"
#include "collect/stored_value.h"

static int reading_grow(struct mxp_chart_reading *r, size_t want)
{
	size_t cap = r->cap ? r->cap : 16;
	while (cap < want)
		cap *= 2;
	struct mxp_dim_reading *p = realloc(r->dims, cap * sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	r->dims = p;
	r->cap = cap;
	return 0;
}

void mxp_chart_reading_free(struct mxp_chart_reading *r)
{
	free(r->dims);
	r->dims = NULL;
	r->ndims = r->cap = 0;
}

int mxp_chart_read(const struct mxp_chart *c, enum mxp_source source, time_t after, time_t before,
		   const struct mxp_query_ops *ops, void *db, struct mxp_chart_reading *r)
{
	for (;;) {
		unsigned version = ck_sequence_read_begin(&c->seq);
		size_t n = 0;
		bool full = false;
		for (const struct mxp_dim *d = mxp_chart_dims(c); d != NULL; d = mxp_dim_next(d)) {
			if (n == r->cap) {
				full = true;
				break;
			}
			struct mxp_dim_reading *x = &r->dims[n++];
			int64_t usec = mxp_dim_last_collected_usec(d);
			x->dim = d;
			x->exported = mxp_dim_collections(d) > 0 && usec / 1000000 >= after;
			x->value = NAN;
			if (!x->exported)
				continue;
			if (source == MXP_SOURCE_AS_COLLECTED) {
				x->collected = mxp_dim_last_collected_value(d);
				x->collected_t = (time_t)(usec / 1000000);
			} else {
				x->value = mxp_stored_value(ops, db, d, c->update_every, source, after, before,
							    &(time_t){0}, &x->value_t);
			}
		}
		if (full) {
			/* grow outside the read section, then read again */
			if (reading_grow(r, r->cap + 1) != 0)
				return -ENOMEM;
			continue;
		}
		if (!ck_sequence_read_retry(&c->seq, version)) {
			r->ndims = n;
			return 0;
		}
		r->retries++;
	}
}
