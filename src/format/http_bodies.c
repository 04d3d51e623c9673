/* http_bodies.c — the text formats sent as HTTP request bodies: graphite:http,
 * json:http and opentsdb:http. A body is what a formatter hands the sender at once; the
 * sender frames it as one POST (send/http_request.c). graphite:http is in graphite.c
 * (its lines as they are).
 *
 *   json:http       "[\n" REC ",\n" REC ... "\n]\n": the json lines' objects in an array,
 *                   as netdata's exporting engine joined them; application/json.
 *   opentsdb:http   "[\n" OBJ ",\n" OBJ ... "\n]\n" to /api/put, OBJ being the seed's
 *                   object (FORMATS.md §2.5, its spacing kept). The seed sent one request
 *                   per metric, cut each body at 1023 bytes with a wrong Content-Length,
 *                   and wrote host tags inside the host tag's value (FORMATS.md §10.7-8):
 *                   here many objects go in one body, nothing is cut, and each `k=v` of
 *                   the host tags is a tag of its own (OpenTSDB refuses a tag value with
 *                   a space, so the seed's form lost every metric of a tagged host).
 *
 * A record of the array formats ends in ",\n" while it is written; sealing the body
 * turns the last one into "\n]\n". */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "collect/store_internal.h"
#include "format/format.h"
#include "format/json/json.h"
#include "format/names.h"

/* ---- the array bodies ---- */

static int array_open(struct mxp_buf *b)
{
	return mxp_buf_put(b, "[\n", 2);
}

static int array_seal(struct mxp_buf *b, long records, struct mxp_buf *scratch, const struct mxp_format_options *o,
		      long *dropped)
{
	(void)records;
	(void)scratch;
	(void)o;
	*dropped = 0;
	/* the last record's ",\n" becomes "\n]\n" */
	if (b->len >= 4 && memcmp(b->data + b->len - 2, ",\n", 2) == 0)
		b->len -= 2;
	return mxp_buf_put(b, "\n]\n", 3);
}

/* A json line "...}\n" just written after mark becomes "...},\n". */
static int comma_ended(struct mxp_buf *b, size_t mark, int rc)
{
	if (rc <= 0)
		return rc;
	if (b->len <= mark || b->data[b->len - 1] != '\n')
		return rc;
	b->data[b->len - 1] = ',';
	if (mxp_buf_put(b, "\n", 1) != 0) {
		b->len = mark;
		return -ENOMEM;
	}
	return rc;
}

/* ---- json:http ---- */

static int json_http_put_collected(struct mxp_buf *b, const struct mxp_format_options *o, const struct mxp_series *s,
				   long long value, time_t t)
{
	size_t mark = b->len;
	return comma_ended(b, mark, mxp_format_json.put_collected(b, o, s, value, t));
}

static int json_http_put_stored(struct mxp_buf *b, const struct mxp_format_options *o, const struct mxp_series *s,
				long double value, time_t t)
{
	size_t mark = b->len;
	return comma_ended(b, mark, mxp_format_json.put_stored(b, o, s, value, t));
}

static int json_http_render_template(struct mxp_buf *out, const struct mxp_format_options *o,
				     const struct mxp_series *s, struct mxp_template_shape *shape)
{
	int rc = mxp_format_json.render_template(out, o, s, shape);
	if (rc != 0)
		return rc;
	/* c is "}\n": make it "},\n" */
	out->data[out->len - 1] = ',';
	shape->c++;
	return mxp_buf_put(out, "\n", 1);
}

static const struct mxp_body json_body = {
	.path = "/api/put",
	.content_type = "application/json",
	.headers = "",
	.open = array_open,
	.seal = array_seal,
};

const struct mxp_format mxp_format_json_http = {
	.name = "json",
	.put_collected = json_http_put_collected,
	.put_stored = json_http_put_stored,
	.render_template = json_http_render_template,
	.body = &json_body,
};

/* ---- opentsdb:http ---- */

/* `{  "metric": "PREFIX.CHART.DIM",  "timestamp": ` */
static int tsdb_head(struct mxp_buf *b, const struct mxp_format_options *o, const struct mxp_series *s)
{
	char name[2 * MXP_NAME_MAX + 3];
	size_t n = 0;
	name[n++] = '.';
	n += mxp_name_copy(name + n, o->send_names ? s->chart->name : s->chart->id);
	name[n++] = '.';
	n += mxp_name_copy(name + n, o->send_names ? s->dim->name : s->dim->id);
	name[n] = '\0';
	int rc = mxp_buf_puts(b, "{  \"metric\": \"");
	rc |= mxp_json_put_escaped(b, o->prefix);
	rc |= mxp_json_put_escaped(b, name); /* sanitized: nothing to escape, but cheap */
	rc |= mxp_buf_puts(b, "\",  \"timestamp\": ");
	return rc ? -ENOMEM : 0;
}

