/* export_known.c — exports a store of known values through the real engine (config,
 * pipelines, sender) to the receivers a config names, once, and writes what each
 * instance must have sent: the seed-like baseline's lines for the same window and
 * settings (the oracle). test_export.sh then reads the receivers back and compares.
 *
 *   export_known CONFIG OUTDIR
 *
 * The store: host "known-local" and host "known-child" (host tags "env=test"), each with
 * chart test.alpha (dims a 1/8, b 3/1, c 1/1 incremental) and test.beta (dim big 1/1000),
 * collected every second at half past for the last 40 s, values chosen to survive
 * receivers that keep ~12 significant digits (short binary fractions, small integers).
 * The window is (now - 30, now - 20] (whole seconds).
 *
 * Writes OUTDIR/<i>.expected (the baseline's lines of instance i) and OUTDIR/<i>.name,
 * prints one line per instance "NAME produced P delivered D lost L failures F io IO" and exits 0 when
 * every instance delivered everything it produced, 1 otherwise. MXP_IO picks the I/O;
 * EXPORT_KNOWN_WAIT_MS how long it waits for the sender (10000); the first line of the file
 * EXPORT_KNOWN_CHILD_TAGS_FILE names replaces the child's host tags. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "engine/baseline.h"
#include "engine/exporter_internal.h"
#include "mxp/exporter.h"
#include "mxp/store.h"

static void die(const char *what)
{
	fprintf(stderr, "export_known: %s: %s\n", what, strerror(errno));
	exit(2);
}

struct series {
	struct mxp_chart *alpha, *beta;
	struct mxp_dim *a, *b, *c, *big;
};

static void add_host(struct mxp_store *store, const char *name, const char *tags, struct series *s)
{
	struct mxp_host *h = mxp_host_add(store, name, tags, NULL, 0);
	struct mxp_chart_def alpha = {.type = "test", .id = "alpha", .family = "known", .units = "things",
				      .update_every = 1};
	struct mxp_chart_def beta = {.type = "test", .id = "beta", .family = "known", .units = "things",
				     .update_every = 1};
	if (h == NULL || (s->alpha = mxp_chart_add(h, &alpha)) == NULL || (s->beta = mxp_chart_add(h, &beta)) == NULL)
		die("building the store");
	s->a = mxp_dim_add(s->alpha, "a", NULL, 1, 8, MXP_ALG_ABSOLUTE);
	s->b = mxp_dim_add(s->alpha, "b", NULL, 3, 1, MXP_ALG_ABSOLUTE);
	s->c = mxp_dim_add(s->alpha, "c", NULL, 1, 1, MXP_ALG_INCREMENTAL);
	s->big = mxp_dim_add(s->beta, "big", NULL, 1, 1000, MXP_ALG_ABSOLUTE);
	if (!s->a || !s->b || !s->c || !s->big)
		die("adding dimensions");
}

static void collect(struct series *s, long k, long offset, time_t t)
{
	struct timeval tv = {.tv_sec = t, .tv_usec = 500000};
	mxp_dim_set(s->a, 8 * (k + offset) + 1);            /* stored (k + offset) + 0.125 */
	mxp_dim_set(s->b, 42 + (k % 3));                    /* stored 126, 129, 132 */
	mxp_dim_set(s->c, 1000 + 5 * k * k);                /* a rate that grows by 10 a second */
	mxp_chart_done(s->alpha, &tv);
	mxp_dim_set(s->big, 12345678000 + 1000 * offset);   /* stored 12345678 + offset */
	mxp_chart_done(s->beta, &tv);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: export_known CONFIG OUTDIR\n");
		return 2;
	}
	struct mxp_store_options so = {.history = 64};
	struct mxp_store *store = mxp_store_new(&so);
	if (store == NULL)
		die("mxp_store_new");
	struct series local, child;
	add_host(store, "known-local", NULL, &local);
	/* EXPORT_KNOWN_CHILD_TAGS_FILE: the child's host tags from a file (kinesis' test makes
	 * its lines long enough for several records per request, longer than an environment
	 * variable may be) */
	const char *tags_file = getenv("EXPORT_KNOWN_CHILD_TAGS_FILE");
	char *tags = NULL;
	if (tags_file != NULL) {
		FILE *f = fopen(tags_file, "r");
		size_t cap = 0;
		if (f == NULL || getline(&tags, &cap, f) < 0)
			die("reading EXPORT_KNOWN_CHILD_TAGS_FILE");
		fclose(f);
		tags[strcspn(tags, "\n")] = '\0';
	}
	add_host(store, "known-child", tags != NULL ? tags : "env=test", &child);
	free(tags);

	time_t now = time(NULL);
	time_t base = now - 40;
	for (long k = 0; k <= 38; k++) {
		collect(&local, k, 0, base + k);
		collect(&child, k, 100, base + k);
	}
	time_t after = now - 30, before = now - 20;

	struct mxp_exporter_options opt = {.manual = 1};
	struct mxp_exporter *e = mxp_exporter_start(store, argv[1], &opt);
	if (e == NULL)
		die("mxp_exporter_start");

	/* the oracle first: the same window through the seed-like baseline */
	for (size_t i = 0; i < mxp_exporter_instances(e); i++) {
		struct mxp_baseline bl;
		struct mxp_buf out = {0};
		if (mxp_baseline_init(&bl, store, mxp_exporter_settings(e, i)) != 0 ||
		    mxp_baseline_export(&bl, after, before, &out) < 0)
			die("baseline");
		mxp_baseline_fini(&bl);
		char path[4096];
		snprintf(path, sizeof(path), "%s/%zu.expected", argv[2], i);
		FILE *f = fopen(path, "w");
		if (f == NULL || fwrite(out.data, 1, out.len, f) != out.len || fclose(f) != 0)
			die(path);
		snprintf(path, sizeof(path), "%s/%zu.name", argv[2], i);
		f = fopen(path, "w");
		if (f == NULL || fprintf(f, "%s\n", mxp_exporter_instance_name(e, i)) < 0 || fclose(f) != 0)
			die(path);
		mxp_buf_free(&out);
	}

	long n = mxp_exporter_export(e, after, before);
	if (n < 0) {
		errno = (int)-n;
		die("mxp_exporter_export");
	}
	/* wait for the sender to write everything exported (or time out: then the
	 * counters say what is missing) */
	size_t ni = mxp_exporter_instances(e);
	struct mxp_send_counters c[64];
	char names[64][128];
	/* EXPORT_KNOWN_WAIT_MS: how long to wait (10 s; tests of refused connections wait
	 * less, and count what is left as lost) */
	const char *w = getenv("EXPORT_KNOWN_WAIT_MS");
	long wait_ms = w != NULL && atol(w) > 0 ? atol(w) : 10000;
	if (mxp_exporter_flush(e, wait_ms) != 0)
		fprintf(stderr, "export_known: the sender did not finish within %ld ms\n", wait_ms);
	for (size_t i = 0; i < ni && i < 64; i++)
		mxp_exporter_counters(e, i, &c[i]);
	for (size_t i = 0; i < ni && i < 64; i++)
		snprintf(names[i], sizeof(names[i]), "%s", mxp_exporter_instance_name(e, i));
	const char *io = mxp_exporter_io_name(e);
	mxp_exporter_stop(e, wait_ms < 5000 ? 0 : 5000);

	int rc = 0;
	for (size_t i = 0; i < ni && i < 64; i++) {
		printf("%s produced %llu delivered %llu lost %llu failures %llu io %s\n", names[i],
		       (unsigned long long)c[i].produced, (unsigned long long)c[i].delivered,
		       (unsigned long long)c[i].lost, (unsigned long long)c[i].failures, io);
		if (c[i].delivered != c[i].produced || c[i].produced == 0)
			rc = 1;
	}
	mxp_store_free(store);
	return rc;
}
