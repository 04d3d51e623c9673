/* export_walk.c — the seed's walk over hosts, charts and dims, without its locks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/export_walk.h"
#include "format/format.h"

int mxp_walk_init(struct mxp_walk *w, struct mxp_store *store, const struct mxp_export_settings *settings)
{
	memset(w, 0, sizeof(*w));
	w->settings = settings;
	w->store = store;
	w->reader = mxp_store_reader_get(store);
	return w->reader ? 0 : -ENOMEM;
}

void mxp_walk_fini(struct mxp_walk *w)
{
	mxp_store_reader_put(w->reader);
	mxp_filter_cache_free(&w->filters);
	mxp_chart_reading_free(&w->reading);
}

long mxp_walk_export(struct mxp_walk *w, time_t after, time_t before, struct mxp_buf *out)
{
	const struct mxp_export_settings *s = w->settings;
	const struct mxp_format *fmt = s->format;
	const struct mxp_format_options opt = {.prefix = s->prefix, .send_names = s->send_names};
	long records = 0;

	mxp_store_read_begin(w->reader);
	for (struct mxp_host *h = mxp_store_hosts(w->store); h != NULL; h = mxp_host_next(h)) {
		int want = mxp_filter_host(&w->filters, s, h);
		if (want < 0)
			goto nomem;
		if (!want)
			continue;
		struct mxp_series series = {.host = h,
					    .hostname = h->is_localhost ? s->hostname : h->hostname};

		for (struct mxp_chart *c = mxp_host_charts(h); c != NULL; c = mxp_chart_next(c)) {
			want = mxp_filter_chart(&w->filters, s, c);
			if (want < 0)
				goto nomem;
			if (!want)
				continue;
			if (mxp_chart_read(c, s->source, after, before, &mxp_ring_query_ops, NULL, &w->reading) != 0)
				goto nomem;
			series.chart = c;
			for (size_t i = 0; i < w->reading.ndims; i++) {
				const struct mxp_dim_reading *x = &w->reading.dims[i];
				if (!x->exported)
					continue;
				series.dim = x->dim;
				int rc = s->source == MXP_SOURCE_AS_COLLECTED
						 ? fmt->put_collected(out, &opt, &series, x->collected, x->collected_t)
						 : fmt->put_stored(out, &opt, &series, x->value, x->value_t);
				if (rc < 0)
					goto nomem;
				records += rc;
			}
		}
	}
	mxp_store_read_end(w->reader);
	return records;

nomem:
	mxp_store_read_end(w->reader);
	return -ENOMEM;
}
