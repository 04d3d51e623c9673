/* stress_ring.c — mxp_channel under load: a chain of threads like the pipeline's
 * collector -> formatter -> sender, with the sequence and checksum checked on every hop.
 *
 * S stages are S channels joining S + 1 threads. Thread 0 (the source) acquires an
 * object from channel 0, writes the next sequence number, its own hop number, a payload
 * derived from the sequence and a checksum of all that, and publishes it. Thread i
 * (0 < i < S) receives from channel i - 1, checks that the sequence number is exactly
 * the previous one + 1, that the hop is i - 1 and that the checksum matches, copies the
 * message into an object of channel i with hop i and a fresh checksum, releases the
 * one it received and publishes the new one. Thread S (the sink) checks and releases.
 * Each channel has its own pool, so every hop writes objects that the previous hop's
 * consumer is, per the contract, done with: a broken hand-over shows as a torn or
 * repeated or skipped message.
 *
 * After T seconds the source stops and sets its `done` flag; each stage drains its
 * input (mxp_channel_receive_wait_spsc with the upstream flag) and sets its own, so
 * every message produced reaches the sink. Then, with all threads joined, every channel
 * must hold all its objects in `empty`, each exactly once.
 *
 *   stress_ring [--stages S] [--objects N] [--ring R] [--seconds T] [--wrap]
 *       defaults: 1 stage, 64 objects, ring slots 0 (= the smallest power of two > N),
 *       3 s. --wrap starts the indices of every ring 1000 operations before UINT_MAX
 *       wraps, so the wrap happens under load.
 *
 * Prints messages per second (at the sink) and per-hop counts. Exits 0 when all checks
 * passed and every hop made progress; 1 on any mismatch, a lost or extra message, a
 * misplaced object, or a stall (no message reached the sink for MXP_STRESS_STALL_S
 * seconds while the source ran, or the drain took longer than that); 2 on bad arguments
 * or a setup failure.
 */
#include <ck_pr.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ring/channel.h"

#define MXP_STRESS_PAYLOAD 5			/* uint64_t words per message besides seq and sum */
#define MXP_STRESS_STALL_S 5			/* seconds without a message at the sink = stalled */
#define MXP_STRESS_WRAP_AHEAD 1000u		/* --wrap: producer indices this far before the wrap */
#define MXP_STRESS_MIX UINT64_C(0x9e3779b97f4a7c15)

#define MXP_STRESS_OK 0
#define MXP_STRESS_FAIL 1
#define MXP_STRESS_SETUP 2

struct msg {
	uint64_t seq;
	uint64_t hop;				/* the stage that wrote this copy */
	uint64_t payload[MXP_STRESS_PAYLOAD];
	uint64_t sum;
};

/* One per thread. `count` is read by main while the thread runs (ck_pr), the rest after
 * join. Aligned so that two threads' counters never share a line. */
struct stage {
	alignas(CK_MD_CACHELINE) pthread_t thread;
	unsigned int index;
	struct mxp_channel *in;			/* NULL for the source */
	struct mxp_channel *out;		/* NULL for the sink */
	const int *upstream_done;		/* the previous stage's `done` */
	uint64_t count;				/* messages handled, ck_pr_store_64'd */
	int done;				/* set after this stage's last publish */
	uint64_t mismatches;
	uint64_t first_bad_seq, first_bad_want;
};

static int opt_stages = 1;
static unsigned int opt_objects = 64, opt_ring = 0, opt_seconds = 3;
static bool opt_wrap;

static int stop;	/* main -> source: stop producing */
static int abort_run;	/* main -> all: a stall, give up without draining */

/* After main sets stop or abort_run: wakes every waiter (as every stop in mxp rings
 * both bells of its channels), so none sleeps to the 10 s bound. */
static void ring_all(struct mxp_channel *ch, int n)
{
	for (int i = 0; i < n; i++) {
		mxp_doorbell_ring(ch[i].full_bell);
		mxp_doorbell_ring(ch[i].empty_bell);
	}
}

