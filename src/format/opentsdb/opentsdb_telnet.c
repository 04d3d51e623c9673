/* opentsdb_telnet.c — OpenTSDB telnet `put` lines, as the seed wrote them:
 *   put PREFIX.CHART.DIM TIMESTAMP VALUE host=HOST[ TAGS]\n   (FORMATS.md §2.5) */
#include <errno.h>
#include <math.h>

#include "collect/store_internal.h"
#include "format/format.h"
#include "format/names.h"

/* "put PREFIX.CHART.DIM " */
static int put_name(struct mxp_buf *b, const struct mxp_format_options *o, const struct mxp_series *s)
{
	size_t np = strlen(o->prefix);
	char *p = mxp_buf_reserve(b, 4 + np + 2 * MXP_NAME_MAX + 3);
	if (p == NULL)
		return -ENOMEM;
	char *start = p;
	memcpy(p, "put ", 4);
	p += 4;
	memcpy(p, o->prefix, np);
	p += np;
	*p++ = '.';
	p += mxp_name_copy(p, o->send_names ? s->chart->name : s->chart->id);
	*p++ = '.';
	p += mxp_name_copy(p, o->send_names ? s->dim->name : s->dim->id);
	*p++ = ' ';
	mxp_buf_commit(b, (size_t)(p - start));
	return 0;
}

/* "put PREFIX.CHART.DIM TIMESTAMP " */
static int put_head(struct mxp_buf *b, const struct mxp_format_options *o, const struct mxp_series *s,
		    time_t t)
{
	if (put_name(b, o, s) != 0 || mxp_buf_put_llu(b, (unsigned long long)t) != 0 || mxp_buf_put(b, " ", 1) != 0)
		return -ENOMEM;
	return 0;
}

/* " host=HOST[ TAGS]\n" */
static int put_tail(struct mxp_buf *b, const struct mxp_series *s)
{
	if (mxp_buf_put(b, " host=", 6) != 0 || mxp_buf_puts(b, s->hostname) != 0)
		return -ENOMEM;
	if (s->host->tags != NULL && (mxp_buf_put(b, " ", 1) != 0 || mxp_buf_puts(b, s->host->tags) != 0))
		return -ENOMEM;
	return mxp_buf_put(b, "\n", 1);
}

static int telnet_put_collected(struct mxp_buf *b, const struct mxp_format_options *o,
				const struct mxp_series *s, long long value, time_t t)
{
	size_t mark = b->len;
	if (put_head(b, o, s, t) != 0 || mxp_buf_put_lld(b, value) != 0 || put_tail(b, s) != 0) {
		b->len = mark;
		return -ENOMEM;
	}
	return 1;
}

static int telnet_put_stored(struct mxp_buf *b, const struct mxp_format_options *o,
			     const struct mxp_series *s, long double value, time_t t)
{
	if (isnan(value))
		return 0;
	size_t mark = b->len;
	if (put_head(b, o, s, t) != 0 || mxp_buf_put_ld7(b, value) != 0 || put_tail(b, s) != 0) {
		b->len = mark;
		return -ENOMEM;
	}
	return 1;
}

/* a = "put PREFIX.CHART.DIM ", timestamp, b = " ", value, c = " host=HOST[ TAGS]\n" */
static int telnet_render_template(struct mxp_buf *out, const struct mxp_format_options *o,
				  const struct mxp_series *s, struct mxp_template_shape *shape)
{
	size_t mark = out->len;
	if (put_name(out, o, s) != 0)
		return -ENOMEM;
	shape->a = (uint32_t)(out->len - mark);
	if (mxp_buf_put(out, " ", 1) != 0)
		return -ENOMEM;
	shape->b = 1;
	mark = out->len;
	if (put_tail(out, s) != 0)
		return -ENOMEM;
	shape->c = (uint32_t)(out->len - mark);
	shape->ts_first = true;
	return 0;
}

const struct mxp_format mxp_format_opentsdb_telnet = {
	.name = "opentsdb",
	.put_collected = telnet_put_collected,
	.render_template = telnet_render_template,
	.put_stored = telnet_put_stored,
};
