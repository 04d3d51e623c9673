/* test_remote_write.c — Prometheus remote write: the seed's names (FORMATS.md §3.3) and
 * host-tag pairs (§3.5) from its tables, and the pipeline's request bodies decoded with
 * snappy and the spec's messages (remote.proto): each one a valid WriteRequest whose
 * series obey the spec (labels sorted, unique, not empty, valid names, __name__; one
 * sample, in the window), equal as a multiset to the baseline's oracle lines, and a few
 * series written out here by hand. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/store_internal.h"
#include "config/simple_pattern.h"
#include "engine/baseline.h"
#include "engine/pipeline.h"
#include "format/format.h"
#include "format/json/json.h"
#include "format/prometheus/remote.pb-c.h"
#include "format/prometheus/remote_write.h"
#include "support/golden_store.h"

/* ---- names and tags, from FORMATS.md's tables ---- */

static void name_is(const char *prefix, enum mxp_source src, bool hetero, const char *context, const char *units,
		    const char *dim, const char *want)
{
	struct mxp_chart c = {.context = (char *)context, .units = (char *)units};
	struct mxp_buf b = {0};
	cr_assert_eq(mxp_rw_metric_name(&b, prefix, src, hetero, &c, dim), 0);
	cr_assert_eq(mxp_buf_put(&b, "", 1), 0);
	cr_assert_str_eq(b.data, want);
	mxp_buf_free(&b);
}

Test(remote_write, names_as_the_seed)
{
	name_is("netdata", MXP_SOURCE_AS_COLLECTED, false, "system.cpu", "percentage", "user", "netdata_system_cpu");
	name_is("netdata", MXP_SOURCE_AS_COLLECTED, true, "system.cpu", "percentage", "user",
		"netdata_system_cpu_user");
	name_is("netdata", MXP_SOURCE_AVERAGE, false, "system.cpu", "percentage", "user",
		"netdata_system_cpu_percentage_average");
	name_is("netdata", MXP_SOURCE_SUM, false, "system.cpu", "percentage", "user", "netdata_system_cpu_sum");
	/* the units rule: KiB/s, %, events/s, MiB, /s and empty */
	name_is("n", MXP_SOURCE_AVERAGE, false, "disk.io", "KiB/s", "r", "n_disk_io_KiB_persec_average");
	name_is("n", MXP_SOURCE_AVERAGE, false, "c", "%", "r", "n_c_percent_average");
	name_is("n", MXP_SOURCE_AVERAGE, false, "c", "events/s", "r", "n_c_events_persec_average");
	name_is("n", MXP_SOURCE_AVERAGE, false, "c", "MiB", "r", "n_c_MiB_average");
	name_is("n", MXP_SOURCE_AVERAGE, false, "c", "/s", "r", "n_c__s_average");
	name_is("n", MXP_SOURCE_AVERAGE, false, "c", "", "r", "n_c__average");
	/* prom-name-copy: every byte but alphanumerics, dots included, is '_' */
	name_is("n", MXP_SOURCE_AS_COLLECTED, true, "system.cpu-x y", "", "a.b", "n_system_cpu_x_y_a_b");
	/* mxp: a prefix that would make an invalid metric name is made valid */
	name_is("my-prefix", MXP_SOURCE_SUM, false, "c", "", "d", "my_prefix_c_sum");
	name_is("9x:y", MXP_SOURCE_SUM, false, "c", "", "d", "_9x:y_c_sum");
}

static void tags_are(const char *tags, size_t n, const char *const *want)
{
	char buf[MXP_RW_TAGS_BUF];
	struct mxp_label pairs[64];
	size_t got = mxp_rw_split_tags(tags, buf, pairs, 64);
	cr_assert_eq(got, n, "'%s': %zu pairs, want %zu", tags, got, n);
	for (size_t i = 0; i < n; i++) {
		cr_assert_str_eq(pairs[i].name, want[2 * i], "'%s' pair %zu", tags, i);
		cr_assert_str_eq(pairs[i].value, want[2 * i + 1], "'%s' pair %zu", tags, i);
	}
}

