/* graphite.c — Graphite plaintext lines, as the seed's graphite formatter wrote them:
 *   PREFIX.HOST.CHART.DIM[;TAGS] VALUE TIMESTAMP\n   (FORMATS.md §2.4) */
#include <errno.h>
#include <math.h>

#include "collect/store_internal.h"
#include "format/format.h"
#include "format/names.h"

/* Everything before the value, and the space after it. */
static int put_name(struct mxp_buf *b, const struct mxp_format_options *o, const struct mxp_series *s)
{
	const struct mxp_chart *c = s->chart;
	const struct mxp_dim *d = s->dim;
	size_t np = strlen(o->prefix), nh = strlen(s->hostname);
	/* prefix . host . chart . dim ; tags ' ' */
	size_t nt = s->host->tags ? strlen(s->host->tags) + 1 : 0;
	char *p = mxp_buf_reserve(b, np + nh + 2 * MXP_NAME_MAX + nt + 5);
	if (p == NULL)
		return -ENOMEM;
	char *start = p;
	memcpy(p, o->prefix, np);
	p += np;
	*p++ = '.';
	memcpy(p, s->hostname, nh);
	p += nh;
	*p++ = '.';
	p += mxp_name_copy(p, o->send_names ? c->name : c->id);
	*p++ = '.';
	p += mxp_name_copy(p, o->send_names ? d->name : d->id);
	if (nt != 0) {
		*p++ = ';';
		memcpy(p, s->host->tags, nt - 1);
		p += nt - 1;
	}
	*p++ = ' ';
	mxp_buf_commit(b, (size_t)(p - start));
	return 0;
}

static int graphite_put_collected(struct mxp_buf *b, const struct mxp_format_options *o,
				  const struct mxp_series *s, long long value, time_t t)
{
	size_t mark = b->len;
	if (put_name(b, o, s) != 0 || mxp_buf_put_lld(b, value) != 0 || mxp_buf_put(b, " ", 1) != 0 ||
	    mxp_buf_put_llu(b, (unsigned long long)t) != 0 || mxp_buf_put(b, "\n", 1) != 0) {
		b->len = mark;
		return -ENOMEM;
	}
	return 1;
}

static int graphite_put_stored(struct mxp_buf *b, const struct mxp_format_options *o,
			       const struct mxp_series *s, long double value, time_t t)
{
	if (isnan(value))
		return 0;
	size_t mark = b->len;
	if (put_name(b, o, s) != 0 || mxp_buf_put_ld7(b, value) != 0 || mxp_buf_put(b, " ", 1) != 0 ||
	    mxp_buf_put_llu(b, (unsigned long long)t) != 0 || mxp_buf_put(b, "\n", 1) != 0) {
		b->len = mark;
		return -ENOMEM;
	}
	return 1;
}

/* a = "PREFIX.HOST.CHART.DIM[;TAGS] ", value, b = " ", timestamp, c = "\n" */
static int graphite_render_template(struct mxp_buf *out, const struct mxp_format_options *o,
				    const struct mxp_series *s, struct mxp_template_shape *shape)
{
	size_t mark = out->len;
	if (put_name(out, o, s) != 0)
		return -ENOMEM;
	shape->a = (uint32_t)(out->len - mark);
	shape->b = 1;
	shape->c = 1;
	shape->ts_first = false;
	return mxp_buf_put(out, " \n", 2);
}

const struct mxp_format mxp_format_graphite = {
	.name = "graphite",
	.put_collected = graphite_put_collected,
	.put_stored = graphite_put_stored,
	.render_template = graphite_render_template,
};

/* graphite:http: the same lines, a body of them per request, as netdata's exporting
 * engine posted them (POST /api/put, Content-Type application/graphite). */
static const struct mxp_body graphite_body = {
	.path = "/api/put",
	.content_type = "application/graphite",
	.headers = "",
};

const struct mxp_format mxp_format_graphite_http = {
	.name = "graphite",
	.put_collected = graphite_put_collected,
	.put_stored = graphite_put_stored,
	.render_template = graphite_render_template,
	.body = &graphite_body,
};
