/* baseline_rw.c — the baseline's remote write: what should arrive, one JSON line per
 * sample, {"labels":{NAME:VALUE,...},"value":V,"timestamp_ms":T} with the labels sorted
 * by name. It is the oracle the tests compare a receiver's answer and the pipeline's
 * decoded requests with, so it is written from FORMATS.md §3 and docs/COMPAT.md on its
 * own, with printf and plain loops, not with remote_write.c's code: the seed's names,
 * labels and values, and mxp's decisions (sorted, unescaped, no empty value, valid
 * names, host labels and tag pairs on every series, info series at the window's end). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/baseline_internal.h"
#include "format/json/json.h"
#include "format/prometheus/remote_write.h" /* MXP_RW_LABELS_MAX, the documented limit */

#define NAME_PART 255 /* the seed's 256-byte name buffers */

struct kv {
	char *name, *value;
};

struct labels {
	struct kv kv[MXP_RW_LABELS_MAX];
	size_t n;
};

static unsigned long mag(long v)
{
	return v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;
}

static int isalnum_c(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* prom-name-copy into out (NAME_PART + 1 bytes) */
static void name_part(char *out, const char *in)
{
	size_t i = 0;
	for (; in != NULL && in[i] != '\0' && i < NAME_PART; i++)
		out[i] = isalnum_c((unsigned char)in[i]) ? in[i] : '_';
	out[i] = '\0';
}

static void units_part(char *out, size_t cap, const char *units)
{
	char u[NAME_PART + 1], tmp[NAME_PART + 1];
	snprintf(u, sizeof(u), "%s", units != NULL ? units : "");
	size_t n = strlen(u);
	if (strcmp(u, "%") == 0) {
		snprintf(out, cap, "_percent");
	} else if (n >= 3 && strcmp(u + n - 2, "/s") == 0) {
		u[n - 2] = '\0';
		name_part(tmp, u);
		snprintf(out, cap, "_%s_persec", tmp);
	} else {
		name_part(tmp, u);
		snprintf(out, cap, "_%s", tmp);
	}
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (d == NULL)
		abort(); /* the oracle of tests and benchmarks: no partial answers */
	return d;
}

/* Replaces every byte that does not start a valid UTF-8 sequence by U+FFFD. */
static char *valid_utf8(const char *s)
{
	size_t n = strlen(s);
	char *d = malloc(3 * n + 1), *w = d;
	if (d == NULL)
		abort();
	const unsigned char *p = (const unsigned char *)s;
	while (*p != '\0') {
		unsigned c = p[0];
		size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		unsigned long cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
		size_t k = 1;
		for (; k < len && (p[k] & 0xc0) == 0x80; k++)
			cp = cp << 6 | (p[k] & 0x3f);
		bool ok = len > 0 && k == len && !(len == 2 && cp < 0x80) && !(len == 3 && cp < 0x800) &&
			  !(len == 4 && cp < 0x10000) && !(cp >= 0xd800 && cp <= 0xdfff) && cp <= 0x10ffff;
		if (ok) {
			memcpy(w, p, len);
			w += len;
			p += len;
		} else {
			memcpy(w, "\xef\xbf\xbd", 3);
			w += 3;
			p++;
		}
	}
	*w = '\0';
	return d;
}

/* name made a label name: [a-zA-Z_][a-zA-Z0-9_]* */
static char *label_name(const char *s)
{
	char *d = malloc(strlen(s) + 2), *w = d;
	if (d == NULL)
		abort();
	if (*s >= '0' && *s <= '9')
		*w++ = '_';
	for (; *s != '\0'; s++)
		*w++ = isalnum_c((unsigned char)*s) || *s == '_' ? *s : '_';
	*w = '\0';
	return d;
}

static void add(struct labels *l, const char *name, const char *value, bool own)
{
	if (value == NULL || *value == '\0' || name == NULL || *name == '\0' ||
	    l->n == sizeof(l->kv) / sizeof(l->kv[0]))
		return;
	char *n = own ? xstrdup(name) : label_name(name);
	/* host labels and tags never take "__..." nor the series' own names */
	bool skip = !own && (strncmp(n, "__", 2) == 0 || strcmp(n, "chart") == 0 || strcmp(n, "family") == 0 ||
			     strcmp(n, "dimension") == 0 || strcmp(n, "instance") == 0);
	for (size_t i = 0; !skip && i < l->n; i++)
		skip = strcmp(l->kv[i].name, n) == 0;
	if (skip) {
		free(n);
		return;
	}
	l->kv[l->n].name = n;
	l->kv[l->n].value = valid_utf8(value);
	l->n++;
}

/* The seed's remote_write_split_words (FORMATS.md §3.5), written again. */
static void add_tags(struct labels *l, const char *tags)
{
	if (tags == NULL)
		return;
	char buf[1025];
	snprintf(buf, sizeof(buf), "%s", tags);
	char *p = buf;
	for (int pairs = 0; pairs < 64; pairs++) {
		while (*p != '\0' && strchr(" \t\n\r\v\f", *p) != NULL)
			p++;
		if (*p == '\0')
			return;
		char *k = p;
		p += strcspn(p, " \t\n\r\v\f=");
		if (*p != '=')
			return;
		*p++ = '\0';
		while (*p != '\0' && strchr(" \t\n\r\v\f", *p) != NULL)
			p++;
		if (*p == '"')
			p++;
		char *v = p;
		p += strcspn(p, " \t\n\r\v\f,");
		if (*p != '\0' && *p != ',')
			return;
		bool last = *p == '\0';
		if (p > v && p[-1] == '"')
			p[-1] = '\0';
		*p = '\0';
		add(l, k, v, false);
		if (last)
			return;
		p++;
	}
}

static void add_host(struct labels *l, const struct mxp_host *h)
{
	for (size_t i = 0; i < h->nlabels; i++)
		add(l, h->labels[i].name, h->labels[i].value, false);
	add_tags(l, h->tags);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->name, ((const struct kv *)b)->name);
}

