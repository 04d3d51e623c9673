/* remote_write.c — Prometheus remote write (the Remote-Write 1.0 spec): each request
 * body is a WriteRequest (remote.proto) of one sample per series, compressed with
 * snappy's block format.
 *
 * Names as the seed made them (FORMATS.md §3.3): PREFIX_CONTEXT for as collected,
 * PREFIX_CONTEXT_DIM when the chart's dims differ in algorithm, |multiplier| or
 * |divisor|, PREFIX_CONTEXT_UNITS_average, PREFIX_CONTEXT_sum. Labels as the seed's
 * (§3.2: chart, family, dimension, instance) with what the spec requires and the seed
 * did not do (docs/COMPAT.md, quirk 3): values raw (the seed kept the text format's
 * backslash escapes), sorted by name, no empty value, no name twice, names that match
 * [a-zA-Z_][a-zA-Z0-9_]*, __name__ a valid metric name (a prefix that is not is
 * sanitized). Every series also carries its host's labels and the `k=v` pairs of its
 * host tags (parsed as the seed parsed them for netdata_host_tags_info, §3.5); the
 * series' own labels win over a host label of the same name, and a host label over a
 * tag. Per host and window, netdata_info and (with tags) netdata_host_tags_info, value
 * 1, at the window's end.
 *
 * Each series' labels are packed once into its record template (a TimeSeries with its
 * labels and no sample, by protobuf-c); a record packs its sample (a TimeSeries with
 * one sample and no labels) and appends the two as one element of a
 * WriteRequestPacked, which is byte for byte a WriteRequest (remote_packed.proto says
 * why). Sealing a body compresses it. */
#include <errno.h>
#include <math.h>
#include <snappy-c.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/store_internal.h"
#include "format/format.h"
#include "format/prometheus/remote.pb-c.h"
#include "format/prometheus/remote_packed.pb-c.h"
#include "format/prometheus/remote_write.h"
#include "format/utf8.h"

#define PART_MAX 255u         /* a context, dim or units part: the seed's 256-byte buffers */
#define TAGS_MAX 1024u        /* host tags read for pairs, as the seed's buffer */
#define TAG_PAIRS_MAX 64u     /* the seed kept at most 64 pairs */
#define LABELS_MAX MXP_RW_LABELS_MAX
#define SAMPLE_PACKED_MAX 32u /* a TimeSeries holding one sample: 2 + 9 + 11 bytes */
#define ELEMENT_ON_STACK 4096u

static bool ascii_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* ---- names (FORMATS.md §3.3, §3.4) ---- */

/* The seed's prom-name-copy: alphanumerics kept, every other byte '_'; at most
 * PART_MAX bytes. Appends to out; 0 or -ENOMEM. */
static int put_name_part(struct mxp_buf *out, const char *s)
{
	size_t n = s != NULL ? strnlen(s, PART_MAX) : 0;
	char *w = mxp_buf_reserve(out, n);
	if (w == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		w[i] = ascii_alnum((unsigned char)s[i]) ? s[i] : '_';
	mxp_buf_commit(out, n);
	return 0;
}

/* The seed's units part of an average's name: "_" and the units with each
 * non-alphanumeric byte as '_', except "%" = "_percent" and a "/s" ending (units of 3
 * bytes or more) = "_persec". */
static int put_units_part(struct mxp_buf *out, const char *units)
{
	if (units == NULL)
		units = "";
	if (strcmp(units, "%") == 0)
		return mxp_buf_puts(out, "_percent");
	size_t n = strnlen(units, PART_MAX);
	bool persec = n >= 3 && units[n - 2] == '/' && units[n - 1] == 's';
	char part[PART_MAX + 1];
	memcpy(part, units, n);
	part[persec ? n - 2 : n] = '\0';
	if (mxp_buf_put(out, "_", 1) != 0 || put_name_part(out, part) != 0)
		return -ENOMEM;
	return persec ? mxp_buf_puts(out, "_persec") : 0;
}

/* The prefix as the start of a metric name: bytes outside [a-zA-Z0-9_:] become '_', and
 * a name would start with a digit gets a '_' first (the seed wrote the prefix raw, so a
 * prefix like "my-host" made names every receiver refuses). */
static int put_prefix(struct mxp_buf *out, const char *prefix)
{
	size_t n = prefix != NULL ? strlen(prefix) : 0;
	char *w = mxp_buf_reserve(out, n + 1);
	if (w == NULL)
		return -ENOMEM;
	size_t k = 0;
	if (n > 0 && prefix[0] >= '0' && prefix[0] <= '9')
		w[k++] = '_';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)prefix[i];
		w[k++] = ascii_alnum(c) || c == '_' || c == ':' ? (char)c : '_';
	}
	mxp_buf_commit(out, k);
	return 0;
}

