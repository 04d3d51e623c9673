/* test_pipeline.c — the threaded pipeline against the seed-like baseline: for each
 * format, source and formatter count, the delivered lines equal the baseline's lines as
 * a multiset (formatters interleave series, so only the order may differ), and the
 * record counts match. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "collect/store_internal.h"
#include "config/simple_pattern.h"
#include "engine/baseline.h"
#include "engine/pipeline.h"
#include "support/golden_store.h"
#include "format/format.h"
#include "synthetic_source.h"

static struct mxp_store *store;
static struct mxp_pattern *all_charts;

/* The golden tests' store (tests/support/golden_store.h), with host tags on both hosts. */
static void build_small(void)
{
	store = golden_store_build("a=1;b=2", "env=prod", false);
	cr_assert_eq(mxp_pattern_create("*", &all_charts), 0);
}

/* 20 hosts x 20 charts x 10 dims of the synthetic source, collected 995..1012. */
static void build_big(void)
{
	store = mxp_store_new(NULL);
	mxp_host_add(store, "localhost-real", NULL, NULL, 0);
	struct mxp_synthetic *syn = mxp_synthetic_new(store, 20, 20, 10, 1, 42);
	cr_assert_not_null(syn);
	for (time_t t = 995; t <= 1012; t++) {
		struct timeval tv = {.tv_sec = t, .tv_usec = 250000};
		mxp_synthetic_collect(syn, &tv);
	}
	mxp_synthetic_free(syn);
	cr_assert_eq(mxp_pattern_create("*", &all_charts), 0);
}

/* 100 hosts x 100 charts x 10 dims: windows of several MXP_PIPELINE_FLUSH_BYTES pieces
 * per formatter. */
static void build_100k(void)
{
	store = mxp_store_new(NULL);
	struct mxp_synthetic *syn = mxp_synthetic_new(store, 100, 100, 10, 1, 7);
	cr_assert_not_null(syn);
	cr_assert_eq(mxp_synthetic_series(syn), 100000);
	for (time_t t = 995; t <= 1012; t++) {
		struct timeval tv = {.tv_sec = t, .tv_usec = 250000};
		mxp_synthetic_collect(syn, &tv);
	}
	mxp_synthetic_free(syn);
	cr_assert_eq(mxp_pattern_create("*", &all_charts), 0);
}

static void teardown(void)
{
	mxp_store_free(store);
	mxp_pattern_free(all_charts);
	store = NULL;
	all_charts = NULL;
}

static struct mxp_export_settings settings(const char *type, enum mxp_source src)
{
	return golden_settings(type, src, all_charts);
}

/* What the sink hands over, collected on the sink thread, read after export returns. */
struct sink {
	struct mxp_buf bytes;
	long records;
	unsigned calls;
	int fail_with;
};