/* `,  "tags": {    "host": "HOST"[,  "K": "V"]...  }},\n`: each whitespace-separated
 * `K=V` of the host tags is a tag (a word without '=' is skipped, as OpenTSDB has no
 * tag without a value). */
static int tsdb_tail(struct mxp_buf *b, const struct mxp_series *s)
{
	int rc = mxp_buf_puts(b, ",  \"tags\": {    \"host\": \"");
	rc |= mxp_json_put_escaped(b, s->hostname);
	rc |= mxp_buf_puts(b, "\"");
	const char *t = s->host->tags;
	while (t != NULL && *t != '\0' && rc == 0) {
		while (*t == ' ' || *t == '\t' || *t == ',')
			t++;
		size_t w = strcspn(t, " \t,");
		const char *eq = memchr(t, '=', w);
		if (w > 0 && eq != NULL && eq != t && eq + 1 < t + w) {
			char word[512];
			size_t kl = (size_t)(eq - t), vl = w - kl - 1;
			if (kl < sizeof(word) && vl < sizeof(word)) {
				rc |= mxp_buf_puts(b, ",  \"");
				memcpy(word, t, kl);
				word[kl] = '\0';
				rc |= mxp_json_put_escaped(b, word);
				rc |= mxp_buf_puts(b, "\": \"");
				memcpy(word, eq + 1, vl);
				word[vl] = '\0';
				rc |= mxp_json_put_escaped(b, word);
				rc |= mxp_buf_puts(b, "\"");
			}
		}
		t += w;
	}
	rc |= mxp_buf_puts(b, "  }},\n");
	return rc ? -ENOMEM : 0;
}

static int tsdb_put(struct mxp_buf *b, const struct mxp_format_options *o, const struct mxp_series *s, bool collected,
		    long long cv, long double sv, time_t t)
{
	if (!collected && isnan(sv))
		return 0;
	size_t mark = b->len;
	int rc = tsdb_head(b, o, s);
	rc |= mxp_buf_put_llu(b, (unsigned long long)t);
	rc |= mxp_buf_puts(b, ",  \"value\": ");
	rc |= collected ? mxp_buf_put_lld(b, cv) : mxp_buf_put_ld7(b, sv);
	rc |= tsdb_tail(b, s);
	if (rc != 0) {
		b->len = mark;
		return -ENOMEM;
	}
	return 1;
}

static int tsdb_put_collected(struct mxp_buf *b, const struct mxp_format_options *o, const struct mxp_series *s,
			      long long value, time_t t)
{
	return tsdb_put(b, o, s, true, value, 0, t);
}

static int tsdb_put_stored(struct mxp_buf *b, const struct mxp_format_options *o, const struct mxp_series *s,
			   long double value, time_t t)
{
	return tsdb_put(b, o, s, false, 0, value, t);
}

/* a = head, timestamp, b = `,  "value": `, value, c = tail */
static int tsdb_render_template(struct mxp_buf *out, const struct mxp_format_options *o, const struct mxp_series *s,
				struct mxp_template_shape *shape)
{
	size_t mark = out->len;
	if (tsdb_head(out, o, s) != 0)
		return -ENOMEM;
	shape->a = (uint32_t)(out->len - mark);
	static const char mid[] = ",  \"value\": ";
	if (mxp_buf_put(out, mid, sizeof(mid) - 1) != 0)
		return -ENOMEM;
	shape->b = sizeof(mid) - 1;
	mark = out->len;
	if (tsdb_tail(out, s) != 0)
		return -ENOMEM;
	shape->c = (uint32_t)(out->len - mark);
	shape->ts_first = true;
	return 0;
}

static const struct mxp_body tsdb_body = {
	.path = "/api/put",
	.content_type = "application/json",
	.headers = "",
	.open = array_open,
	.seal = array_seal,
};

const struct mxp_format mxp_format_opentsdb_http = {
	.name = "opentsdb",
	.put_collected = tsdb_put_collected,
	.put_stored = tsdb_put_stored,
	.render_template = tsdb_render_template,
	.body = &tsdb_body,
};
