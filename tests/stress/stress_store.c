/* stress_store.c — the store's concurrency contract under load.
 *
 * W writer threads each own C charts of D dims and publish update after update; in each
 * update every dim of a chart gets the same number (the update's sequence number), so
 * any consistent read of a chart sees one number in every dim, and a torn read shows as
 * a mismatch. One reader snapshots every chart continuously through the production
 * reader (mxp_chart_read), both "as collected" (the dims' list) and "sum" over a
 * one-point window (the slot table's columns), and checks that, and that each reading's
 * serial (from the column's head) is its dim's. A churn thread adds and removes charts (and a host) all the while, so
 * the reader walks lists that change under it and ck_epoch must keep what it holds.
 * A grower thread, the writer of its own charts, adds dims to a chart between its
 * updates, one at a time up to 40 (its slot table widens at 1, 2, 4 ... 32 columns:
 * the reader meets dims past the table it loaded, heads published in the table it
 * walks, and tables retired while it reads),
 * then removes the chart and starts another.
 *
 *   stress_store [--writers W] [--charts C] [--dims D] [--seconds S]
 *
 * Exits 0 when no mismatch was seen and every thread made progress, 1 otherwise.
 */
#include <ck_pr.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collect/chart_read.h"
#include "collect/store_internal.h"

static unsigned opt_writers = 2, opt_charts = 4, opt_dims = 8, opt_seconds = 3;
static int stop;

struct writer {
	pthread_t thread;
	struct mxp_chart **charts;
	struct mxp_dim **dims; /* charts x dims */
	uint64_t updates;
};

static const time_t BASE_T = 1600000000;

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	uint64_t n = 0;
	while (!ck_pr_load_int(&stop)) {
		n++;
		/* one simulated second per update, so slots advance and the ring wraps */
		struct timeval now = {.tv_sec = BASE_T + (time_t)n, .tv_usec = 0};
		for (unsigned c = 0; c < opt_charts; c++) {
			for (unsigned d = 0; d < opt_dims; d++)
				mxp_dim_set(w->dims[c * opt_dims + d], (long long)n);
			mxp_chart_done(w->charts[c], &now);
		}
	}
	w->updates = n;
	return NULL;
}

struct churn {
	pthread_t thread;
	struct mxp_store *store;
	uint64_t cycles;
};

static void *churn_main(void *arg)
{
	struct churn *ch = arg;
	char name[64];
	while (!ck_pr_load_int(&stop)) {
		snprintf(name, sizeof(name), "churn-%" PRIu64, ch->cycles);
		struct mxp_host *h = mxp_host_add(ch->store, name, NULL, NULL, 0);
		if (h == NULL)
			abort();
		for (unsigned i = 0; i < 3; i++) {
			char id[32];
			snprintf(id, sizeof(id), "c%u", i);
			struct mxp_chart_def def = {.type = "churn", .id = id, .update_every = 1};
			struct mxp_chart *c = mxp_chart_add(h, &def);
			if (c == NULL)
				abort();
			struct mxp_dim *d1 = mxp_dim_add(c, "a", NULL, 1, 1, MXP_ALG_ABSOLUTE);
			struct mxp_dim *d2 = mxp_dim_add(c, "b", NULL, 1, 1, MXP_ALG_ABSOLUTE);
			if (d1 == NULL || d2 == NULL)
				abort();
			for (int k = 1; k <= 3; k++) {
				struct timeval now = {.tv_sec = BASE_T + k, .tv_usec = 0};
				mxp_dim_set(d1, k);
				mxp_dim_set(d2, k);
				mxp_chart_done(c, &now);
			}
			if (i == 1)
				mxp_chart_remove(c); /* a chart removed from a live host */
		}
		mxp_host_remove(h); /* and the rest with their host */
		ch->cycles++;
	}
	return NULL;
}

struct grower {
	pthread_t thread;
	struct mxp_store *store;
	uint64_t widened;      /* dims added to a chart with updates stored */
};