static int deliver(void *arg, const char *data, size_t len, long records)
{
	struct sink *k = arg;
	k->calls++;
	if (k->fail_with != 0)
		return k->fail_with;
	cr_assert_gt(len, 0);
	cr_assert_eq(mxp_buf_put(&k->bytes, data, len), 0);
	k->records += records;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Splits text (every line ends in '\n') into a sorted array of NUL-terminated lines;
 * *copy owns them. */
static char **sorted_lines(const struct mxp_buf *b, size_t *n, char **copy)
{
	*copy = malloc(b->len + 1);
	cr_assert_not_null(*copy);
	memcpy(*copy, b->data ? b->data : "", b->len);
	(*copy)[b->len] = '\0';
	cr_assert(b->len == 0 || (*copy)[b->len - 1] == '\n', "output does not end with a newline");
	size_t count = 0;
	for (size_t i = 0; i < b->len; i++)
		count += (*copy)[i] == '\n';
	char **lines = calloc(count + 1, sizeof(*lines));
	cr_assert_not_null(lines);
	size_t k = 0;
	char *p = *copy;
	for (size_t i = 0; i < b->len; i++) {
		if ((*copy)[i] == '\n') {
			(*copy)[i] = '\0';
			lines[k++] = p;
			p = *copy + i + 1;
		}
	}
	qsort(lines, count, sizeof(*lines), cmp_str);
	*n = count;
	return lines;
}

/* Exports [after, before] with the baseline and with a pipeline of nf formatters, twice
 * (the second window reuses every shard and buffer), and compares. */
static void compare(const struct mxp_export_settings *s, unsigned nf, time_t after, time_t before)
{
	struct mxp_buf want = {0};
	struct mxp_baseline bl;
	cr_assert_eq(mxp_baseline_init(&bl, store, s), 0);
	long want_n = mxp_baseline_export(&bl, after, before, &want);
	mxp_baseline_fini(&bl);
	cr_assert_gt(want_n, 0);

	struct sink k = {0};
	struct mxp_pipeline *p = mxp_pipeline_new(store, s, nf, deliver, &k);
	cr_assert_not_null(p, "mxp_pipeline_new: %s", strerror(errno));
	for (int round = 0; round < 2; round++) {
		mxp_buf_reset(&k.bytes);
		k.records = 0;
		long n = mxp_pipeline_export(p, after, before);
		struct mxp_pipeline_stats st;
		mxp_pipeline_stats(p, &st);
		cr_assert_eq(n, want_n, "%s/%d nf=%u: pipeline %ld records, baseline %ld", s->format->name, s->source,
			     nf, n, want_n);
		cr_assert_eq(k.records, want_n);
		cr_assert_eq(st.last_produced, st.last_delivered);
		cr_assert_eq(st.last_delivered, want_n);
		cr_assert_eq(st.windows, (uint64_t)round + 1);

		size_t nw, ng;
		char *cw, *cg;
		char **lw = sorted_lines(&want, &nw, &cw);
		char **lg = sorted_lines(&k.bytes, &ng, &cg);
		cr_assert_eq(ng, nw, "%zu lines, baseline %zu", ng, nw);
		for (size_t i = 0; i < nw; i++)
			cr_assert_str_eq(lg[i], lw[i], "%s nf=%u line %zu", s->format->name, nf, i);
		free(lw);
		free(lg);
		free(cw);
		free(cg);
	}
	mxp_pipeline_free(p);
	mxp_buf_free(&k.bytes);
	mxp_buf_free(&want);
}

static const char *const types[] = {"graphite", "opentsdb", "json"};
static const enum mxp_source sources[] = {MXP_SOURCE_AVERAGE, MXP_SOURCE_AS_COLLECTED};

static void compare_all(void)
{
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		for (size_t s = 0; s < sizeof(sources) / sizeof(sources[0]); s++)
			for (unsigned nf = 1; nf <= 3; nf++) {
				struct mxp_export_settings st = settings(types[t], sources[s]);
				compare(&st, nf, 1000, 1010);
			}
}

TestSuite(pipeline, .fini = teardown);

Test(pipeline, small_store_equals_baseline)
{
	build_small();
	compare_all();
}

Test(pipeline, big_store_equals_baseline)
{
	build_big();
	compare_all();
}

/* The oracle: on 100k series, the pipeline's lines equal the baseline's as a
 * multiset for 1, 2 and 4 formatters. */
Test(pipeline, oracle_100k_series_1_2_4_formatters, .timeout = 300)
{
	build_100k();
	struct mxp_export_settings st = settings("graphite", MXP_SOURCE_AVERAGE);
	for (unsigned nf = 1; nf <= 4; nf *= 2)
		compare(&st, nf, 1000, 1010);
}

/* Sorted lines of b must equal sorted lines of want. */
static void same_lines(const struct mxp_buf *got, const struct mxp_buf *want, const char *what)
{
	size_t nw, ng;
	char *cw, *cg;
	char **lw = sorted_lines(want, &nw, &cw);
	char **lg = sorted_lines(got, &ng, &cg);
	cr_assert_eq(ng, nw, "%s: %zu lines, baseline %zu", what, ng, nw);
	for (size_t i = 0; i < nw; i++)
		cr_assert_str_eq(lg[i], lw[i], "%s line %zu", what, i);
	free(lw);
	free(lg);
	free(cw);
	free(cg);
}

/* One walk for three instances with different formats, filters and names: each gets
 * exactly what its own baseline exports. */
Test(pipeline, one_walk_serves_three_instances)
{
	build_big();
	struct mxp_pattern *some = NULL, *others = NULL;
	cr_assert_eq(mxp_pattern_create("*chart1* !*", &some), 0);
	cr_assert_eq(mxp_pattern_create("!*chart1* *", &others), 0);
	struct mxp_export_settings st[3] = {
		settings("graphite", MXP_SOURCE_AVERAGE),
		settings("opentsdb", MXP_SOURCE_AVERAGE),
		settings("json", MXP_SOURCE_AVERAGE),
	};
	st[0].charts = some;
	st[1].charts = others;
	st[1].send_names = false;
	st[1].prefix = "other";
	const struct mxp_export_settings *sp[3] = {&st[0], &st[1], &st[2]};
	struct sink k[3];
	memset(k, 0, sizeof(k));
	struct mxp_pipeline_sink sinks[3];
	for (int i = 0; i < 3; i++)
		sinks[i] = (struct mxp_pipeline_sink){.deliver = deliver, .arg = &k[i]};

	for (unsigned nf = 1; nf <= 2; nf++) {
		struct mxp_pipeline *p = mxp_pipeline_new_group(store, sp, sinks, 3, nf);
		cr_assert_not_null(p, "mxp_pipeline_new_group: %s", strerror(errno));
		for (int round = 0; round < 2; round++) {
			for (int i = 0; i < 3; i++) {
				mxp_buf_reset(&k[i].bytes);
				k[i].records = 0;
			}
			long n = mxp_pipeline_export(p, 1000, 1010);
			long total = 0;
			struct mxp_pipeline_stats stats;
			mxp_pipeline_stats(p, &stats);
			for (int i = 0; i < 3; i++) {
				struct mxp_buf want = {0};
				struct mxp_baseline bl;
				cr_assert_eq(mxp_baseline_init(&bl, store, &st[i]), 0);
				long want_n = mxp_baseline_export(&bl, 1000, 1010, &want);
				mxp_baseline_fini(&bl);
				cr_assert_gt(want_n, 0);
				cr_assert_eq(k[i].records, want_n, "instance %d: %ld records, baseline %ld", i, k[i].records,
					     want_n);
				cr_assert_eq(stats.last_delivered_of[i], want_n);
				cr_assert_eq(stats.last_produced_of[i], want_n);
				same_lines(&k[i].bytes, &want, st[i].format->name);
				total += want_n;
				mxp_buf_free(&want);
			}
			cr_assert_eq(n, total);
		}
		mxp_pipeline_free(p);
	}
	for (int i = 0; i < 3; i++)
		mxp_buf_free(&k[i].bytes);
	mxp_pattern_free(some);
	mxp_pattern_free(others);
}

Test(pipeline, a_group_needs_one_source)
{
	build_small();
	struct mxp_export_settings a = settings("graphite", MXP_SOURCE_AVERAGE);
	struct mxp_export_settings b = settings("graphite", MXP_SOURCE_SUM);
	const struct mxp_export_settings *sp[2] = {&a, &b};
	struct sink k = {0};
	struct mxp_pipeline_sink sinks[2] = {{.deliver = deliver, .arg = &k}, {.deliver = deliver, .arg = &k}};
	errno = 0;
	cr_assert_null(mxp_pipeline_new_group(store, sp, sinks, 2, 1));
	cr_assert_eq(errno, EINVAL);
}

/* Windows that start before the data or end past it: the value path clamps to what the
 * ring holds (chart_read.c's fast path against the baseline's generic one). */
Test(pipeline, windows_at_the_edges_of_the_data)
{
	build_big();
	static const time_t windows[][2] = {{985, 1000}, {990, 1012}, {1005, 1030}, {1000, 1016}, {1011, 1040}};
	for (size_t w = 0; w < sizeof(windows) / sizeof(windows[0]); w++) {
		struct mxp_export_settings avg = settings("graphite", MXP_SOURCE_AVERAGE);
		struct mxp_export_settings sum = settings("opentsdb", MXP_SOURCE_SUM);
		compare(&avg, 2, windows[w][0], windows[w][1]);
		compare(&sum, 1, windows[w][0], windows[w][1]);
	}
}

Test(pipeline, sum_with_ids_equals_baseline)
{
	build_big();
	struct mxp_export_settings st = settings("graphite", MXP_SOURCE_SUM);
	st.send_names = false;
	st.prefix = "my.prefix";
	compare(&st, 2, 1000, 1010);
}

/* A chart "t.<id>" of three absolute dims named by ids[], collected 995..1012. */
static struct mxp_chart *collected_chart(struct mxp_host *h, const char *id, const char *const ids[3])
{
	const struct mxp_chart_def def = {.type = "t", .id = id, .update_every = 1};
	struct mxp_chart *c = mxp_chart_add(h, &def);
	cr_assert_not_null(c);
	struct mxp_dim *d[3];
	for (int i = 0; i < 3; i++)
		cr_assert_not_null(d[i] = mxp_dim_add(c, ids[i], NULL, 1, 1, MXP_ALG_ABSOLUTE));
	for (time_t t = 995; t <= 1012; t++) {
		for (int i = 0; i < 3; i++)
			mxp_dim_set(d[i], (long long)t * (i + 1));
		const struct timeval tv = {.tv_sec = t};
		mxp_chart_done(c, &tv);
	}
	return c;
}

/* Exports [1000, 1010] through p into k and checks it is what the baseline exports. */
static void export_equals_baseline(struct mxp_pipeline *p, struct sink *k, const struct mxp_export_settings *st)
{
	mxp_buf_reset(&k->bytes);
	k->records = 0;
	struct mxp_buf want = {0};
	struct mxp_baseline bl;
	cr_assert_eq(mxp_baseline_init(&bl, store, st), 0);
	long want_n = mxp_baseline_export(&bl, 1000, 1010, &want);
	mxp_baseline_fini(&bl);
	cr_assert_gt(want_n, 0);
	cr_assert_eq(mxp_pipeline_export(p, 1000, 1010), want_n);
	same_lines(&k->bytes, &want, st->format->name);
	mxp_buf_free(&want);
}

/* Dims take the serials that removed dims gave back, and a pipeline finds its record
 * templates by serial (collect/series_cache.h): the removed dims' templates must have
 * gone with them, or the new dims' lines would carry the old dims' names. */
Test(pipeline, dims_that_reuse_removed_dims_serials_get_their_own_templates)
{
	store = mxp_store_new(NULL);
	cr_assert_not_null(store);
	struct mxp_host *h = mxp_host_add(store, "h", NULL, NULL, 0);
	cr_assert_not_null(h);
	cr_assert_eq(mxp_pattern_create("*", &all_charts), 0);
	struct mxp_chart *old = collected_chart(h, "old", (const char *const[]){"o1", "o2", "o3"});
	uint32_t old_serials[3], i = 0;
	for (const struct mxp_dim *d = mxp_chart_dims(old); d != NULL; d = mxp_dim_next(d))
		old_serials[i++] = d->serial;

	struct mxp_export_settings st = settings("graphite", MXP_SOURCE_AVERAGE);
	struct sink k = {0};
	struct mxp_pipeline *p = mxp_pipeline_new(store, &st, 2, deliver, &k);
	cr_assert_not_null(p);
	export_equals_baseline(p, &k, &st);
	cr_assert_not_null(memmem(k.bytes.data, k.bytes.len, ".o1 ", 4), "the old dims exported first");

	mxp_chart_remove(old);
	/* ck_epoch runs a removal's frees a few removals later: each remove polls it */
	for (int r = 0; r < 8; r++) {
		char id[32];
		snprintf(id, sizeof(id), "scratch%d", r);
		struct mxp_chart *c = mxp_chart_add(h, &(const struct mxp_chart_def){.type = "t", .id = id, .update_every = 1});
		cr_assert_not_null(c);
		mxp_chart_remove(c);
	}
	struct mxp_chart *fresh = collected_chart(h, "new", (const char *const[]){"n1", "n2", "n3"});
	for (const struct mxp_dim *d = mxp_chart_dims(fresh); d != NULL; d = mxp_dim_next(d))
		cr_assert(d->serial == old_serials[0] || d->serial == old_serials[1] || d->serial == old_serials[2],
			  "dim %s took serial %u, not one the removed dims gave back", d->id, d->serial);

	export_equals_baseline(p, &k, &st);
	cr_assert(memmem(k.bytes.data, k.bytes.len, ".n1 ", 4) != NULL && memmem(k.bytes.data, k.bytes.len, ".o1 ", 4) == NULL,
		  "the new dims under their own names: %.*s", (int)k.bytes.len, k.bytes.data);
	mxp_pipeline_free(p);
	mxp_buf_free(&k.bytes);
}

Test(pipeline, nothing_to_export)
{
	build_small();
	struct mxp_export_settings st = settings("graphite", MXP_SOURCE_AVERAGE);
	st.charts = NULL; /* matches nothing */
	struct sink k = {0};
	struct mxp_pipeline *p = mxp_pipeline_new(store, &st, 2, deliver, &k);
	cr_assert_not_null(p);
	cr_assert_eq(mxp_pipeline_export(p, 1000, 1010), 0);
	cr_assert_eq(k.calls, 0);
	mxp_pipeline_free(p);
}

/* Voluntary context switches of each of this process's threads named mxp-*, by thread
 * id (at most 16): how often each went to sleep. */
struct switches {
	unsigned n;
	long tid[16];
	long count[16];
};

static void read_switches(struct switches *sw)
{
	sw->n = 0;
	DIR *d = opendir("/proc/self/task");
	cr_assert_not_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL && sw->n < 16) {
		if (e->d_name[0] == '.')
			continue;
		char path[300], comm[32] = "", line[128];
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fgets(comm, sizeof(comm), f) == NULL)
			comm[0] = '\0';
		fclose(f);
		if (strncmp(comm, "mxp-", 4) != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", e->d_name);
		f = fopen(path, "r");
		cr_assert_not_null(f);
		long count = -1;
		while (fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "voluntary_ctxt_switches: %ld", &count) == 1)
				break;
		fclose(f);
		cr_assert_geq(count, 0);
		sw->tid[sw->n] = atol(e->d_name);
		sw->count[sw->n++] = count;
	}
	closedir(d);
}

