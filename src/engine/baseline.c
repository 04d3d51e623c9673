/* baseline.c — the seed's loop, kept deliberately plain (see baseline.h). The format
 * strings are the seed's, from FORMATS.md §2.4–§2.6, not mxp's formatters: the
 * baseline must not share the code it checks. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/baseline_internal.h"
#include "format/format.h"
#include "format/json/json.h"
#include "format/names.h"

struct mxp_baseline_record;
static int seed_graphite(struct mxp_baseline *bl, struct mxp_buf *b, const struct mxp_baseline_record *r);
static int seed_opentsdb(struct mxp_baseline *bl, struct mxp_buf *b, const struct mxp_baseline_record *r);
static int seed_json(struct mxp_baseline *bl, struct mxp_buf *b, const struct mxp_baseline_record *r);
static int json_array_item(struct mxp_baseline *bl, struct mxp_buf *b, const struct mxp_baseline_record *r);
static int opentsdb_http_object(struct mxp_baseline *bl, struct mxp_buf *b, const struct mxp_baseline_record *r);

int mxp_baseline_init(struct mxp_baseline *bl, struct mxp_store *store,
		      const struct mxp_export_settings *settings)
{
	memset(bl, 0, sizeof(*bl));
	bl->settings = settings;
	bl->store = store;
	bl->ops = mxp_ring_query_ops;
	/* the seed picked its formatter once, at start, from the type */
	if (settings->format == &mxp_format_graphite)
		bl->put = seed_graphite;
	else if (settings->format == &mxp_format_opentsdb_telnet)
		bl->put = seed_opentsdb;
	else if (settings->format == &mxp_format_json)
		bl->put = seed_json;
	else if (settings->format == &mxp_format_graphite_http) /* the same lines, in bodies */
		bl->put = seed_graphite;
	else if (settings->format == &mxp_format_json_http)
		bl->put = json_array_item;
	else if (settings->format == &mxp_format_opentsdb_http)
		bl->put = opentsdb_http_object;
	else if (settings->format == &mxp_format_kinesis || settings->format == &mxp_format_mongodb)
		bl->put = seed_json; /* the json lines: in Kinesis records; the seed's source of documents */
	else if (settings->format == &mxp_format_remote_write) {
		bl->put = mxp_baseline_rw_record; /* JSON lines of what should arrive */
		bl->put_host = mxp_baseline_rw_host;
		bl->skip_inf = true; /* the seed's remote write skipped ±Inf too (FORMATS.md §3.1) */
	} else
		return -ENOTSUP;
	bl->reader = mxp_store_reader_get(store);
	return bl->reader ? 0 : -ENOMEM;
}

void mxp_baseline_fini(struct mxp_baseline *bl)
{
	mxp_store_reader_put(bl->reader);
	mxp_filter_cache_free(&bl->filters);
	mxp_chart_reading_free(&bl->reading);
	mxp_buf_free(&bl->scratch);
}

/* The seed's buffer_sprintf: format straight into the buffer, growing it as needed. */
__attribute__((format(printf, 2, 3))) static int buf_sprintf(struct mxp_buf *b, const char *fmt, ...)
{
	size_t room = 1024;
	for (;;) {
		char *p = mxp_buf_reserve(b, room);
		if (p == NULL)
			return -ENOMEM;
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(p, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -EINVAL;
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return 0;
		}
		room = (size_t)n + 1;
	}
}

static int seed_graphite(struct mxp_baseline *bl, struct mxp_buf *b, const struct mxp_baseline_record *r)
{
	(void)bl;
	const char *sep = r->tags ? ";" : "", *tags = r->tags ? r->tags : "";
	if (r->collected)
		return buf_sprintf(b, "%s.%s.%s.%s%s%s %lld %llu\n", r->s->prefix, r->hostname, r->chart_name,
				   r->dim_name, sep, tags, r->collected_value, r->t);
	return buf_sprintf(b, "%s.%s.%s.%s%s%s %0.7Lf %llu\n", r->s->prefix, r->hostname, r->chart_name,
			   r->dim_name, sep, tags, r->value, r->t);
}

static int seed_opentsdb(struct mxp_baseline *bl, struct mxp_buf *b, const struct mxp_baseline_record *r)
{
	(void)bl;
	const char *sep = r->tags ? " " : "", *tags = r->tags ? r->tags : "";
	if (r->collected)
		return buf_sprintf(b, "put %s.%s.%s %llu %lld host=%s%s%s\n", r->s->prefix, r->chart_name,
				   r->dim_name, r->t, r->collected_value, r->hostname, sep, tags);
	return buf_sprintf(b, "put %s.%s.%s %llu %0.7Lf host=%s%s%s\n", r->s->prefix, r->chart_name,
			   r->dim_name, r->t, r->value, r->hostname, sep, tags);
}