int mxp_rw_metric_name(struct mxp_buf *out, const char *prefix, enum mxp_source source, bool heterogeneous,
		       const struct mxp_chart *c, const char *dim_name)
{
	int rc = put_prefix(out, prefix);
	rc |= mxp_buf_put(out, "_", 1);
	rc |= put_name_part(out, c->context);
	switch (source) {
	case MXP_SOURCE_AS_COLLECTED:
		if (heterogeneous) {
			rc |= mxp_buf_put(out, "_", 1);
			rc |= put_name_part(out, dim_name);
		}
		break;
	case MXP_SOURCE_AVERAGE:
		rc |= put_units_part(out, c->units);
		rc |= mxp_buf_puts(out, "_average");
		break;
	case MXP_SOURCE_SUM:
		rc |= mxp_buf_puts(out, "_sum");
		break;
	}
	return rc ? -ENOMEM : 0;
}

/* ---- host tags (FORMATS.md §3.5) ---- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

size_t mxp_rw_split_tags(const char *tags, char buf[MXP_RW_TAGS_BUF], struct mxp_label *pairs, size_t max)
{
	size_t n = 0;
	if (tags == NULL)
		return 0;
	size_t len = strnlen(tags, MXP_RW_TAGS_BUF - 1);
	memcpy(buf, tags, len);
	buf[len] = '\0';
	char *p = buf;
	while (n < max) {
		while (is_space(*p))
			p++;
		if (*p == '\0')
			break;
		char *name = p;
		while (*p != '\0' && !is_space(*p) && *p != '=')
			p++;
		if (*p != '=')
			break; /* a name without '=' right after it ends the parse */
		*p++ = '\0';
		while (is_space(*p))
			p++;
		if (*p == '"')
			p++;
		char *value = p;
		while (*p != '\0' && !is_space(*p) && *p != ',')
			p++;
		if (is_space(*p))
			break; /* a value cut by a space: the pair is dropped and the parse ends */
		char term = *p;
		char *end = p;
		if (end > value && end[-1] == '"')
			end--;
		*end = '\0';
		pairs[n].name = name;
		pairs[n].value = value;
		n++;
		if (term == '\0')
			break;
		p++; /* past the ',' */
	}
	return n;
}

/* ---- labels ---- */

struct pair {
	const char *name, *value;
};

static int pair_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pair *)a)->name, ((const struct pair *)b)->name);
}

/* Copies s into text NUL-terminated as a label name (bytes outside [a-zA-Z0-9_] as '_',
 * a '_' before a leading digit) or a value (invalid UTF-8 as U+FFFD: the spec's values
 * are UTF-8); returns its offset in text, or -1 when out of memory. */
static long put_text(struct mxp_buf *text, const char *s, bool name)
{
	size_t at = text->len, n = strlen(s);
	char *w = mxp_buf_reserve(text, 3 * n + 2);
	if (w == NULL)
		return -1;
	size_t k = 0;
	if (name) {
		if (s[0] >= '0' && s[0] <= '9')
			w[k++] = '_';
		for (size_t i = 0; i < n; i++)
			w[k++] = ascii_alnum((unsigned char)s[i]) || s[i] == '_' ? s[i] : '_';
	} else {
		k = mxp_utf8_repair(w, s, n);
	}
	w[k++] = '\0';
	mxp_buf_commit(text, k);
	return (long)at;
}