/* Between exports a pipeline's threads sleep until handed work: they do not wake to
 * poll. With a 50 ms sleep bound each woke ~20 times a second, which was half of an
 * export's CPU at 100k series (docs/ARCHITECTURE.md); the bound is now 10 s, so two
 * idle seconds may see a few wake-ups per thread, not forty. */
Test(pipeline, idle_threads_sleep)
{
	build_small();
	struct mxp_export_settings st = settings("graphite", MXP_SOURCE_AVERAGE);
	struct sink k = {0};
	struct mxp_pipeline *p = mxp_pipeline_new(store, &st, 2, deliver, &k);
	cr_assert_not_null(p);
	cr_assert_eq(mxp_pipeline_export(p, 1000, 1010), 4);
	usleep(200 * 1000); /* every thread back asleep after the window */
	struct switches before, after;
	read_switches(&before);
	cr_assert_eq(before.n, 4, "collector, 2 formatters, sink: %u threads named mxp-*", before.n);
	usleep(2000 * 1000);
	read_switches(&after);
	cr_assert_eq(after.n, before.n);
	for (unsigned i = 0; i < before.n; i++) {
		cr_assert_eq(after.tid[i], before.tid[i]);
		cr_assert_leq(after.count[i] - before.count[i], 6, "thread %ld woke %ld times in 2 idle seconds",
			      after.tid[i], after.count[i] - before.count[i]);
	}
	mxp_pipeline_free(p);
	mxp_buf_free(&k.bytes);
}