static int seed_json(struct mxp_baseline *bl, struct mxp_buf *b, const struct mxp_baseline_record *r)
{
	const struct mxp_chart *c = r->c;
	const struct mxp_dim *d = r->d;
	const char *pre = "", *post = "", *tags = "";
	bool raw_tags = false;
	if (r->tags != NULL && *r->tags != '\0') {
		tags = r->tags;
		raw_tags = (*tags == '{' || *tags == '[' || *tags == '"');
		pre = raw_tags ? "\"host_tags\":" : "\"host_tags\":\"";
		post = raw_tags ? "," : "\",";
	}
	/* the one deviation from the seed's strings: every string is JSON-escaped
	 * (docs/COMPAT.md, FORMATS.md §10.10) */
	const char *raw[] = {r->s->prefix, r->hostname, tags,    c->id,    c->name, c->family,
			     c->context,   c->type,     c->units, d->id, d->name};
	enum { N = sizeof(raw) / sizeof(raw[0]) };
	size_t at[N];
	mxp_buf_reset(&bl->scratch);
	for (int i = 0; i < N; i++) {
		at[i] = bl->scratch.len;
		int rc = (i == 2 && raw_tags) ? mxp_buf_puts(&bl->scratch, raw[i])
					      : mxp_json_put_escaped(&bl->scratch, raw[i]);
		if (rc != 0 || mxp_buf_put(&bl->scratch, "", 1) != 0)
			return -ENOMEM;
	}
	const char *e[N];
	for (int i = 0; i < N; i++)
		e[i] = bl->scratch.data + at[i];
	if (r->collected)
		return buf_sprintf(b,
				   "{\"prefix\":\"%s\",\"hostname\":\"%s\",%s%s%s\"chart_id\":\"%s\","
				   "\"chart_name\":\"%s\",\"chart_family\":\"%s\",\"chart_context\": \"%s\","
				   "\"chart_type\":\"%s\",\"units\": \"%s\",\"id\":\"%s\",\"name\":\"%s\","
				   "\"value\":%lld,\"timestamp\": %llu}\n",
				   e[0], e[1], pre, e[2], post, e[3], e[4], e[5], e[6], e[7], e[8], e[9], e[10],
				   r->collected_value, r->t);
	return buf_sprintf(b,
			   "{\"prefix\":\"%s\",\"hostname\":\"%s\",%s%s%s\"chart_id\":\"%s\","
			   "\"chart_name\":\"%s\",\"chart_family\":\"%s\",\"chart_context\": \"%s\","
			   "\"chart_type\":\"%s\",\"units\": \"%s\",\"id\":\"%s\",\"name\":\"%s\","
			   "\"value\":%0.7Lf,\"timestamp\": %llu}\n",
			   e[0], e[1], pre, e[2], post, e[3], e[4], e[5], e[6], e[7], e[8], e[9], e[10], r->value,
			   r->t);
}

/* json:http: the json line's object, ending in ",\n" as an item of the body's array
 * (http_bodies.c), as netdata's exporting engine joined them. */
static int json_array_item(struct mxp_baseline *bl, struct mxp_buf *b, const struct mxp_baseline_record *r)
{
	int rc = seed_json(bl, b, r);
	if (rc < 0)
		return rc;
	b->data[b->len - 1] = ',';
	return mxp_buf_put(b, "\n", 1);
}

/* opentsdb:http: the seed's object (FORMATS.md §2.5, its spacing), every string
 * JSON-escaped, and each `k=v` word of the host tags a tag of its own instead of the
 * seed's text inside the host tag (docs/COMPAT.md, FORMATS.md §10.7); an array item. */
