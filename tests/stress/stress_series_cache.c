/* stress_series_cache.c — the series cache (collect/series_cache.h) as the store and a
 * formatter use it: a writer takes serials (publishing new chunks) and gives serials
 * back while a reader uses the entries of the serials it was handed.
 *
 * Rounds of a batch: the writer takes BATCH serials (given-back ones first, then new
 * ones, past chunk boundaries) and publishes them with a release store of the batch's
 * count, as mxp_dim_add publishes a dim; the reader, as a formatter, finds each serial's
 * entry in its slot, which must be empty (a reused serial's entry was cleared), stores a
 * malloc'd block naming the serial there, and publishes that it is done (the ack that
 * ends the collector's epoch section); the writer then gives back every other serial of
 * the batch, which frees the reader's blocks (as dim_free after the grace period). Past
 * 300,000 serials (11 chunks) the cache starts over. Under TSan (tests/tsan's ck_pr), a chunk or
 * an entry handed over without its ordering is a reported race; anywhere, a wrong or
 * missing entry is a failure, and ASan catches a block freed twice or never.
 *
 *   stress_series_cache [--seconds S]     (default 3)
 *
 * Prints serials per second. Exits 0 when every check held, 1 otherwise, 2 on bad
 * arguments or a setup failure.
 */
#include <ck_pr.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collect/series_cache.h"

#define BATCH 4096u
#define SLOT 2u
#define RESTART_AT 300000u /* chunks 0..10 */

static struct mxp_series_cache cache;
static uint32_t batch[BATCH];    /* writer -> reader: the round's serials */
static unsigned published;       /* ck_pr: the round whose serials are in batch */
static unsigned done;            /* ck_pr: the last round the reader finished */
static int stop;                 /* ck_pr: main -> both */
static int failed;               /* ck_pr */

static void fail(const char *what, uint32_t serial)
{
	fprintf(stderr, "stress_series_cache: %s (serial %u)\n", what, serial);
	ck_pr_store_int(&failed, 1);
	ck_pr_store_int(&stop, 1);
}

static void *reader(void *arg)
{
	(void)arg;
	for (unsigned round = 1;; round++) {
		while (ck_pr_load_uint(&published) < round)
			if (ck_pr_load_int(&stop))
				return NULL;
		ck_pr_fence_load(); /* the batch and its chunks after the count */
		for (unsigned i = 0; i < BATCH; i++) {
			void **e = mxp_series_cache_entry(cache.dir, SLOT, batch[i]);
			if (*e != NULL) {
				fail("an entry set before its serial was handed out", batch[i]);
				return NULL;
			}
			uint32_t *mark = malloc(sizeof(*mark));
			if (mark == NULL) {
				fail("out of memory", batch[i]);
				return NULL;
			}
			*mark = batch[i];
			*e = mark;
		}
		ck_pr_fence_store(); /* the entries before the ack */
		ck_pr_store_uint(&done, round);
	}
}

/* One round's writer side; 0, or -1 on a failed check. */
static int writer_round(unsigned round, uint64_t *serials)
{
	for (unsigned i = 0; i < BATCH; i++)
		if (mxp_series_cache_serial_take(&cache, &batch[i]) != 0) {
			fail("serial_take failed", 0);
			return -1;
		}
	*serials += BATCH;
	ck_pr_fence_store();
	ck_pr_store_uint(&published, round);
	while (ck_pr_load_uint(&done) < round)
		if (ck_pr_load_int(&stop))
			return -1;
	ck_pr_fence_load();
	for (unsigned i = 0; i < BATCH; i++) {
		const uint32_t *mark = *mxp_series_cache_entry(cache.dir, SLOT, batch[i]);
		if (mark == NULL || *mark != batch[i]) {
			fail("the reader's entry lost or misplaced", batch[i]);
			return -1;
		}
	}
	for (unsigned i = 0; i < BATCH; i += 2)
		mxp_series_cache_serial_give_back(&cache, batch[i]);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned seconds = 3;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0) {
			seconds = (unsigned)atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: stress_series_cache [--seconds S]\n");
			return 2;
		}
	}
	uint64_t serials = 0, restarts = 0;
	const time_t end = time(NULL) + seconds;
	while (time(NULL) < end && !ck_pr_load_int(&failed)) {
		mxp_series_cache_init(&cache);
		ck_pr_store_uint(&published, 0);
		ck_pr_store_uint(&done, 0);
		ck_pr_store_int(&stop, 0);
		pthread_t r;
		if (pthread_create(&r, NULL, reader, NULL) != 0)
			return 2;
		for (unsigned round = 1; cache.next < RESTART_AT && time(NULL) < end; round++)
			if (writer_round(round, &serials) != 0)
				break;
		ck_pr_store_int(&stop, 1);
		pthread_join(r, NULL);
		mxp_series_cache_destroy(&cache); /* frees the blocks of serials still out */
		restarts++;
	}
	printf("stress_series_cache: %.0f serials/s, %llu caches, %s\n", (double)serials / seconds,
	       (unsigned long long)restarts, ck_pr_load_int(&failed) ? "FAILED" : "ok");
	return ck_pr_load_int(&failed) ? 1 : 0;
}
