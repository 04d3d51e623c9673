/* bench_export.c — one export of a synthetic store: mxp's walk (lock-free read, fast
 * number formatting, format tables) against the seed-like baseline (read lock over the
 * walk, snprintf of the seed's strings), in the same run, on the same store.
 *
 *   bench_export [HOSTS,CHARTS,DIMS] [RUNS]      default 100,100,10 (100,000 series), 7 runs
 *
 * Both exporters run on this one thread here, so this measures the formatting and the
 * walk, not the pipeline (which later splits them across threads). It prints medians,
 * the ratio, bytes per series of the store, and checks that both wrote the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/simple_pattern.h"
#include "engine/baseline.h"
#include "engine/export_walk.h"
#include "engine/log.h"
#include "format/format.h"
#include "synthetic_source.h"

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kib;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	unsigned nh = 100, nc = 100, nd = 10;
	int runs = 7;
	if (argc > 1 && mxp_synthetic_parse(argv[1], &nh, &nc, &nd) != 0) {
		fprintf(stderr, "usage: bench_export [HOSTS,CHARTS,DIMS] [RUNS]\n");
		return 2;
	}
	if (argc > 2)
		runs = atoi(argv[2]);
	if (runs < 1 || runs > 101)
		runs = 7;

	long rss0 = rss_kib();
	struct mxp_store *store = mxp_store_new(NULL);
	struct mxp_synthetic *syn = store ? mxp_synthetic_new(store, nh, nc, nd, 1, 1) : NULL;
	if (syn == NULL) {
		fprintf(stderr, "bench_export: cannot build the store\n");
		return 1;
	}
	size_t series = mxp_synthetic_series(syn);
	/* 20 collections one second apart, ending at T; the export window is [T-10, T] */
	const time_t T = 1700000020;
	for (time_t t = T - 19; t <= T; t++) {
		struct timeval tv = {.tv_sec = t, .tv_usec = 0};
		mxp_synthetic_collect(syn, &tv);
	}
	long rss1 = rss_kib();

	struct mxp_pattern *all = NULL;
	mxp_pattern_create("*", &all);
	struct mxp_buf out_walk = {0}, out_base = {0};
	const enum mxp_source sources[] = {MXP_SOURCE_AVERAGE, MXP_SOURCE_AS_COLLECTED};

	printf("bench_export: %zu series (%u hosts x %u charts x %u dims), graphite, %d runs each, medians\n",
	       series, nh, nc, nd, runs);
	printf("  store: %.0f bytes per series (RSS growth %.1f MiB, history %u slots)\n",
	       (double)(rss1 - rss0) * 1024.0 / (double)series, (double)(rss1 - rss0) / 1024.0,
	       store->history);

	int rc = 0;
	for (size_t si = 0; si < sizeof(sources) / sizeof(sources[0]); si++) {
		struct mxp_export_settings set = {
			.format = &mxp_format_graphite,
			.source = sources[si],
			.prefix = "netdata",
			.hostname = "bench",
			.send_names = true,
			.update_every = 10,
			.charts = all,
		};
		struct mxp_walk walk;
		struct mxp_baseline base;
		mxp_log_configure(NULL, NULL, MXP_LOG_WARNING);
		if (mxp_walk_init(&walk, store, &set) != 0 || mxp_baseline_init(&base, store, &set) != 0)
			return 1;
		double tw[101], tb[101];
		long nw = 0, nb = 0;
		for (int r = 0; r < runs; r++) {
			/* alternate, so that drift on a shared machine hits both alike */
			mxp_buf_reset(&out_walk);
			double t0 = now_ms();
			nw = mxp_walk_export(&walk, T - 10, T, &out_walk);
			tw[r] = now_ms() - t0;
			mxp_buf_reset(&out_base);
			t0 = now_ms();
			nb = mxp_baseline_export(&base, T - 10, T, &out_base);
			tb[r] = now_ms() - t0;
		}
		double mw = median(tw, runs), mb = median(tb, runs);
		bool same = nw == nb && out_walk.len == out_base.len &&
			    memcmp(out_walk.data, out_base.data, out_walk.len) == 0;
		printf("  %-12s walk %8.1f ms (%6.0f ns/metric)   baseline %8.1f ms (%6.0f ns/metric)   "
		       "ratio %.2fx   %ld records, %.1f bytes/record, output %s\n",
		       mxp_source_name(sources[si]), mw, mw * 1e6 / (double)nw, mb, mb * 1e6 / (double)nb, mb / mw,
		       nw, (double)out_walk.len / (double)(nw ? nw : 1), same ? "identical" : "DIFFERENT");
		if (!same)
			rc = 1;
		mxp_walk_fini(&walk);
		mxp_baseline_fini(&base);
	}

	mxp_buf_free(&out_walk);
	mxp_buf_free(&out_base);
	mxp_pattern_free(all);
	mxp_synthetic_free(syn);
	mxp_store_free(store);
	return rc;
}