static int opentsdb_http_object(struct mxp_baseline *bl, struct mxp_buf *b, const struct mxp_baseline_record *r)
{
	mxp_buf_reset(&bl->scratch);
	if (mxp_json_put_escaped(&bl->scratch, r->hostname) != 0)
		return -ENOMEM;
	const char *t = r->tags;
	while (t != NULL && *t != '\0') {
		size_t skip = strspn(t, " \t,"), w;
		t += skip;
		w = strcspn(t, " \t,");
		char word[1024];
		if (w > 0 && w < sizeof(word)) {
			memcpy(word, t, w);
			word[w] = '\0';
			char *eq = strchr(word, '=');
			if (eq != NULL && eq != word && eq[1] != '\0') {
				*eq = '\0';
				if (mxp_buf_puts(&bl->scratch, "\",  \"") != 0 ||
				    mxp_json_put_escaped(&bl->scratch, word) != 0 ||
				    mxp_buf_puts(&bl->scratch, "\": \"") != 0 ||
				    mxp_json_put_escaped(&bl->scratch, eq + 1) != 0)
					return -ENOMEM;
			}
		}
		t += w;
	}
	if (mxp_buf_put(&bl->scratch, "", 1) != 0)
		return -ENOMEM;
	size_t pre_at = bl->scratch.len;
	if (mxp_json_put_escaped(&bl->scratch, r->s->prefix) != 0 || mxp_buf_put(&bl->scratch, "", 1) != 0)
		return -ENOMEM;
	const char *host = bl->scratch.data, *prefix = bl->scratch.data + pre_at;
	if (r->collected)
		return buf_sprintf(b,
				   "{  \"metric\": \"%s.%s.%s\",  \"timestamp\": %llu,  \"value\": %lld,  \"tags\": {    "
				   "\"host\": \"%s\"  }},\n",
				   prefix, r->chart_name, r->dim_name, r->t, r->collected_value, host);
	return buf_sprintf(b,
			   "{  \"metric\": \"%s.%s.%s\",  \"timestamp\": %llu,  \"value\": %0.7Lf,  \"tags\": {    "
			   "\"host\": \"%s\"  }},\n",
			   prefix, r->chart_name, r->dim_name, r->t, r->value, host);
}

/* Appends one record; returns 1, 0 (a NaN average or sum: nothing, as the seed), or
 * -ENOMEM. */
static int put_record(struct mxp_baseline *bl, struct mxp_buf *b, const struct mxp_host *h,
		      const char *hostname, const struct mxp_chart *c, const struct mxp_dim_reading *x)
{
	const struct mxp_export_settings *s = bl->settings;
	bool collected = s->source == MXP_SOURCE_AS_COLLECTED;
	if (!collected && isnan(x->v.value))
		return 0;
	if (!collected && bl->skip_inf && (isinf(x->v.value) || isinf((double)x->v.value)))
		return 0;
	char chart_name[MXP_NAME_MAX + 1], dim_name[MXP_NAME_MAX + 1];
	mxp_name_copy(chart_name, s->send_names ? c->name : c->id);
	mxp_name_copy(dim_name, s->send_names ? x->dim->name : x->dim->id);
	const struct mxp_baseline_record r = {
		.s = s,
		.c = c,
		.d = x->dim,
		.hostname = hostname,
		.tags = h->tags,
		.chart_name = chart_name,
		.dim_name = dim_name,
		.collected = collected,
		.collected_value = collected ? x->v.collected.value : 0,
		.collected_ms = collected ? x->v.collected.ms : 0,
		.value = collected ? 0 : x->v.value,
		.t = x->t,
	};
	int rc = bl->put(bl, b, &r);
	return rc < 0 ? rc : 1;
}

long mxp_baseline_export(struct mxp_baseline *bl, time_t after, time_t before, struct mxp_buf *out)
{
	const struct mxp_export_settings *s = bl->settings;
	long records = 0;
	int rc = 0;

	pthread_rwlock_rdlock(&bl->store->structure_lock);
	mxp_store_read_begin(bl->reader);
	for (struct mxp_host *h = mxp_store_hosts(bl->store); h != NULL && rc >= 0; h = mxp_host_next(h)) {
		rc = mxp_filter_host(&bl->filters, s, h);
		if (rc <= 0)
			continue;
		const char *hostname = h->is_localhost ? s->hostname : h->hostname;
		if (bl->put_host != NULL) {
			rc = bl->put_host(bl, out, h, hostname, before);
			if (rc > 0)
				records += rc;
		}
		for (struct mxp_chart *c = mxp_host_charts(h); c != NULL && rc >= 0; c = mxp_chart_next(c)) {
			rc = mxp_filter_chart(&bl->filters, s, c);
			if (rc <= 0)
				continue;
			/* a copy of the ring's ops: the generic path of mxp_stored_value, as the
			 * seed called query_ops per dimension (chart_read.c's fast path is for
			 * mxp_ring_query_ops itself), so the oracle checks the fast path */
			rc = mxp_chart_read(c, s->source, after, before, &bl->ops, NULL, &bl->reading);
			for (size_t i = 0; rc >= 0 && i < bl->reading.ndims; i++) {
				rc = put_record(bl, out, h, hostname, c, &bl->reading.dims[i]);
				if (rc > 0)
					records += rc;
			}
		}
	}
	mxp_store_read_end(bl->reader);
	pthread_rwlock_unlock(&bl->store->structure_lock);
	return rc < 0 ? rc : records;
}

ssize_t mxp_baseline_send(int fd, const struct mxp_buf *out)
{
	return send(fd, out->data, out->len, MSG_NOSIGNAL);
}