static uint64_t checksum(const struct msg *m)
{
	uint64_t h = m->seq * MXP_STRESS_MIX ^ (m->hop + 1);
	for (unsigned int i = 0; i < MXP_STRESS_PAYLOAD; i++)
		h = (h ^ m->payload[i]) * MXP_STRESS_MIX + i;
	return h;
}

static void stage_fail(struct stage *s, uint64_t seq, uint64_t want)
{
	if (s->mismatches++ == 0) {
		s->first_bad_seq = seq;
		s->first_bad_want = want;
	}
}

static void *source_main(void *arg)
{
	struct stage *s = arg;
	uint64_t seq = 0;
	struct msg *m;

	/* acquire_wait gives an object while there is one, stop or not: the loop ends on
	 * NULL or after the first publish that follows the stop */
	while ((m = mxp_channel_acquire_wait_spsc(s->out, &stop)) != NULL) {
		seq++;
		m->seq = seq;
		m->hop = s->index;
		for (unsigned int i = 0; i < MXP_STRESS_PAYLOAD; i++)
			m->payload[i] = (seq + i) * MXP_STRESS_MIX;
		m->sum = checksum(m);
		mxp_channel_publish_spsc(s->out, m);
		ck_pr_store_64(&s->count, seq);
		if (ck_pr_load_int(&stop) != 0)
			break;
	}
	ck_pr_fence_store(); /* the last publish before `done`, which ends the drain downstream */
	ck_pr_store_int(&s->done, 1);
	/* as every stop in mxp does: a consumer asleep on the bell sees `done` now, not
	 * at the sleep's bound (MXP_CHANNEL_SLEEP_MAX_NS, 10 s: past the drain's 5) */
	mxp_doorbell_ring(s->out->full_bell);
	return NULL;
}

/* A middle stage (out != NULL) or the sink (out == NULL). */
static void *hop_main(void *arg)
{
	struct stage *s = arg;
	uint64_t n = 0;
	struct msg *m;

	while ((m = mxp_channel_receive_wait_spsc(s->in, s->upstream_done)) != NULL) {
		if (m->seq != n + 1)
			stage_fail(s, m->seq, n + 1);
		n = m->seq;
		bool intact = m->hop == s->index - 1 && m->sum == checksum(m);
		for (unsigned int i = 0; i < MXP_STRESS_PAYLOAD; i++)
			intact = intact && m->payload[i] == (m->seq + i) * MXP_STRESS_MIX;
		if (!intact)
			stage_fail(s, m->seq, m->seq);

		if (s->out != NULL) {
			struct msg *o = mxp_channel_acquire_wait_spsc(s->out, &abort_run);
			if (o == NULL) {
				mxp_channel_release_spsc(s->in, m);
				break;
			}
			*o = *m;
			o->hop = s->index;
			o->sum = checksum(o);
			mxp_channel_release_spsc(s->in, m);
			mxp_channel_publish_spsc(s->out, o);
		} else {
			mxp_channel_release_spsc(s->in, m);
		}
		ck_pr_store_64(&s->count, n);
	}
	ck_pr_fence_store(); /* the last publish before `done`, which ends the drain downstream */
	ck_pr_store_int(&s->done, 1);
	if (s->out != NULL)
		mxp_doorbell_ring(s->out->full_bell);
	return NULL;
}

/* Moves every index of a ring (no thread running) so that its producer index is
 * MXP_STRESS_WRAP_AHEAD pushes before UINT_MAX wraps, keeping its contents in order. */
static int rebase_near_wrap(struct mxp_spsc_ring *r, unsigned int objects)
{
	void **held = calloc(objects + 1, sizeof(*held)), *obj;
	unsigned int n = 0;

	if (held == NULL)
		return -ENOMEM;
	while (n <= objects && mxp_spsc_ring_pop_spsc(r, &obj))
		held[n++] = obj;
	unsigned int start = 0u - MXP_STRESS_WRAP_AHEAD - n;
	r->ring.c_head = r->ring.p_tail = r->ring.p_head = start;
	for (unsigned int i = 0; i < n; i++)
		if (!mxp_spsc_ring_push_spsc(r, held[i]))
			abort();
	free(held);
	return 0;
}