Test(remote_write, host_tags_split_as_the_seed)
{
	tags_are("tag1=\"value1\",tag2=\"value2\"", 2, (const char *[]){"tag1", "value1", "tag2", "value2"});
	tags_are("a=1, b=2", 2, (const char *[]){"a", "1", "b", "2"});
	tags_are("k=v", 1, (const char *[]){"k", "v"});
	tags_are("a=1,b=", 2, (const char *[]){"a", "1", "b", ""}); /* the label then leaves b out */
	tags_are("a=,b=2", 2, (const char *[]){"a", "", "b", "2"});
	tags_are("a = 1", 0, NULL);
	tags_are("a=\"x y\",b=2", 0, NULL);
	tags_are("a=1 ,b=2", 0, NULL);
	tags_are(NULL, 0, NULL);
}

/* ---- bodies ---- */

static struct mxp_store *store;
static struct mxp_pattern *all_charts;

static void teardown(void)
{
	mxp_store_free(store);
	mxp_pattern_free(all_charts);
	store = NULL;
	all_charts = NULL;
}

TestSuite(rw_bodies, .fini = teardown);

struct sink {
	struct mxp_buf lines;     /* the decoded series as oracle lines */
	long records, bodies, max_series;
	time_t after, before;
};

/* A metric name and a label name, as the spec's regular expressions say. */
static bool matches(const char *re, const char *s)
{
	regex_t r;
	cr_assert_eq(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
	bool ok = regexec(&r, s, 0, NULL, 0) == 0;
	regfree(&r);
	return ok;
}

/* Decodes one body and checks each series against the spec; appends it as an oracle
 * line. */
static int deliver(void *arg, const char *data, size_t len, long records)
{
	struct sink *k = arg;
	size_t plain_len;
	cr_assert_eq(snappy_uncompressed_length(data, len, &plain_len), SNAPPY_OK, "not a snappy block");
	char *plain = malloc(plain_len + 1);
	cr_assert_not_null(plain);
	cr_assert_eq(snappy_uncompress(data, len, plain, &plain_len), SNAPPY_OK);
	Prometheus__WriteRequest *wr = prometheus__write_request__unpack(NULL, plain_len, (const uint8_t *)plain);
	cr_assert_not_null(wr, "not a WriteRequest");
	cr_assert_eq((long)wr->n_timeseries, records, "%zu series, %ld records", wr->n_timeseries, records);
	/* byte-exact: protobuf-c's own packing of what was decoded gives the same bytes (its
	 * decoder would also take merged or reordered fragments) */
	size_t rl = prometheus__write_request__get_packed_size(wr);
	uint8_t *re = malloc(rl + 1);
	cr_assert_not_null(re);
	prometheus__write_request__pack(wr, re);
	cr_assert(rl == plain_len && memcmp(re, plain, rl) == 0, "not byte-exact: %zu vs %zu bytes", rl, plain_len);
	free(re);
	if ((long)wr->n_timeseries > k->max_series)
		k->max_series = (long)wr->n_timeseries;
	for (size_t i = 0; i < wr->n_timeseries; i++) {
		const Prometheus__TimeSeries *ts = wr->timeseries[i];
		const char *name = NULL;
		cr_assert_gt(ts->n_labels, 0);
		for (size_t l = 0; l < ts->n_labels; l++) {
			const Prometheus__Label *lb = ts->labels[l];
			cr_assert(matches("^[a-zA-Z_][a-zA-Z0-9_]*$", lb->name), "label name '%s'", lb->name);
			cr_assert_neq(lb->value[0], '\0', "label %s has an empty value", lb->name);
			if (l > 0)
				cr_assert_lt(strcmp(ts->labels[l - 1]->name, lb->name), 0, "labels not sorted or repeated: %s, %s",
					     ts->labels[l - 1]->name, lb->name);
			if (strcmp(lb->name, "__name__") == 0)
				name = lb->value;
		}
		cr_assert_not_null(name, "no __name__");
		cr_assert(matches("^[a-zA-Z_:][a-zA-Z0-9_:]*$", name), "metric name '%s'", name);
		cr_assert_eq(ts->n_samples, 1);
		const Prometheus__Sample *sm = ts->samples[0];
		cr_assert(isfinite(sm->value));
		cr_assert_geq(sm->timestamp, (int64_t)k->after * 1000, "%s at %lld, before the window", name,
			      (long long)sm->timestamp);
		/* as collected, the seed sends the last collection since the window's start,
		 * so a point collected after `before` (here: data until 1012) goes too */
		cr_assert_leq(sm->timestamp, (int64_t)(k->before > 1012 ? k->before : 1012) * 1000 + 999,
			      "%s after the last collection", name);

		cr_assert_eq(mxp_buf_puts(&k->lines, "{\"labels\":{"), 0);
		for (size_t l = 0; l < ts->n_labels; l++) {
			cr_assert_eq(mxp_buf_puts(&k->lines, l ? ",\"" : "\""), 0);
			cr_assert_eq(mxp_json_put_escaped(&k->lines, ts->labels[l]->name), 0);
			cr_assert_eq(mxp_buf_puts(&k->lines, "\":\""), 0);
			cr_assert_eq(mxp_json_put_escaped(&k->lines, ts->labels[l]->value), 0);
			cr_assert_eq(mxp_buf_puts(&k->lines, "\""), 0);
		}
		char tail[96];
		int n = snprintf(tail, sizeof(tail), "},\"value\":%.17g,\"timestamp_ms\":%lld}\n", sm->value,
				 (long long)sm->timestamp);
		cr_assert_eq(mxp_buf_put(&k->lines, tail, (size_t)n), 0);
	}
	prometheus__write_request__free_unpacked(wr, NULL);
	free(plain);
	k->records += records;
	k->bodies++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **sorted_lines(struct mxp_buf *b, size_t *n)
{
	cr_assert_eq(mxp_buf_put(b, "", 1), 0);
	b->len--;
	size_t count = 0;
	for (size_t i = 0; i < b->len; i++)
		count += b->data[i] == '\n';
	char **lines = calloc(count + 1, sizeof(*lines));
	size_t k = 0;
	char *p = b->data;
	for (size_t i = 0; i < b->len; i++)
		if (b->data[i] == '\n') {
			b->data[i] = '\0';
			lines[k++] = p;
			p = b->data + i + 1;
		}
	qsort(lines, count, sizeof(*lines), cmp_str);
	*n = count;
	return lines;
}

/* Exports [after, before] through the baseline (the oracle's lines) and a pipeline of nf
 * formatters, twice (the second from cached templates); the decoded bodies must equal
 * the oracle. Returns the oracle's lines (the caller frees them). */
static struct mxp_buf compare(const struct mxp_export_settings *s, unsigned nf, time_t after, time_t before,
			      long *bodies, long *max_series)
{
	struct mxp_buf want = {0};
	struct mxp_baseline bl;
	cr_assert_eq(mxp_baseline_init(&bl, store, s), 0);
	long want_n = mxp_baseline_export(&bl, after, before, &want);
	mxp_baseline_fini(&bl);
	cr_assert_gt(want_n, 0);

	struct sink k = {.after = after, .before = before};
	struct mxp_pipeline *p = mxp_pipeline_new(store, s, nf, deliver, &k);
	cr_assert_not_null(p, "mxp_pipeline_new: %s", strerror(errno));
	for (int round = 0; round < 2; round++) {
		mxp_buf_reset(&k.lines);
		k.records = k.bodies = 0;
		long n = mxp_pipeline_export(p, after, before);
		cr_assert_eq(n, want_n, "nf=%u: pipeline %ld records, baseline %ld", nf, n, want_n);
		cr_assert_eq(k.records, want_n);
		struct mxp_buf w = {0};
		cr_assert_eq(mxp_buf_put(&w, want.data, want.len), 0);
		size_t nw, ng;
		char **lw = sorted_lines(&w, &nw), **lg = sorted_lines(&k.lines, &ng);
		cr_assert_eq(ng, nw, "%zu series, baseline %zu", ng, nw);
		for (size_t i = 0; i < nw; i++)
			cr_assert_str_eq(lg[i], lw[i], "nf=%u round %d series %zu", nf, round, i);
		free(lw);
		free(lg);
		mxp_buf_free(&w);
	}
	mxp_pipeline_free(p);
	mxp_buf_free(&k.lines);
	if (bodies != NULL)
		*bodies = k.bodies;
	if (max_series != NULL)
		*max_series = k.max_series;
	return want;
}

static bool has_line(const struct mxp_buf *b, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = b->data; p != NULL && p < b->data + b->len;) {
		const char *e = memchr(p, '\n', (size_t)(b->data + b->len - p));
		if (e == NULL)
			break;
		if ((size_t)(e - p) == n && memcmp(p, line, n) == 0)
			return true;
		p = e + 1;
	}
	return false;
}

/* The golden store: localhost's system.cpu has dims of divisors 1 and 4 (heterogeneous),
 * its disk chart one dim, the child's system.cpu one dim; tags on both hosts. */
Test(rw_bodies, golden_store_every_source_and_formatter_count)
{
	store = golden_store_build("a=1,b=\"two\"", "env=prod", false);
	cr_assert_eq(mxp_pattern_create("*", &all_charts), 0);
	const enum mxp_source src[] = {MXP_SOURCE_AS_COLLECTED, MXP_SOURCE_AVERAGE, MXP_SOURCE_SUM};
	for (size_t i = 0; i < 3; i++)
		for (unsigned nf = 1; nf <= 3; nf++) {
			struct mxp_export_settings s = golden_settings("prometheus_remote_write", src[i], all_charts);
			struct mxp_buf want = compare(&s, nf, 1000, 1010, NULL, NULL);
			mxp_buf_free(&want);
		}

	/* a few series written out by hand, from FORMATS.md §3 and docs/COMPAT.md */
	struct mxp_export_settings s = golden_settings("prometheus_remote_write", MXP_SOURCE_AS_COLLECTED, all_charts);
	struct mxp_buf want = compare(&s, 2, 1000, 1010, NULL, NULL);
	/* heterogeneous as collected: the dim in the name, no dimension label; host tag
	 * pairs as labels; the collection time in ms (collected at half past) */
	cr_assert(has_line(&want, "{\"labels\":{\"__name__\":\"netdata_system_cpu_sys\",\"a\":\"1\",\"b\":\"two\","
				  "\"chart\":\"system.cpu\",\"family\":\"cpu\",\"instance\":\"myhost\"},"
				  "\"value\":22,\"timestamp_ms\":1012500}"),
		  "%.*s", (int)want.len, want.data);
	/* homogeneous: a dimension label; the child keeps its own host name and tags */
	cr_assert(has_line(&want, "{\"labels\":{\"__name__\":\"netdata_system_cpu\",\"chart\":\"system.cpu\","
				  "\"dimension\":\"user\",\"env\":\"prod\",\"family\":\"cpu\",\"instance\":\"child1\"},"
				  "\"value\":122,\"timestamp_ms\":1012500}"),
		  "%.*s", (int)want.len, want.data);
	/* per host: netdata_info and netdata_host_tags_info at the window's end */
	cr_assert(has_line(&want, "{\"labels\":{\"__name__\":\"netdata_info\",\"a\":\"1\",\"b\":\"two\","
				  "\"instance\":\"myhost\"},\"value\":1,\"timestamp_ms\":1010000}"));
	cr_assert(has_line(&want, "{\"labels\":{\"__name__\":\"netdata_host_tags_info\",\"env\":\"prod\","
				  "\"instance\":\"child1\"},\"value\":1,\"timestamp_ms\":1010000}"));
	mxp_buf_free(&want);

	s = golden_settings("prometheus_remote_write", MXP_SOURCE_AVERAGE, all_charts);
	want = compare(&s, 1, 1000, 1010, NULL, NULL);
	/* average: the units part; the name of the disk chart and of its dim */
	cr_assert(has_line(&want, "{\"labels\":{\"__name__\":\"netdata_disk_io_KiB_persec_average\",\"a\":\"1\","
				  "\"b\":\"two\",\"chart\":\"disk.root disk\",\"dimension\":\"reads 1\","
				  "\"family\":\"sda\",\"instance\":\"myhost\"},\"value\":25,\"timestamp_ms\":1007000}"),
		  "%.*s", (int)want.len, want.data);
	mxp_buf_free(&want);
}

/* What the spec forbids and a store may hold: host labels that repeat the series' own
 * names (chart; family where the chart's is empty; instance as a tag), reserved or
 * invalid label names, empty values, a tag list cut by a space, invalid UTF-8, a prefix
 * that is no metric name. The lines below are whole: a label that should be left out
 * and is not makes them differ. */
Test(rw_bodies, odd_names_and_values_make_valid_series)
{
	store = mxp_store_new(NULL);
	const struct mxp_label hl[] = {{"chart", "not this one"}, {"__reserved", "x"}, {"9lives", "cat"},
				       {"dash-ed", "v"},          {"empty", ""},          {"zone", "eu\xff"},
				       {"family", "not the chart's"}};
	struct mxp_host *h = mxp_host_add(store, "local", "a=1,a=2,b=,c=\"x\",instance=no,d=4 5,e=6", hl, 7);
	struct mxp_chart_def def = {.type = "app", .id = "q-1", .family = "", .context = "app.q-1",
				    .units = "req/s", .update_every = 1};
	struct mxp_chart *c = mxp_chart_add(h, &def);
	struct mxp_dim *d1 = mxp_dim_add(c, "ok", "ok \xc3\xa9\xe0", 1, 1, MXP_ALG_ABSOLUTE);
	struct mxp_dim *d2 = mxp_dim_add(c, "big", NULL, 1, 1, MXP_ALG_ABSOLUTE);
	cr_assert(h && c && d1 && d2);
	for (time_t t = 995; t <= 1012; t++) {
		mxp_dim_set(d1, t);
		mxp_dim_set(d2, 9007199254740993LL); /* 2^53 + 1: as a double, 2^53 */
		mxp_chart_done(c, &(struct timeval){.tv_sec = t, .tv_usec = 7000});
	}
	cr_assert_eq(mxp_pattern_create("*", &all_charts), 0);
	struct mxp_export_settings s = golden_settings("prometheus_remote_write", MXP_SOURCE_AS_COLLECTED, all_charts);
	s.prefix = "1st-prefix";
	s.hostname = "myhost";
	struct mxp_buf want = compare(&s, 2, 1000, 1010, NULL, NULL);
	/* sorted bytewise: "_9lives" < "__name__" */
	cr_assert(has_line(&want, "{\"labels\":{\"_9lives\":\"cat\",\"__name__\":\"_1st_prefix_app_q_1\",\"a\":\"1\","
				  "\"c\":\"x\",\"chart\":\"app.q-1\",\"dash_ed\":\"v\",\"dimension\":\"ok \xc3\xa9\xef\xbf\xbd\","
				  "\"instance\":\"myhost\",\"zone\":\"eu\xef\xbf\xbd\"},\"value\":1012,"
				  "\"timestamp_ms\":1012007}"),
		  "%.*s", (int)want.len, want.data);
	cr_assert(has_line(&want, "{\"labels\":{\"_9lives\":\"cat\",\"__name__\":\"_1st_prefix_app_q_1\",\"a\":\"1\","
				  "\"c\":\"x\",\"chart\":\"app.q-1\",\"dash_ed\":\"v\",\"dimension\":\"big\","
				  "\"instance\":\"myhost\",\"zone\":\"eu\xef\xbf\xbd\"},\"value\":9007199254740992,"
				  "\"timestamp_ms\":1012007}"),
		  "%.*s", (int)want.len, want.data);
	mxp_buf_free(&want);
}

/* `max samples per send` bounds every body, and the bodies hold every series. */
Test(rw_bodies, max_samples_per_send_bounds_each_body)
{
	store = golden_store_build(NULL, NULL, false);
	cr_assert_eq(mxp_pattern_create("*", &all_charts), 0);
	struct mxp_export_settings s = golden_settings("prometheus_remote_write", MXP_SOURCE_AS_COLLECTED, all_charts);
	s.max_records = 2;
	long bodies, max_series;
	struct mxp_buf want = compare(&s, 1, 1000, 1010, &bodies, &max_series);
	/* 4 dims and 2 netdata_info: 6 series in bodies of at most 2 */
	cr_assert_eq(max_series, 2);
	cr_assert_geq(bodies, 3);
	mxp_buf_free(&want);
}

/* A dim unlike the others added to a homogeneous chart: the chart's as-collected series
 * are named per dim from the next window on (the templates are rendered again). */
Test(rw_bodies, a_chart_turning_heterogeneous_renames_its_series)
{
	store = mxp_store_new(NULL);
	struct mxp_host *h = mxp_host_add(store, "local", NULL, NULL, 0);
	struct mxp_chart_def def = {.type = "net", .id = "eth0", .context = "net.net", .units = "kb/s",
				    .update_every = 1};
	struct mxp_chart *c = mxp_chart_add(h, &def);
	struct mxp_dim *in = mxp_dim_add(c, "in", NULL, 8, 1000, MXP_ALG_INCREMENTAL);
	struct mxp_dim *out = mxp_dim_add(c, "out", NULL, -8, 1000, MXP_ALG_INCREMENTAL);
	cr_assert(in && out);
	for (time_t t = 995; t <= 1005; t++) {
		mxp_dim_set(in, t * 100);
		mxp_dim_set(out, t * 50);
		mxp_chart_done(c, &(struct timeval){.tv_sec = t});
	}
	cr_assert_eq(mxp_pattern_create("*", &all_charts), 0);
	struct mxp_export_settings s = golden_settings("prometheus_remote_write", MXP_SOURCE_AS_COLLECTED, all_charts);
	/* one pipeline for both windows: its templates are cached across them */
	struct sink k = {.after = 1000, .before = 1005};
	struct mxp_pipeline *p = mxp_pipeline_new(store, &s, 1, deliver, &k);
	cr_assert_not_null(p);
	cr_assert_gt(mxp_pipeline_export(p, 1000, 1005), 0);
	cr_assert(has_line(&k.lines, "{\"labels\":{\"__name__\":\"netdata_net_net\",\"chart\":\"net.eth0\","
				     "\"dimension\":\"out\",\"family\":\"eth0\",\"instance\":\"myhost\"},"
				     "\"value\":50250,\"timestamp_ms\":1005000}"),
		  "|multiplier| equal: homogeneous: %.*s", (int)k.lines.len, k.lines.data);

	struct mxp_dim *drops = mxp_dim_add(c, "drops", NULL, 1, 1, MXP_ALG_ABSOLUTE);
	cr_assert_not_null(drops);
	cr_assert(mxp_chart_heterogeneous(c));
	for (time_t t = 1006; t <= 1010; t++) {
		mxp_dim_set(in, t * 100);
		mxp_dim_set(out, t * 50);
		mxp_dim_set(drops, 3);
		mxp_chart_done(c, &(struct timeval){.tv_sec = t});
	}
	mxp_buf_reset(&k.lines);
	k.after = 1005;
	k.before = 1010;
	cr_assert_gt(mxp_pipeline_export(p, 1005, 1010), 0);
	cr_assert(has_line(&k.lines, "{\"labels\":{\"__name__\":\"netdata_net_net_out\",\"chart\":\"net.eth0\","
				     "\"family\":\"eth0\",\"instance\":\"myhost\"},\"value\":50500,"
				     "\"timestamp_ms\":1010000}"),
		  "%.*s", (int)k.lines.len, k.lines.data);
	mxp_pipeline_free(p);
	mxp_buf_free(&k.lines);
	/* and the oracle agrees on the second window */
	struct mxp_buf want = compare(&s, 1, 1005, 1010, NULL, NULL);
	mxp_buf_free(&want);
}

/* netdata_info and netdata_host_tags_info count against `max samples per send` one by
 * one: with 1, every body holds one series. */
Test(rw_bodies, host_series_respect_max_samples_per_send)
{
	store = golden_store_build("a=1", "env=prod", false);
	cr_assert_eq(mxp_pattern_create("*", &all_charts), 0);
	struct mxp_export_settings s = golden_settings("prometheus_remote_write", MXP_SOURCE_AS_COLLECTED, all_charts);
	s.max_records = 1;
	long bodies, max_series;
	struct mxp_buf want = compare(&s, 1, 1000, 1010, &bodies, &max_series);
	cr_assert_eq(max_series, 1, "a body of %ld series with max samples per send 1", max_series);
	cr_assert_eq(bodies, 8, "4 dims, 2 netdata_info, 2 netdata_host_tags_info: %ld bodies", bodies);
	mxp_buf_free(&want);
}

/* A host with many labels: 100 of 100 bytes (labels past the 4 KiB the packer keeps on
 * its stack), and 300 (past MXP_RW_LABELS_MAX: the last ones are left out, the same ones
 * as the oracle leaves out). */
static void many_labels(size_t nl, size_t vlen)
{
	store = mxp_store_new(NULL);
	struct mxp_label *hl = calloc(nl, sizeof(*hl));
	char *text = calloc(nl, 24 + vlen + 1);
	cr_assert(hl && text);
	for (size_t i = 0; i < nl; i++) {
		char *n = text + i * (24 + vlen + 1), *v = n + 24;
		snprintf(n, 24, "l%03u", (unsigned)(i % 1000));
		memset(v, 'v', vlen);
		v[vlen] = '\0';
		hl[i] = (struct mxp_label){n, v};
	}
	struct mxp_host *h = mxp_host_add(store, "local", NULL, hl, nl);
	free(hl);
	free(text);
	struct mxp_chart_def def = {.type = "app", .id = "q", .family = "f", .context = "app.q", .units = "x",
				    .update_every = 1};
	struct mxp_chart *c = mxp_chart_add(h, &def);
	struct mxp_dim *d = mxp_dim_add(c, "ok", NULL, 1, 1, MXP_ALG_ABSOLUTE);
	cr_assert(h && c && d);
	for (time_t t = 995; t <= 1012; t++) {
		mxp_dim_set(d, t);
		mxp_chart_done(c, &(struct timeval){.tv_sec = t});
	}
	cr_assert_eq(mxp_pattern_create("*", &all_charts), 0);
	struct mxp_export_settings s = golden_settings("prometheus_remote_write", MXP_SOURCE_AS_COLLECTED, all_charts);
	struct mxp_buf want = compare(&s, 1, 1000, 1010, NULL, NULL);
	/* the metric's line (netdata_info has 3 labels of its own fewer, so 3 host labels
	 * more) */
	const char *line = memmem(want.data, want.len, "\"__name__\":\"netdata_app_q\"", 25);
	cr_assert_not_null(line);
	size_t line_len = (size_t)((const char *)memchr(line, '\n', (size_t)(want.data + want.len - line)) - line);
	size_t want_labels = nl + 5 < MXP_RW_LABELS_MAX ? nl + 5 : MXP_RW_LABELS_MAX;
	char last[32];
	snprintf(last, sizeof(last), "\"l%03zu\"", want_labels - 5 - 1);
	cr_assert_not_null(memmem(line, line_len, last, strlen(last)), "the last label kept, %s", last);
	snprintf(last, sizeof(last), "\"l%03zu\"", want_labels - 5);
	if (want_labels == MXP_RW_LABELS_MAX)
		cr_assert_null(memmem(line, line_len, last, strlen(last)), "a label past the limit, %s", last);
	mxp_buf_free(&want);
}

Test(rw_bodies, a_hundred_long_host_labels)
{
	many_labels(100, 100);
}

Test(rw_bodies, host_labels_past_the_limit)
{
	many_labels(300, 4);
}