/* Names a host label or tag may not take: "__" starts the receiver's own labels, and
 * the series' own names stay theirs even where a series has none of them (no
 * `dimension` on a heterogeneous chart's, no `family` when it is empty). */
static bool is_reserved(const char *name)
{
	static const char *const own[] = {"chart", "family", "dimension", "instance"};
	if (strncmp(name, "__", 2) == 0)
		return true;
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (strcmp(name, own[i]) == 0)
			return true;
	return false;
}

/* A label set being built: the names and values as offsets into text (it may move
 * while it grows), in the order added. */
struct label_set {
	struct mxp_buf text;
	long name[LABELS_MAX], value[LABELS_MAX];
	size_t n;
	int err;
};

/* Adds name=value unless the value is empty, the name is reserved ("__", but the
 * caller's __name__), or already present (the first one added wins). Names that are not
 * valid label names are made so. */
static void add_label(struct label_set *ls, const char *name, const char *value, bool raw_name)
{
	if (ls->err != 0 || value == NULL || value[0] == '\0' || name == NULL || name[0] == '\0' ||
	    ls->n == LABELS_MAX)
		return;
	long nn = put_text(&ls->text, name, !raw_name);
	if (nn < 0) {
		ls->err = -ENOMEM;
		return;
	}
	if (!raw_name && is_reserved(ls->text.data + nn)) {
		ls->text.len = (size_t)nn;
		return;
	}
	for (size_t i = 0; i < ls->n; i++) {
		if (strcmp(ls->text.data + ls->name[i], ls->text.data + nn) == 0) {
			ls->text.len = (size_t)nn; /* a duplicate: forget it */
			return;
		}
	}
	long vv = put_text(&ls->text, value, false);
	if (vv < 0) {
		ls->err = -ENOMEM;
		return;
	}
	ls->name[ls->n] = nn;
	ls->value[ls->n] = vv;
	ls->n++;
}

/* The labels every series of host h carries after its own: the host's labels, then the
 * pairs of its tags. */
static void add_host_labels(struct label_set *ls, const struct mxp_host *h)
{
	for (size_t i = 0; i < h->nlabels; i++)
		add_label(ls, h->labels[i].name, h->labels[i].value, false);
	char buf[MXP_RW_TAGS_BUF];
	struct mxp_label pairs[TAG_PAIRS_MAX];
	size_t n = mxp_rw_split_tags(h->tags, buf, pairs, TAG_PAIRS_MAX);
	for (size_t i = 0; i < n; i++)
		add_label(ls, pairs[i].name, pairs[i].value, false);
}

/* Appends to out the labels of ls sorted by name, packed by protobuf-c as a TimeSeries
 * with no sample. Returns the packed length, or -ENOMEM. */
static long pack_labels(struct label_set *ls, struct mxp_buf *out)
{
	if (ls->err != 0)
		return ls->err;
	struct pair pairs[LABELS_MAX];
	for (size_t i = 0; i < ls->n; i++)
		pairs[i] = (struct pair){ls->text.data + ls->name[i], ls->text.data + ls->value[i]};
	qsort(pairs, ls->n, sizeof(pairs[0]), pair_cmp);
	Prometheus__Label labels[LABELS_MAX], *lp[LABELS_MAX];
	for (size_t i = 0; i < ls->n; i++) {
		prometheus__label__init(&labels[i]);
		labels[i].name = (char *)pairs[i].name;
		labels[i].value = (char *)pairs[i].value;
		lp[i] = &labels[i];
	}
	Prometheus__TimeSeries ts = PROMETHEUS__TIME_SERIES__INIT;
	ts.n_labels = ls->n;
	ts.labels = lp;
	size_t len = prometheus__time_series__get_packed_size(&ts);
	uint8_t *w = (uint8_t *)mxp_buf_reserve(out, len);
	if (w == NULL)
		return -ENOMEM;
	mxp_buf_commit(out, prometheus__time_series__pack(&ts, w));
	return (long)len;
}

/* ---- records ---- */

/* Appends one series' sample as a WriteRequestPacked element: its labels (packed) and
 * its sample. 0 or -ENOMEM. */