/* After join: every object of the channel in `empty`, each once, nothing in `full`. */
static bool census_ok(struct mxp_channel *ch, int k)
{
	unsigned char *seen = calloc(ch->objects, 1);
	void *obj;
	unsigned int n = 0;
	bool ok = seen != NULL;

	if (mxp_channel_full_count(ch) != 0) {
		fprintf(stderr, "channel %d: %u objects left in `full`\n", k, mxp_channel_full_count(ch));
		ok = false;
	}
	while (seen != NULL && mxp_spsc_ring_pop_spsc(&ch->empty, &obj)) {
		size_t off = (size_t)((char *)obj - ch->pool);
		if ((char *)obj < ch->pool || off % ch->stride != 0 || off / ch->stride >= ch->objects ||
		    seen[off / ch->stride]++ != 0) {
			fprintf(stderr, "channel %d: a foreign or repeated object in `empty`\n", k);
			ok = false;
		}
		n++;
	}
	if (n != ch->objects) {
		fprintf(stderr, "channel %d: %u of %u objects back in `empty`\n", k, n, ch->objects);
		ok = false;
	}
	free(seen);
	return ok;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *end;
		unsigned long v = 0;

		if (strcmp(a, "--wrap") == 0) {
			opt_wrap = true;
			continue;
		}
		if (i + 1 >= argc)
			goto usage;
		errno = 0;
		v = strtoul(argv[++i], &end, 10);
		if (errno != 0 || *end != '\0' || v > INT_MAX)
			goto usage;
		if (strcmp(a, "--stages") == 0 && v >= 1 && v <= 64)
			opt_stages = (int)v;
		else if (strcmp(a, "--objects") == 0 && v >= 1)
			opt_objects = (unsigned int)v;
		else if (strcmp(a, "--ring") == 0)
			opt_ring = (unsigned int)v;
		else if (strcmp(a, "--seconds") == 0 && v >= 1)
			opt_seconds = (unsigned int)v;
		else
			goto usage;
	}
	return 0;
usage:
	fprintf(stderr, "usage: stress_ring [--stages S (1..64)] [--objects N] [--ring R (power of two > N, 0 = auto)]"
			" [--seconds T] [--wrap]\n");
	return -EINVAL;
}

