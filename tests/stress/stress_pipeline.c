/* stress_pipeline.c — the threaded export pipeline while the store changes under it.
 *
 * A synthetic writer collects H x C x D series in a loop on a fake clock (one simulated
 * second per collection), a second writer collects hand-made charts of its own host,
 * and a churn thread adds, collects and removes a chart over and over, so formatters
 * read objects the collector's epoch section must keep alive. Meanwhile the main thread
 * exports the last 10 simulated seconds again and again through three pipelines
 * (graphite average, opentsdb sum, json as collected) of F formatters each, and checks
 * every delivered line is well formed, lines == records, and produced == delivered in
 * every window.
 *
 *   stress_pipeline [--formatters F] [--seconds S] [--series H,C,D] [--walk]
 *
 * --walk exports with the single-thread walk instead (same store, same load), to compare
 * records/s. Prints windows/s and records/s; exits 0 when all checks held, 1 otherwise.
 */
#include <ck_pr.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collect/store_internal.h"
#include "config/simple_pattern.h"
#include "engine/export_walk.h"
#include "engine/pipeline.h"
#include "format/format.h"
#include "synthetic_source.h"

static unsigned opt_formatters = 2, opt_seconds = 3, opt_h = 8, opt_c = 10, opt_d = 10;
static bool opt_walk;
static int stop;
static uint64_t clock_now;      /* the synthetic writer's simulated second (ck_pr) */
static const time_t BASE_T = 1600000000;

/* ---- writers ---- */

static void *synthetic_main(void *arg)
{
	struct mxp_synthetic *syn = arg;
	uint64_t n = 0;
	while (!ck_pr_load_int(&stop)) {
		n++;
		struct timeval tv = {.tv_sec = BASE_T + (time_t)n, .tv_usec = 0};
		mxp_synthetic_collect(syn, &tv);
		ck_pr_store_64(&clock_now, (uint64_t)tv.tv_sec);
	}
	return NULL;
}

struct hand {
	struct mxp_chart *charts[4];
	struct mxp_dim *dims[4][8];
	uint64_t updates;
};