static int put_sample(struct mxp_buf *b, const void *labels, size_t labels_len, double value, int64_t ms)
{
	Prometheus__Sample sample = PROMETHEUS__SAMPLE__INIT, *sp = &sample;
	sample.value = value;
	sample.timestamp = ms;
	Prometheus__TimeSeries ts = PROMETHEUS__TIME_SERIES__INIT;
	ts.n_samples = 1;
	ts.samples = &sp;
	uint8_t stack[ELEMENT_ON_STACK];
	size_t len = labels_len + SAMPLE_PACKED_MAX;
	uint8_t *el = len <= sizeof(stack) ? stack : malloc(len);
	if (el == NULL)
		return -ENOMEM;
	memcpy(el, labels, labels_len);
	size_t n = labels_len + prometheus__time_series__pack(&ts, el + labels_len);

	ProtobufCBinaryData one = {.len = n, .data = el};
	Prometheus__WriteRequestPacked wr = PROMETHEUS__WRITE_REQUEST_PACKED__INIT;
	wr.n_timeseries = 1;
	wr.timeseries = &one;
	size_t total = prometheus__write_request_packed__get_packed_size(&wr);
	uint8_t *w = (uint8_t *)mxp_buf_reserve(b, total);
	int rc = 0;
	if (w == NULL)
		rc = -ENOMEM;
	else
		mxp_buf_commit(b, prometheus__write_request_packed__pack(&wr, w));
	if (el != stack)
		free(el);
	return rc;
}

static uint32_t rw_template_variant(const struct mxp_format_options *o, const struct mxp_series *s)
{
	return o->source == MXP_SOURCE_AS_COLLECTED && mxp_chart_heterogeneous(s->chart);
}

/* The series' labels, packed, appended to out (its template: a = their length). */
static int rw_render_template(struct mxp_buf *out, const struct mxp_format_options *o, const struct mxp_series *s,
			      struct mxp_template_shape *shape)
{
	const uint32_t heterogeneous = rw_template_variant(o, s);
	const char *chart = o->send_names && s->chart->name != NULL ? s->chart->name : s->chart->id;
	const char *dim = o->send_names && s->dim->name != NULL ? s->dim->name : s->dim->id;
	struct label_set *ls = calloc(1, sizeof(*ls));
	struct mxp_buf name = {0};
	long len = -ENOMEM;
	if (ls == NULL || mxp_rw_metric_name(&name, o->prefix, o->source, heterogeneous, s->chart, dim) != 0 ||
	    mxp_buf_put(&name, "", 1) != 0)
		goto out;
	add_label(ls, "__name__", name.data, true);
	add_label(ls, "chart", chart, true);
	add_label(ls, "family", s->chart->family, true);
	if (!heterogeneous)
		add_label(ls, "dimension", dim, true);
	add_label(ls, "instance", s->hostname, true);
	add_host_labels(ls, s->host);
	len = pack_labels(ls, out);
out:
	if (ls != NULL)
		mxp_buf_free(&ls->text);
	free(ls);
	mxp_buf_free(&name);
	if (len < 0)
		return (int)len;
	*shape = (struct mxp_template_shape){.a = (uint32_t)len, .variant = heterogeneous};
	return 0;
}

/* The seed's values and times (FORMATS.md §3.6): as collected, the raw integer at its
 * collection time in ms; an average or sum at the window's end, none when it is NaN or
 * infinite. Returns false when there is no sample. */
static bool sample_of(const struct mxp_series *s, bool as_collected, long long collected, long double stored,
		      time_t t, double *value, int64_t *ms)
{
	if (as_collected) {
		*value = (double)collected;
		*ms = (int64_t)t * 1000 + s->collected_ms;
		return true;
	}
	if (isnan(stored) || isinf(stored))
		return false;
	*value = (double)stored;
	*ms = (int64_t)t * 1000;
	return !isinf(*value); /* a long double beyond double's range */
}

static int rw_put_template(struct mxp_buf *b, const struct mxp_record_template *tpl, const struct mxp_series *s,
			   bool as_collected, long long collected, long double stored, time_t t)
{
	double v;
	int64_t ms;
	if (!sample_of(s, as_collected, collected, stored, t, &v, &ms))
		return 0;
	int rc = put_sample(b, tpl->bytes, tpl->a, v, ms);
	return rc < 0 ? rc : 1;
}