int main(int argc, char **argv)
{
	int rc = MXP_STRESS_SETUP, nch = 0, started = 0;
	bool stalled = false;
	struct mxp_channel *ch = NULL;
	struct stage *st = NULL;

	if (parse_args(argc, argv) != 0)
		return MXP_STRESS_SETUP;

	ch = aligned_alloc(alignof(struct mxp_channel), (size_t)opt_stages * sizeof(*ch));
	st = aligned_alloc(alignof(struct stage), (size_t)(opt_stages + 1) * sizeof(*st));
	if (ch == NULL || st == NULL)
		goto out;
	memset(st, 0, (size_t)(opt_stages + 1) * sizeof(*st));
	for (; nch < opt_stages; nch++) {
		int e = mxp_channel_init(&ch[nch], opt_objects, sizeof(struct msg), opt_ring);
		if (e != 0) {
			fprintf(stderr, "channel %d: %s (--objects %u --ring %u)\n", nch, strerror(-e), opt_objects, opt_ring);
			goto out;
		}
		if (opt_wrap && (rebase_near_wrap(&ch[nch].empty, opt_objects) != 0 ||
				 rebase_near_wrap(&ch[nch].full, opt_objects) != 0)) {
			nch++;
			goto out;
		}
	}
	for (int i = 0; i <= opt_stages; i++) {
		st[i].index = (unsigned int)i;
		st[i].in = i > 0 ? &ch[i - 1] : NULL;
		st[i].out = i < opt_stages ? &ch[i] : NULL;
		st[i].upstream_done = i > 0 ? &st[i - 1].done : NULL;
	}

	double t0 = now_s();
	for (; started <= opt_stages; started++) {
		if (pthread_create(&st[started].thread, NULL, started == 0 ? source_main : hop_main,
				   &st[started]) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			ck_pr_store_int(&abort_run, 1);
			ck_pr_store_int(&stop, 1);
			ring_all(ch, nch);
			goto join;
		}
	}

	/* run T seconds, watching the sink */
	uint64_t sink_seen = 0;
	double sink_moved = t0;
	while (now_s() - t0 < opt_seconds) {
		struct timespec tick = {.tv_sec = 0, .tv_nsec = 100000000};
		nanosleep(&tick, NULL);
		uint64_t c = ck_pr_load_64(&st[opt_stages].count);
		if (c != sink_seen) {
			sink_seen = c;
			sink_moved = now_s();
		} else if (now_s() - sink_moved > MXP_STRESS_STALL_S) {
			fprintf(stderr, "stall: no message at the sink for %d s\n", MXP_STRESS_STALL_S);
			stalled = true;
			ck_pr_store_int(&abort_run, 1);
			ring_all(ch, nch);
			break;
		}
	}
	ck_pr_store_int(&stop, 1);
	ring_all(ch, nch);

	/* the drain must end too: a lost object leaves a stage waiting for one forever */
	double stopped_at = now_s();
	while (!stalled && ck_pr_load_int(&st[opt_stages].done) == 0) {
		struct timespec tick = {.tv_sec = 0, .tv_nsec = 10000000};
		nanosleep(&tick, NULL);
		if (now_s() - stopped_at > MXP_STRESS_STALL_S) {
			fprintf(stderr, "stall: the drain did not finish in %d s\n", MXP_STRESS_STALL_S);
			stalled = true;
			ck_pr_store_int(&abort_run, 1);
			ring_all(ch, nch);
		}
	}

join:
	for (int i = 0; i < started; i++)
		pthread_join(st[i].thread, NULL);
	if (started <= opt_stages)
		goto out;
	double elapsed = now_s() - t0;

	rc = MXP_STRESS_OK;
	uint64_t produced = st[0].count;
	printf("stress_ring: %d stage(s), %u objects, ring %u slots%s, %.2f s\n", opt_stages, opt_objects,
	       ck_ring_capacity(&ch[0].full.ring), opt_wrap ? ", indices wrapped" : "", elapsed);
	printf("  source  produced %" PRIu64 "\n", produced);
	for (int i = 1; i <= opt_stages; i++) {
		printf("  hop %-3d received %" PRIu64 " mismatches %" PRIu64 "\n", i, st[i].count, st[i].mismatches);
		if (st[i].mismatches != 0) {
			fprintf(stderr, "hop %d: %" PRIu64 " mismatches, first at seq %" PRIu64 " (expected %" PRIu64
					")\n", i, st[i].mismatches, st[i].first_bad_seq, st[i].first_bad_want);
			rc = MXP_STRESS_FAIL;
		}
		if (!stalled && st[i].count != produced) {
			fprintf(stderr, "hop %d: received %" PRIu64 " of %" PRIu64 "\n", i, st[i].count, produced);
			rc = MXP_STRESS_FAIL;
		}
	}
	if (opt_wrap)
		printf("  channel 0 producer indices now full %u, empty %u (started %u before the wrap)\n",
		       ch[0].full.ring.p_tail, ch[0].empty.ring.p_tail, MXP_STRESS_WRAP_AHEAD);
	if (produced == 0 || st[opt_stages].count == 0 || stalled) {
		fprintf(stderr, "no progress\n");
		rc = MXP_STRESS_FAIL;
	}
	for (int k = 0; k < opt_stages && !stalled; k++)
		if (!census_ok(&ch[k], k))
			rc = MXP_STRESS_FAIL;
	printf("  %.0f messages/s end to end, %.0f hand-overs/s\n", (double)st[opt_stages].count / elapsed,
	       (double)st[opt_stages].count * opt_stages / elapsed);
	printf("stress_ring: %s\n", rc == MXP_STRESS_OK ? "ok" : "FAILED");

out:
	for (int k = 0; k < nch; k++)
		mxp_channel_free(&ch[k]);
	free(ch);
	free(st);
	return rc;
}
