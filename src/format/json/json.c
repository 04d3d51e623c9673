/* json.c — JSON lines, as the seed's json formatter wrote them (FORMATS.md §2.6); also
 * the record format of kinesis and mongodb. The seed escaped nothing, so a quote or a
 * backslash in a host name made invalid JSON (FORMATS.md §10.10); mxp escapes every
 * string it writes, which leaves every line the seed wrote correctly byte-identical.
 * Host tags that start like JSON ({, [ or ") are still written raw, as the seed did. */
#include <errno.h>
#include <math.h>

#include "collect/store_internal.h"
#include "format/format.h"
#include "format/json/json.h"

/* Bytes >= 0x80 pass through, so UTF-8 stays UTF-8. */
int mxp_json_put_escaped(struct mxp_buf *b, const char *s)
{
	size_t n = 0;
	while (s[n] != '\0' && s[n] != '"' && s[n] != '\\' && (unsigned char)s[n] >= 0x20)
		n++;
	if (s[n] == '\0')
		return mxp_buf_put(b, s, n); /* the common case: nothing to escape */
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[7];
		size_t len = 1;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			len = 2;
		} else if (c < 0x20) {
			static const char hex[] = "0123456789abcdef";
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			len = 6;
		} else {
			esc[0] = (char)c;
		}
		if (mxp_buf_put(b, esc, len) != 0)
			return -ENOMEM;
	}
	return 0;
}

/* Everything up to and including "value": */
static int put_head(struct mxp_buf *b, const struct mxp_format_options *o, const struct mxp_series *s)
{
	const struct mxp_chart *c = s->chart;
	const struct mxp_dim *d = s->dim;
	const char *tags = s->host->tags;
	int rc = 0;
	rc |= mxp_buf_puts(b, "{\"prefix\":\"");
	rc |= mxp_json_put_escaped(b, o->prefix);
	rc |= mxp_buf_puts(b, "\",\"hostname\":\"");
	rc |= mxp_json_put_escaped(b, s->hostname);
	rc |= mxp_buf_puts(b, "\",");
	if (tags != NULL && *tags != '\0') {
		/* raw JSON when it looks like JSON, else a string: the seed's rule */
		bool raw = (*tags == '{' || *tags == '[' || *tags == '"');
		rc |= mxp_buf_puts(b, raw ? "\"host_tags\":" : "\"host_tags\":\"");
		rc |= raw ? mxp_buf_puts(b, tags) : mxp_json_put_escaped(b, tags);
		rc |= mxp_buf_puts(b, raw ? "," : "\",");
	}
	rc |= mxp_buf_puts(b, "\"chart_id\":\"");
	rc |= mxp_json_put_escaped(b, c->id);
	rc |= mxp_buf_puts(b, "\",\"chart_name\":\"");
	rc |= mxp_json_put_escaped(b, c->name);
	rc |= mxp_buf_puts(b, "\",\"chart_family\":\"");
	rc |= mxp_json_put_escaped(b, c->family);
	rc |= mxp_buf_puts(b, "\",\"chart_context\": \"");
	rc |= mxp_json_put_escaped(b, c->context);
	rc |= mxp_buf_puts(b, "\",\"chart_type\":\"");
	rc |= mxp_json_put_escaped(b, c->type);
	rc |= mxp_buf_puts(b, "\",\"units\": \"");
	rc |= mxp_json_put_escaped(b, c->units);
	rc |= mxp_buf_puts(b, "\",\"id\":\"");
	rc |= mxp_json_put_escaped(b, d->id);
	rc |= mxp_buf_puts(b, "\",\"name\":\"");
	rc |= mxp_json_put_escaped(b, d->name);
	rc |= mxp_buf_puts(b, "\",\"value\":");
	return rc ? -ENOMEM : 0;
}

static int put_tail(struct mxp_buf *b, time_t t)
{
	if (mxp_buf_puts(b, ",\"timestamp\": ") != 0 || mxp_buf_put_llu(b, (unsigned long long)t) != 0 ||
	    mxp_buf_put(b, "}\n", 2) != 0)
		return -ENOMEM;
	return 0;
}

int mxp_json_put_collected(struct mxp_buf *b, const struct mxp_format_options *o,
			      const struct mxp_series *s, long long value, time_t t)
{
	size_t mark = b->len;
	if (put_head(b, o, s) != 0 || mxp_buf_put_lld(b, value) != 0 || put_tail(b, t) != 0) {
		b->len = mark;
		return -ENOMEM;
	}
	return 1;
}

int mxp_json_put_stored(struct mxp_buf *b, const struct mxp_format_options *o,
			   const struct mxp_series *s, long double value, time_t t)
{
	if (isnan(value))
		return 0;
	size_t mark = b->len;
	if (put_head(b, o, s) != 0 || mxp_buf_put_ld7(b, value) != 0 || put_tail(b, t) != 0) {
		b->len = mark;
		return -ENOMEM;
	}
	return 1;
}

/* a = everything up to "value":, value, b = ,"timestamp": , timestamp, c = }\n */
int mxp_json_render_template(struct mxp_buf *out, const struct mxp_format_options *o,
				const struct mxp_series *s, struct mxp_template_shape *shape)
{
	size_t mark = out->len;
	if (put_head(out, o, s) != 0)
		return -ENOMEM;
	shape->a = (uint32_t)(out->len - mark);
	static const char b[] = ",\"timestamp\": ", c[] = "}\n";
	shape->b = sizeof(b) - 1;
	shape->c = sizeof(c) - 1;
	shape->ts_first = false;
	if (mxp_buf_put(out, b, shape->b) != 0 || mxp_buf_put(out, c, shape->c) != 0)
		return -ENOMEM;
	return 0;
}

const struct mxp_format mxp_format_json = {
	.name = "json",
	.put_collected = mxp_json_put_collected,
	.put_stored = mxp_json_put_stored,
	.render_template = mxp_json_render_template,
};