Test(pipeline, deliver_error_fails_the_window)
{
	build_small();
	struct mxp_export_settings st = settings("json", MXP_SOURCE_AVERAGE);
	struct sink k = {.fail_with = -EPIPE};
	struct mxp_pipeline *p = mxp_pipeline_new(store, &st, 3, deliver, &k);
	cr_assert_not_null(p);
	cr_assert_eq(mxp_pipeline_export(p, 1000, 1010), -EPIPE);
	struct mxp_pipeline_stats s;
	mxp_pipeline_stats(p, &s);
	cr_assert_eq(s.last_produced, 4);
	cr_assert_eq(s.last_delivered, 0);
	/* the pipeline goes on: the next window delivers */
	k.fail_with = 0;
	cr_assert_eq(mxp_pipeline_export(p, 1000, 1010), 4);
	mxp_pipeline_free(p);
	mxp_buf_free(&k.bytes);
}

Test(pipeline, bad_arguments)
{
	build_small();
	struct mxp_export_settings st = settings("json", MXP_SOURCE_AVERAGE);
	struct sink k = {0};
	errno = 0;
	cr_assert_null(mxp_pipeline_new(store, &st, 0, deliver, &k));
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(mxp_pipeline_new(store, &st, 1, NULL, &k));
	mxp_pipeline_free(NULL);
}