static void *grower_main(void *arg)
{
	enum { GROW_DIMS = 40 };
	struct grower *g = arg;
	struct mxp_host *h = mxp_host_add(g->store, "grower", NULL, NULL, 0);
	if (h == NULL)
		abort();
	struct mxp_dim *dims[GROW_DIMS];
	uint64_t n = 0;
	for (unsigned round = 0; !ck_pr_load_int(&stop); round++) {
		char id[32];
		snprintf(id, sizeof(id), "grow%u", round);
		struct mxp_chart_def def = {.type = "grow", .id = id, .update_every = 1};
		struct mxp_chart *c = mxp_chart_add(h, &def);
		if (c == NULL)
			abort();
		for (unsigned k = 0; k < GROW_DIMS && !ck_pr_load_int(&stop); k++) {
			snprintf(id, sizeof(id), "d%u", k);
			dims[k] = mxp_dim_add(c, id, NULL, 1, 1, MXP_ALG_ABSOLUTE);
			if (dims[k] == NULL)
				abort();
			if (k > 0)
				g->widened++;
			/* a few updates per dim, so the window a little behind the newest
			 * slot (the reader's) holds values of the dims added before */
			for (int u = 0; u < 3; u++) {
				n++;
				struct timeval now = {.tv_sec = BASE_T + (time_t)n, .tv_usec = 0};
				for (unsigned j = 0; j <= k; j++)
					mxp_dim_set(dims[j], (long long)n);
				mxp_chart_done(c, &now);
			}
		}
		mxp_chart_remove(c);
	}
	return NULL;
}

struct reader_stats {
	uint64_t snapshots;
	uint64_t mismatches;
	uint64_t retries;
	uint64_t max_seen;
};

static void check_chart(const struct mxp_chart *c, struct mxp_chart_reading *r, struct reader_stats *st)
{
	/* as collected: every dim must carry the same update number */
	if (mxp_chart_read(c, MXP_SOURCE_AS_COLLECTED, 0, 0, &mxp_ring_query_ops, NULL, r) != 0)
		abort();
	st->snapshots++;
	long long first = -1;
	for (size_t i = 0; i < r->ndims; i++) {
		if (first < 0)
			first = r->dims[i].v.collected.value;
		else if (r->dims[i].v.collected.value != first)
			st->mismatches++;
	}
	if (first > 0 && (uint64_t)first > st->max_seen)
		st->max_seen = (uint64_t)first;

	/* stored values: a window that holds one slot, a little behind the newest; every
	 * dim must agree on its value and time (or all have nothing there) */
	if (r->ndims == 0)
		return;
	time_t latest = mxp_dim_last_t(r->dims[0].dim);
	if (latest == 0)
		return;
	time_t after = latest - 3, before = latest - 2; /* -> the slot at latest - 5 */
	if (mxp_chart_read(c, MXP_SOURCE_SUM, after, before, &mxp_ring_query_ops, NULL, r) != 0)
		abort();
	st->snapshots++;
	bool have = false;
	long double v0 = 0;
	time_t t0 = 0;
	for (size_t i = 0; i < r->ndims; i++) {
		const struct mxp_dim_reading *x = &r->dims[i];
		/* the serial its column head holds, published before the dim (read by the
		 * column walk; the dim's own is written once, before the dim is reachable) */
		if (x->serial != x->dim->serial)
			st->mismatches++;
		if (isnan(x->v.value))
			continue;
		if (!have) {
			have = true;
			v0 = x->v.value;
			t0 = x->t;
		} else if (x->v.value != v0 || x->t != t0) {
			st->mismatches++;
		}
	}
	st->retries = r->retries;
}

static void reader_loop(struct mxp_store *store, struct reader_stats *st)
{
	struct mxp_chart_reading r = {0};
	struct mxp_store_reader *rd = mxp_store_reader_get(store);
	if (rd == NULL)
		abort();
	while (!ck_pr_load_int(&stop)) {
		mxp_store_read_begin(rd);
		for (struct mxp_host *h = mxp_store_hosts(store); h != NULL; h = mxp_host_next(h))
			for (struct mxp_chart *c = mxp_host_charts(h); c != NULL; c = mxp_chart_next(c))
				if (mxp_chart_dims(c) != NULL)
					check_chart(c, &r, st);
		mxp_store_read_end(rd);
	}
	mxp_chart_reading_free(&r);
	mxp_store_reader_put(rd);
}

struct reader_thread {
	pthread_t thread;
	struct mxp_store *store;
	struct reader_stats stats;
};

static void *reader_main(void *arg)
{
	struct reader_thread *rt = arg;
	reader_loop(rt->store, &rt->stats);
	return NULL;
}