/* Writes the line and frees the labels. */
static int line(struct mxp_baseline *bl, struct mxp_buf *b, struct labels *l, double value, long long ms)
{
	qsort(l->kv, l->n, sizeof(l->kv[0]), by_name);
	int rc = mxp_buf_puts(b, "{\"labels\":{");
	for (size_t i = 0; i < l->n; i++) {
		rc |= mxp_buf_puts(b, i ? ",\"" : "\"");
		rc |= mxp_json_put_escaped(b, l->kv[i].name);
		rc |= mxp_buf_puts(b, "\":\"");
		rc |= mxp_json_put_escaped(b, l->kv[i].value);
		rc |= mxp_buf_puts(b, "\"");
		free(l->kv[i].name);
		free(l->kv[i].value);
	}
	l->n = 0;
	rc |= mxp_buf_puts(b, "}");
	char tail[96];
	int n = snprintf(tail, sizeof(tail), ",\"value\":%.17g,\"timestamp_ms\":%lld}\n", value, ms);
	rc |= mxp_buf_put(b, tail, (size_t)n);
	(void)bl;
	return rc ? -ENOMEM : 0;
}

int mxp_baseline_rw_record(struct mxp_baseline *bl, struct mxp_buf *b, const struct mxp_baseline_record *r)
{
	const struct mxp_export_settings *s = r->s;
	const struct mxp_chart *c = r->c;
	double value;
	long long ms;
	if (r->collected) {
		value = (double)r->collected_value;
		ms = (long long)r->t * 1000 + r->collected_ms;
	} else {
		value = (double)r->value; /* NaN and ±Inf were skipped by put_record */
		ms = (long long)r->t * 1000;
	}

	/* the seed's `homogeneous`: every dim like the first in algorithm, |mult|, |div| */
	bool homogeneous = true;
	const struct mxp_dim *first = mxp_chart_dims(c);
	for (const struct mxp_dim *d = first; d != NULL; d = mxp_dim_next(d))
		homogeneous = homogeneous && d->algorithm == first->algorithm &&
			      mag(d->multiplier) == mag(first->multiplier) && mag(d->divisor) == mag(first->divisor);
	const char *chart = s->send_names && c->name != NULL ? c->name : c->id;
	const char *dim = s->send_names && r->d->name != NULL ? r->d->name : r->d->id;

	char prefix[1024], ctx[NAME_PART + 1], part[NAME_PART + 16], name[2048];
	size_t k = 0;
	const char *pf = s->prefix != NULL ? s->prefix : "";
	if (*pf >= '0' && *pf <= '9')
		prefix[k++] = '_';
	for (; *pf != '\0' && k < sizeof(prefix) - 1; pf++)
		prefix[k++] = isalnum_c((unsigned char)*pf) || *pf == '_' || *pf == ':' ? *pf : '_';
	prefix[k] = '\0';
	name_part(ctx, c->context);
	if (r->collected && homogeneous) {
		snprintf(name, sizeof(name), "%s_%s", prefix, ctx);
	} else if (r->collected) {
		name_part(part, dim);
		snprintf(name, sizeof(name), "%s_%s_%s", prefix, ctx, part);
	} else if (s->source == MXP_SOURCE_AVERAGE) {
		units_part(part, sizeof(part), c->units);
		snprintf(name, sizeof(name), "%s_%s%s_average", prefix, ctx, part);
	} else {
		snprintf(name, sizeof(name), "%s_%s_sum", prefix, ctx);
	}

	struct labels l = {.n = 0};
	add(&l, "__name__", name, true);
	add(&l, "chart", chart, true);
	add(&l, "family", c->family, true);
	if (!r->collected || homogeneous)
		add(&l, "dimension", dim, true);
	add(&l, "instance", r->hostname, true);
	add_host(&l, c->host);
	return line(bl, b, &l, value, ms);
}

int mxp_baseline_rw_host(struct mxp_baseline *bl, struct mxp_buf *b, const struct mxp_host *h, const char *hostname,
			 time_t t)
{
	int records = 0;
	for (int i = 0; i < 2; i++) {
		if (i == 1 && (h->tags == NULL || *h->tags == '\0'))
			break;
		struct labels l = {.n = 0};
		add(&l, "__name__", i == 0 ? "netdata_info" : "netdata_host_tags_info", true);
		add(&l, "instance", hostname, true);
		add_host(&l, h);
		if (line(bl, b, &l, 1.0, (long long)t * 1000) != 0)
			return -ENOMEM;
		records++;
	}
	return records;
}