/* Without a template (no cache slot left): the labels rendered for this record. */
static int put_untemplated(struct mxp_buf *b, const struct mxp_format_options *o, const struct mxp_series *s,
			   bool as_collected, long long collected, long double stored, time_t t)
{
	double v;
	int64_t ms;
	if (!sample_of(s, as_collected, collected, stored, t, &v, &ms))
		return 0;
	struct mxp_buf labels = {0};
	struct mxp_template_shape shape;
	int rc = rw_render_template(&labels, o, s, &shape);
	if (rc == 0)
		rc = put_sample(b, labels.data, labels.len, v, ms);
	mxp_buf_free(&labels);
	return rc < 0 ? rc : 1;
}

static int rw_put_collected(struct mxp_buf *b, const struct mxp_format_options *o, const struct mxp_series *s,
			    long long value, time_t t)
{
	return put_untemplated(b, o, s, true, value, 0, t);
}

static int rw_put_stored(struct mxp_buf *b, const struct mxp_format_options *o, const struct mxp_series *s,
			 long double value, time_t t)
{
	return put_untemplated(b, o, s, false, 0, value, t);
}

/* netdata_info (part 0) and, when the host has tags, netdata_host_tags_info (part 1)
 * of one host: value 1 at the window's end. The seed added `application` and `version`
 * from the host's program name and version; mxp's store has neither, so they are left
 * out as the seed left out a NULL one. */
static int rw_put_host(struct mxp_buf *b, const struct mxp_format_options *o, const struct mxp_host *h,
		       const char *hostname, time_t t, unsigned part)
{
	(void)o;
	static const char *const names[] = {"netdata_info", "netdata_host_tags_info"};
	if (part > 1 || (part == 1 && (h->tags == NULL || h->tags[0] == '\0')))
		return 0;
	struct label_set *ls = calloc(1, sizeof(*ls));
	struct mxp_buf labels = {0};
	int rc = -ENOMEM;
	if (ls != NULL) {
		add_label(ls, "__name__", names[part], true);
		add_label(ls, "instance", hostname, true);
		add_host_labels(ls, h);
		long len = pack_labels(ls, &labels);
		rc = len < 0 ? (int)len : put_sample(b, labels.data, labels.len, 1.0, (int64_t)t * 1000);
		mxp_buf_free(&ls->text);
	}
	free(ls);
	mxp_buf_free(&labels);
	return rc < 0 ? rc : 1;
}

/* ---- the body ---- */

/* The WriteRequest, compressed with snappy's block format (what the spec asks; not
 * the framed format) into scratch, then swapped in. */
static int rw_seal(struct mxp_buf *b, long records, struct mxp_buf *scratch, const struct mxp_format_options *o,
		   long *dropped)
{
	(void)records;
	(void)o;
	*dropped = 0;
	size_t max = snappy_max_compressed_length(b->len);
	mxp_buf_reset(scratch);
	char *w = mxp_buf_reserve(scratch, max);
	if (w == NULL)
		return -ENOMEM;
	size_t n = max;
	if (snappy_compress(b->data, b->len, w, &n) != SNAPPY_OK)
		return -EINVAL;
	mxp_buf_commit(scratch, n);
	struct mxp_buf t = *b;
	*b = *scratch;
	*scratch = t;
	return 0;
}

static const struct mxp_body rw_body = {
	.path = "/receive", /* the seed's `remote write URL path` default */
	.content_type = "application/x-protobuf",
	.headers = "Content-Encoding: snappy\r\nX-Prometheus-Remote-Write-Version: 0.1.0\r\n",
	.seal = rw_seal,
};

const struct mxp_format mxp_format_remote_write = {
	.name = "prometheus remote write",
	.put_collected = rw_put_collected,
	.put_stored = rw_put_stored,
	.render_template = rw_render_template,
	.put_template = rw_put_template,
	.template_variant = rw_template_variant,
	.put_host = rw_put_host,
	.body = &rw_body,
};
