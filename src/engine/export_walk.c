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

int mxp_walk_each(struct mxp_store *store, const struct mxp_export_settings *s, struct mxp_filter_cache *fc,
		  struct mxp_chart_reading *reading, time_t after, time_t before, mxp_walk_fn fn, void *arg)
{
	for (struct mxp_host *h = mxp_store_hosts(store); h != NULL; h = mxp_host_next(h)) {
		int want = mxp_filter_host(fc, s, h);
		if (want < 0)
			return -ENOMEM;
		if (!want)
			continue;
		for (struct mxp_chart *c = mxp_host_charts(h); c != NULL; c = mxp_chart_next(c)) {
			want = mxp_filter_chart(fc, s, c);
			if (want < 0)
				return -ENOMEM;
			if (!want)
				continue;
			if (mxp_chart_read(c, s->source, after, before, &mxp_ring_query_ops, NULL, reading) != 0)
				return -ENOMEM;
			for (size_t i = 0; i < reading->ndims; i++) {
				int rc = fn(arg, h, c, &reading->dims[i]);
				if (rc != 0)
					return rc;
			}
		}
	}
	return 0;
}

/* What mxp_walk_export's callback formats with. */
struct format_walk {
	const struct mxp_export_settings *s;
	struct mxp_format_options opt;
	struct mxp_buf *out;
	long records;
};

static int format_one(void *arg, const struct mxp_host *h, const struct mxp_chart *c,
		      const struct mxp_dim_reading *x)
{
	struct format_walk *fw = arg;
	const struct mxp_export_settings *s = fw->s;
	const struct mxp_series series = {
		.host = h,
		.chart = c,
		.dim = x->dim,
		.hostname = h->is_localhost ? s->hostname : h->hostname,
		.collected_ms = s->source == MXP_SOURCE_AS_COLLECTED ? x->v.collected.ms : 0,
	};
	int rc = s->source == MXP_SOURCE_AS_COLLECTED
			 ? s->format->put_collected(fw->out, &fw->opt, &series, x->v.collected.value, (time_t)x->t)
			 : s->format->put_stored(fw->out, &fw->opt, &series, x->v.value, (time_t)x->t);
	if (rc < 0)
		return rc;
	fw->records += rc;
	return 0;
}

long mxp_walk_export(struct mxp_walk *w, time_t after, time_t before, struct mxp_buf *out)
{
	const struct mxp_export_settings *s = w->settings;
	struct format_walk fw = {
		.s = s,
		.opt = {.prefix = s->prefix, .send_names = s->send_names, .source = s->source},
		.out = out,
	};
	mxp_store_read_begin(w->reader);
	int rc = mxp_walk_each(w->store, s, &w->filters, &w->reading, after, before, format_one, &fw);
	mxp_store_read_end(w->reader);
	return rc < 0 ? rc : fw.records;
}