static void *hand_main(void *arg)
{
	struct hand *w = arg;
	while (!ck_pr_load_int(&stop)) {
		uint64_t now = ck_pr_load_64(&clock_now);
		if (now == 0)
			continue;
		w->updates++;
		/* its own clock, kept near the synthetic one so that its series are exported */
		struct timeval tv = {.tv_sec = (time_t)now, .tv_usec = (suseconds_t)(w->updates % 1000) * 1000};
		for (unsigned c = 0; c < 4; c++) {
			for (unsigned d = 0; d < 8; d++)
				mxp_dim_set(w->dims[c][d], (long long)(w->updates * (d + 1)));
			mxp_chart_done(w->charts[c], &tv);
		}
		struct timespec ts = {0, 100000};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

struct churn {
	struct mxp_host *host;
	uint64_t cycles;
	int failed;
};

static void *churn_main(void *arg)
{
	struct churn *ch = arg;
	char id[32];
	while (!ck_pr_load_int(&stop)) {
		snprintf(id, sizeof(id), "c%" PRIu64, ch->cycles % 7);
		struct mxp_chart_def def = {.type = "churn", .id = id, .name = "churn chart", .family = "churn",
					    .context = "churn.c", .units = "x", .update_every = 1};
		struct mxp_chart *c = mxp_chart_add(ch->host, &def);
		if (c == NULL) {
			ch->failed = 1;
			break;
		}
		struct mxp_dim *d[3] = {mxp_dim_add(c, "a", "dim a", 1, 1, MXP_ALG_ABSOLUTE),
					mxp_dim_add(c, "b", NULL, 1, 3, MXP_ALG_ABSOLUTE),
					mxp_dim_add(c, "c", NULL, 1, 1, MXP_ALG_INCREMENTAL)};
		if (!d[0] || !d[1] || !d[2]) {
			ch->failed = 1;
			break;
		}
		time_t t0 = (time_t)ck_pr_load_64(&clock_now) - 5;
		for (int k = 0; k < 8; k++) {
			struct timeval tv = {.tv_sec = t0 + k, .tv_usec = 0};
			for (int i = 0; i < 3; i++)
				mxp_dim_set(d[i], (long long)(k * 10 + i));
			mxp_chart_done(c, &tv);
		}
		if (mxp_chart_remove(c) != 0) {
			ch->failed = 1;
			break;
		}
		ch->cycles++;
	}
	return NULL;
}

/* ---- line checks ---- */

enum kind { GRAPHITE, OPENTSDB, JSON };

struct check {
	enum kind kind;
	long lines;                 /* in the current window */
	long records;               /* deliver's counts in the current window */
	long bad;                   /* malformed lines, all windows */
	char first_bad[256];
};

static bool is_uint(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* "-?digits" or "-?digits.7digits" */
static bool is_number(const char *s, size_t n)
{
	if (n > 0 && s[0] == '-') {
		s++;
		n--;
	}
	const char *dot = memchr(s, '.', n);
	if (dot == NULL)
		return is_uint(s, n);
	size_t ip = (size_t)(dot - s);
	return is_uint(s, ip) && n - ip - 1 == 7 && is_uint(dot + 1, 7);
}

/* Splits line (no '\n') on spaces into at most max fields. */
static size_t fields(const char *line, size_t len, const char **f, size_t *fl, size_t max)
{
	size_t n = 0, start = 0;
	for (size_t i = 0; i <= len && n < max; i++) {
		if (i == len || line[i] == ' ') {
			f[n] = line + start;
			fl[n++] = i - start;
			start = i + 1;
		}
	}
	return n;
}

static bool line_ok(enum kind k, const char *l, size_t len)
{
	const char *f[8];
	size_t fl[8];
	size_t n;
	switch (k) {
	case GRAPHITE: /* netdata.NAME VALUE T */
		n = fields(l, len, f, fl, 8);
		return n == 3 && fl[0] > 8 && memcmp(f[0], "netdata.", 8) == 0 && is_number(f[1], fl[1]) &&
		       is_uint(f[2], fl[2]);
	case OPENTSDB: /* put netdata.NAME T VALUE host=HOST */
		n = fields(l, len, f, fl, 8);
		return n >= 5 && fl[0] == 3 && memcmp(f[0], "put", 3) == 0 && fl[1] > 8 &&
		       memcmp(f[1], "netdata.", 8) == 0 && is_uint(f[2], fl[2]) && is_number(f[3], fl[3]) &&
		       fl[4] > 5 && memcmp(f[4], "host=", 5) == 0;
	case JSON: {
		static const char head[] = "{\"prefix\":\"netdata\",\"hostname\":\"";
		const char *v = strstr(l, "\",\"value\":");
		const char *ts = strstr(l, ",\"timestamp\": ");
		return len > sizeof(head) && memcmp(l, head, sizeof(head) - 1) == 0 && l[len - 1] == '}' && v != NULL &&
		       ts != NULL && v < ts && v + 10 < l + len && is_number(v + 10, (size_t)(ts - v - 10)) &&
		       is_uint(ts + 15, (size_t)(l + len - 1 - ts - 15));
	}
	}
	return false;
}

static void check_text(struct check *k, const char *data, size_t len)
{
	/* deliver's data is not NUL-terminated: copy each line for strstr */
	char line[4096];
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		if (data[i] != '\n')
			continue;
		size_t n = i - start;
		bool ok = n < sizeof(line);
		if (ok) {
			memcpy(line, data + start, n);
			line[n] = '\0';
			ok = line_ok(k->kind, line, n);
		}
		if (!ok && k->bad++ == 0)
			snprintf(k->first_bad, sizeof(k->first_bad), "%.*s", (int)(n < 200 ? n : 200), data + start);
		k->lines++;
		start = i + 1;
	}
	if (start != len && k->bad++ == 0)
		snprintf(k->first_bad, sizeof(k->first_bad), "(unterminated) %.*s", (int)(len - start < 200 ? len - start : 200),
			 data + start);
}

static int deliver(void *arg, const char *data, size_t len, long records)
{
	struct check *k = arg;
	check_text(k, data, len);
	k->records += records;
	return 0;
}

/* ---- main ---- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int usage(void)
{
	fprintf(stderr, "usage: stress_pipeline [--formatters F] [--seconds S] [--series H,C,D] [--walk]\n");
	return 2;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--formatters") == 0 && i + 1 < argc)
			opt_formatters = (unsigned)atoi(argv[++i]);
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			opt_seconds = (unsigned)atoi(argv[++i]);
		else if (strcmp(argv[i], "--series") == 0 && i + 1 < argc) {
			if (mxp_synthetic_parse(argv[++i], &opt_h, &opt_c, &opt_d) != 0)
				return usage();
		} else if (strcmp(argv[i], "--walk") == 0)
			opt_walk = true;
		else
			return usage();
	}
	if (opt_formatters < 1 || opt_formatters > MXP_PIPELINE_MAX_FORMATTERS || opt_seconds < 1)
		return usage();

	int failed = 0;
	struct mxp_store *store = mxp_store_new(NULL);
	struct mxp_host *local = mxp_host_add(store, "real-local", NULL, NULL, 0);
	struct mxp_host *hand_host = mxp_host_add(store, "hand-made", "env=stress", NULL, 0);
	struct mxp_host *churn_host = mxp_host_add(store, "churn", NULL, NULL, 0);
	struct mxp_synthetic *syn = mxp_synthetic_new(store, opt_h, opt_c, opt_d, 1, 7);
	if (!store || !local || !hand_host || !churn_host || !syn) {
		fprintf(stderr, "setup failed: %s\n", strerror(errno));
		return 1;
	}
	struct hand hand = {0};
	for (unsigned c = 0; c < 4; c++) {
		char id[16];
		snprintf(id, sizeof(id), "h%u", c);
		struct mxp_chart_def def = {.type = "hand", .id = id, .family = "hand", .context = "hand.c",
					    .units = "x", .update_every = 1};
		hand.charts[c] = mxp_chart_add(hand_host, &def);
		for (unsigned d = 0; d < 8; d++) {
			char did[16];
			snprintf(did, sizeof(did), "d %u", d);
			hand.dims[c][d] = mxp_dim_add(hand.charts[c], did, NULL, 1, (long)d + 1, MXP_ALG_ABSOLUTE);
		}
	}
	struct churn churn = {.host = churn_host};

	struct mxp_pattern *all = NULL;
	mxp_pattern_create("*", &all);
	static const struct {
		const char *type;
		enum mxp_source source;
		enum kind kind;
	} inst[3] = {{"graphite", MXP_SOURCE_AVERAGE, GRAPHITE},
		     {"opentsdb", MXP_SOURCE_SUM, OPENTSDB},
		     {"json", MXP_SOURCE_AS_COLLECTED, JSON}};
	struct mxp_export_settings settings[3];
	struct check checks[3];
	struct mxp_pipeline *pl[3] = {0};
	struct mxp_walk walks[3];
	struct mxp_buf walk_out = {0};
	for (int i = 0; i < 3; i++) {
		settings[i] = (struct mxp_export_settings){.format = mxp_format_find(inst[i].type),
							   .source = inst[i].source,
							   .prefix = "netdata",
							   .hostname = "stress-host",
							   .send_names = true,
							   .update_every = 10,
							   .charts = all};
		checks[i] = (struct check){.kind = inst[i].kind};
		if (opt_walk) {
			if (mxp_walk_init(&walks[i], store, &settings[i]) != 0)
				return 1;
		} else {
			pl[i] = mxp_pipeline_new(store, &settings[i], opt_formatters, deliver, &checks[i]);
			if (pl[i] == NULL) {
				fprintf(stderr, "mxp_pipeline_new: %s\n", strerror(errno));
				return 1;
			}
		}
	}

	pthread_t tsyn, thand, tchurn;
	pthread_create(&tsyn, NULL, synthetic_main, syn);
	pthread_create(&thand, NULL, hand_main, &hand);
	pthread_create(&tchurn, NULL, churn_main, &churn);

	while (ck_pr_load_64(&clock_now) == 0)
		sched_yield();

	uint64_t windows = 0, records = 0, empty_windows = 0;
	double t0 = now_s(), deadline = t0 + opt_seconds;
	while (now_s() < deadline) {
		int i = (int)(windows % 3);
		time_t before = (time_t)ck_pr_load_64(&clock_now);
		time_t after = before - 10;
		long n;
		if (opt_walk) {
			mxp_buf_reset(&walk_out);
			n = mxp_walk_export(&walks[i], after, before, &walk_out);
			checks[i].lines = 0;
			check_text(&checks[i], walk_out.data, walk_out.len);
			checks[i].records = n;
		} else {
			checks[i].lines = 0;
			checks[i].records = 0;
			n = mxp_pipeline_export(pl[i], after, before);
			struct mxp_pipeline_stats st;
			mxp_pipeline_stats(pl[i], &st);
			if (st.last_produced != st.last_delivered || st.last_delivered != n) {
				fprintf(stderr, "window %" PRIu64 ": produced %ld delivered %ld returned %ld\n", windows,
					st.last_produced, st.last_delivered, n);
				failed = 1;
			}
		}
		if (n < 0) {
			fprintf(stderr, "window %" PRIu64 ": export failed: %s\n", windows, strerror((int)-n));
			failed = 1;
			break;
		}
		if (checks[i].lines != n || checks[i].records != n) {
			fprintf(stderr, "window %" PRIu64 " (%s): %ld lines, %ld records, returned %ld\n", windows,
				inst[i].type, checks[i].lines, checks[i].records, n);
			failed = 1;
		}
		empty_windows += n == 0;
		records += (uint64_t)n;
		windows++;
	}
	double elapsed = now_s() - t0;

	ck_pr_store_int(&stop, 1);
	pthread_join(tsyn, NULL);
	pthread_join(thand, NULL);
	pthread_join(tchurn, NULL);

	for (int i = 0; i < 3; i++) {
		if (checks[i].bad) {
			fprintf(stderr, "%s: %ld malformed lines, first: %s\n", inst[i].type, checks[i].bad, checks[i].first_bad);
			failed = 1;
		}
		if (opt_walk)
			mxp_walk_fini(&walks[i]);
		else
			mxp_pipeline_free(pl[i]);
	}
	if (churn.failed || churn.cycles == 0 || hand.updates == 0 || windows < 3 || empty_windows == windows) {
		fprintf(stderr, "no progress: churn %" PRIu64 " (failed %d), hand %" PRIu64 ", windows %" PRIu64
				" (%" PRIu64 " empty)\n",
			churn.cycles, churn.failed, hand.updates, windows, empty_windows);
		failed = 1;
	}
	printf("%s, %u formatters, %zu synthetic series: %" PRIu64 " windows in %.2f s = %.0f windows/s, %.0f records/s; "
	       "simulated seconds %" PRIu64 ", churn cycles %" PRIu64 "%s\n",
	       opt_walk ? "walk" : "pipeline", opt_walk ? 0 : opt_formatters, mxp_synthetic_series(syn), windows,
	       elapsed, (double)windows / elapsed, (double)records / elapsed,
	       ck_pr_load_64(&clock_now) - (uint64_t)BASE_T, churn.cycles, failed ? " FAILED" : "");

	mxp_buf_free(&walk_out);
	mxp_synthetic_free(syn);
	mxp_pattern_free(all);
	mxp_store_free(store);
	return failed;
}