static unsigned parse_uint(const char *s, const char *what)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > 1000000) {
		fprintf(stderr, "stress_store: bad %s '%s'\n", what, s);
		exit(2);
	}
	return (unsigned)v;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc) {
			fprintf(stderr, "usage: stress_store [--writers W] [--charts C] [--dims D] [--seconds S]\n");
			return 2;
		}
		if (strcmp(argv[i], "--writers") == 0)
			opt_writers = parse_uint(argv[++i], "writers");
		else if (strcmp(argv[i], "--charts") == 0)
			opt_charts = parse_uint(argv[++i], "charts");
		else if (strcmp(argv[i], "--dims") == 0)
			opt_dims = parse_uint(argv[++i], "dims");
		else if (strcmp(argv[i], "--seconds") == 0)
			opt_seconds = parse_uint(argv[++i], "seconds");
		else {
			fprintf(stderr, "stress_store: unknown option '%s'\n", argv[i]);
			return 2;
		}
	}

	struct mxp_store_options so = {.history = 16}; /* small, so the ring wraps often */
	struct mxp_store *store = mxp_store_new(&so);
	struct writer *writers = calloc(opt_writers, sizeof(*writers));
	if (store == NULL || writers == NULL)
		return 1;

	for (unsigned w = 0; w < opt_writers; w++) {
		char name[32];
		snprintf(name, sizeof(name), "writer-%u", w);
		struct mxp_host *h = mxp_host_add(store, name, NULL, NULL, 0);
		writers[w].charts = calloc(opt_charts, sizeof(*writers[w].charts));
		writers[w].dims = calloc((size_t)opt_charts * opt_dims, sizeof(*writers[w].dims));
		if (h == NULL || writers[w].charts == NULL || writers[w].dims == NULL)
			return 1;
		for (unsigned c = 0; c < opt_charts; c++) {
			char id[32];
			snprintf(id, sizeof(id), "chart%u", c);
			struct mxp_chart_def def = {.type = "stress", .id = id, .update_every = 1};
			writers[w].charts[c] = mxp_chart_add(h, &def);
			if (writers[w].charts[c] == NULL)
				return 1;
			for (unsigned d = 0; d < opt_dims; d++) {
				char did[32];
				snprintf(did, sizeof(did), "dim%u", d);
				writers[w].dims[c * opt_dims + d] =
					mxp_dim_add(writers[w].charts[c], did, NULL, 1, 1, MXP_ALG_ABSOLUTE);
				if (writers[w].dims[c * opt_dims + d] == NULL)
					return 1;
			}
		}
	}

	struct reader_thread reader = {.store = store};
	struct churn churn = {.store = store};
	struct grower grower = {.store = store};
	pthread_create(&reader.thread, NULL, reader_main, &reader);
	pthread_create(&churn.thread, NULL, churn_main, &churn);
	pthread_create(&grower.thread, NULL, grower_main, &grower);
	for (unsigned w = 0; w < opt_writers; w++)
		pthread_create(&writers[w].thread, NULL, writer_main, &writers[w]);

	struct timespec ts = {.tv_sec = opt_seconds, .tv_nsec = 0};
	nanosleep(&ts, NULL);
	ck_pr_store_int(&stop, 1);

	uint64_t updates = 0, min_updates = UINT64_MAX;
	for (unsigned w = 0; w < opt_writers; w++) {
		pthread_join(writers[w].thread, NULL);
		updates += writers[w].updates;
		if (writers[w].updates < min_updates)
			min_updates = writers[w].updates;
	}
	pthread_join(reader.thread, NULL);
	pthread_join(churn.thread, NULL);
	pthread_join(grower.thread, NULL);

	struct reader_stats *st = &reader.stats;
	printf("stress_store: %u writers x %u charts x %u dims, %u s: %" PRIu64 " chart updates, "
	       "%" PRIu64 " snapshots, %" PRIu64 " retried reads, %" PRIu64 " churn cycles, "
	       "%" PRIu64 " dims added to updated charts, %" PRIu64 " mismatches\n",
	       opt_writers, opt_charts, opt_dims, opt_seconds, updates * opt_charts, st->snapshots,
	       st->retries, churn.cycles, grower.widened, st->mismatches);

	int failed = 0;
	if (st->mismatches != 0) {
		fprintf(stderr, "stress_store: FAIL: %" PRIu64 " torn snapshots\n", st->mismatches);
		failed = 1;
	}
	if (st->snapshots == 0 || min_updates == 0 || churn.cycles == 0 || grower.widened == 0 || st->max_seen == 0) {
		fprintf(stderr, "stress_store: FAIL: a thread made no progress\n");
		failed = 1;
	}

	for (unsigned w = 0; w < opt_writers; w++) {
		free(writers[w].charts);
		free(writers[w].dims);
	}
	free(writers);
	mxp_store_free(store);
	return failed;
}
