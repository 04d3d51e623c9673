/* test_channel.c — the recycling two-thread channel: every object is in exactly one
 * place at any time (counted by a census after every step), acquire gives NULL when all
 * objects are out and works again after a release, FIFO through `full`, indices that
 * wrap past UINT_MAX, and the waiting calls (stop flag, drain, wake-up across threads). */
#include <ck_pr.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ring/channel.h"

#define MAX_OBJECTS 64u

static struct mxp_channel *channel_new(unsigned int objects, size_t object_size, unsigned int ring_slots)
{
	struct mxp_channel *ch = aligned_alloc(alignof(struct mxp_channel), sizeof(*ch));
	cr_assert_not_null(ch);
	cr_assert_eq(mxp_channel_init(ch, objects, object_size, ring_slots), 0);
	return ch;
}

static void channel_delete(struct mxp_channel *ch)
{
	mxp_channel_free(ch);
	free(ch);
}

static unsigned int index_of(struct mxp_channel *ch, void *obj)
{
	for (unsigned int i = 0; i < ch->objects; i++)
		if (mxp_channel_object(ch, i) == obj)
			return i;
	cr_assert_fail("%p is not an object of the pool", obj);
	return UINT_MAX;
}

/* Where each object is, as the test sees it: the rings are drained into the census (in
 * order) and pushed back, so the channel is left exactly as it was. Each object must be
 * found exactly once across `empty`, `full` and the two threads' hands. */
static void census(struct mxp_channel *ch, void *const *producer_held, unsigned int np,
		   void *const *consumer_held, unsigned int nc)
{
	unsigned int seen[MAX_OBJECTS] = {0};
	void *in_full[MAX_OBJECTS], *in_empty[MAX_OBJECTS];
	unsigned int nfull = 0, nempty = 0;
	void *obj;

	cr_assert_leq(ch->objects, MAX_OBJECTS);
	unsigned int full_count = mxp_channel_full_count(ch), empty_count = mxp_channel_empty_count(ch);
	while (mxp_spsc_ring_pop_spsc(&ch->full, &obj))
		in_full[nfull++] = obj;
	while (mxp_spsc_ring_pop_spsc(&ch->empty, &obj))
		in_empty[nempty++] = obj;
	cr_assert_eq(nfull, full_count, "full_count says what the ring holds");
	cr_assert_eq(nempty, empty_count, "empty_count says what the ring holds");

	for (unsigned int i = 0; i < nfull; i++)
		seen[index_of(ch, in_full[i])]++;
	for (unsigned int i = 0; i < nempty; i++)
		seen[index_of(ch, in_empty[i])]++;
	for (unsigned int i = 0; i < np; i++)
		seen[index_of(ch, producer_held[i])]++;
	for (unsigned int i = 0; i < nc; i++)
		seen[index_of(ch, consumer_held[i])]++;
	cr_assert_eq(nfull + nempty + np + nc, ch->objects, "empty %u + full %u + producer %u + consumer %u",
		     nempty, nfull, np, nc);
	for (unsigned int i = 0; i < ch->objects; i++)
		cr_assert_eq(seen[i], 1, "object %u is in %u places", i, seen[i]);

	for (unsigned int i = 0; i < nfull; i++)
		cr_assert(mxp_spsc_ring_push_spsc(&ch->full, in_full[i]));
	for (unsigned int i = 0; i < nempty; i++)
		cr_assert(mxp_spsc_ring_push_spsc(&ch->empty, in_empty[i]));
}

/* Moves every index of a ring to `at` (- what it holds), keeping its contents and their
 * order: a hand-built state as if 2^32 - ... operations had gone by. No thread running. */
static void rebase(struct mxp_spsc_ring *r, unsigned int at)
{
	void *held[MAX_OBJECTS + 1], *obj;
	unsigned int n = 0;

	while (mxp_spsc_ring_pop_spsc(r, &obj))
		held[n++] = obj;
	r->ring.c_head = r->ring.p_tail = r->ring.p_head = at - n;
	for (unsigned int i = 0; i < n; i++)
		cr_assert(mxp_spsc_ring_push_spsc(r, held[i]));
}

Test(channel, init_rejects_bad_arguments)
{
	struct mxp_channel *ch = aligned_alloc(alignof(struct mxp_channel), sizeof(*ch));
	cr_assert_not_null(ch);
	cr_assert_eq(mxp_channel_init(ch, 0, 16, 0), -EINVAL, "no objects");
	cr_assert_eq(mxp_channel_init(ch, 4, 0, 0), -EINVAL, "empty objects");
	cr_assert_eq(mxp_channel_init(ch, 4, 16, 4), -EINVAL, "4 slots hold 3 objects, not 4");
	cr_assert_eq(mxp_channel_init(ch, 4, 16, 6), -EINVAL, "not a power of two");
	cr_assert_eq(mxp_channel_init(ch, 4, SIZE_MAX / 2, 0), -EINVAL, "pool size overflows");
	cr_assert_null(ch->pool, "nothing allocated on error");
	mxp_channel_free(ch); /* safe after a failed init */
	free(ch);
}

Test(channel, ring_slots_default_to_the_smallest_that_hold_every_object)
{
	unsigned int objects[] = {1, 2, 3, 4, 7, 8, 33};
	unsigned int slots[] = {2, 4, 4, 8, 8, 16, 64};
	for (size_t k = 0; k < sizeof(objects) / sizeof(objects[0]); k++) {
		struct mxp_channel *ch = channel_new(objects[k], 8, 0);
		cr_assert_eq(ck_ring_capacity(&ch->full.ring), slots[k], "%u objects", objects[k]);
		cr_assert_eq(ck_ring_capacity(&ch->empty.ring), slots[k]);
		cr_assert_eq(mxp_channel_empty_count(ch), objects[k]);
		channel_delete(ch);
	}
}

Test(channel, objects_start_empty_zeroed_aligned_and_apart)
{
	const size_t size = 100;
	struct mxp_channel *ch = channel_new(5, size, 0);

	cr_assert_eq(mxp_channel_empty_count(ch), 5);
	cr_assert_eq(mxp_channel_full_count(ch), 0);
	census(ch, NULL, 0, NULL, 0);
	for (unsigned int i = 0; i < 5; i++) {
		unsigned char *o = mxp_channel_object(ch, i);
		cr_assert_eq((uintptr_t)o % CK_MD_CACHELINE, 0);
		for (size_t b = 0; b < size; b++)
			cr_assert_eq(o[b], 0);
		memset(o, 0xff, size); /* the whole object is ours to write (ASan checks) */
		if (i > 0)
			cr_assert_geq((size_t)(o - (unsigned char *)mxp_channel_object(ch, i - 1)), 128,
				      "100 bytes round up to two lines");
	}
	cr_assert_null(mxp_channel_object(ch, 5));
	channel_delete(ch);
}

Test(channel, acquire_is_null_when_all_objects_are_out_and_release_gives_them_back)
{
	const unsigned int n = 4;
	struct mxp_channel *ch = channel_new(n, 32, 0);
	void *held[4], *got[4];

	for (unsigned int i = 0; i < n; i++) {
		held[i] = mxp_channel_acquire_spsc(ch);
		cr_assert_not_null(held[i]);
		census(ch, held, i + 1, NULL, 0);
	}
	cr_assert_null(mxp_channel_acquire_spsc(ch), "all held by the producer");

	for (unsigned int i = 0; i < n; i++)
		mxp_channel_publish_spsc(ch, held[i]);
	census(ch, NULL, 0, NULL, 0);
	cr_assert_null(mxp_channel_acquire_spsc(ch), "all published, none received: backpressure");
	cr_assert_eq(mxp_channel_full_count(ch), n, "... and nothing lost");

	for (unsigned int i = 0; i < n; i++) {
		got[i] = mxp_channel_receive_spsc(ch);
		cr_assert_eq(got[i], held[i], "received in publish order");
	}
	cr_assert_null(mxp_channel_receive_spsc(ch));
	cr_assert_null(mxp_channel_acquire_spsc(ch), "all held by the consumer");
	census(ch, NULL, 0, got, n);

	mxp_channel_release_spsc(ch, got[2]);
	void *again = mxp_channel_acquire_spsc(ch);
	cr_assert_eq(again, got[2], "a released object is available again");
	cr_assert_null(mxp_channel_acquire_spsc(ch));
	void *consumer_still[3] = {got[0], got[1], got[3]};
	census(ch, &again, 1, consumer_still, 3);

	for (unsigned int i = 0; i < 3; i++)
		mxp_channel_release_spsc(ch, consumer_still[i]);
	mxp_channel_publish_spsc(ch, again);
	cr_assert_eq(mxp_channel_receive_spsc(ch), again);
	mxp_channel_release_spsc(ch, again);
	census(ch, NULL, 0, NULL, 0);
	channel_delete(ch);
}

/* A deterministic random walk of the four operations, with the census after every step
 * and the payload checked at every hop; then the same from indices near UINT_MAX. */
static void random_walk(struct mxp_channel *ch, unsigned int steps, uint32_t seed)
{
	void *p_held[MAX_OBJECTS], *c_held[MAX_OBJECTS];
	unsigned int np = 0, nc = 0;
	uint64_t next_seq = 0, expect_seq = 0;
	uint32_t x = seed;

	for (unsigned int step = 0; step < steps; step++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		switch (x % 4) {
		case 0: { /* producer takes one */
			void *o = mxp_channel_acquire_spsc(ch);
			cr_assert_eq(o == NULL, np + nc + mxp_channel_full_count(ch) == ch->objects,
				     "step %u: NULL exactly when no object is in `empty`", step);
			if (o != NULL)
				p_held[np++] = o;
			break;
		}
		case 1: /* producer fills and publishes its oldest */
			if (np > 0) {
				uint64_t *o = p_held[0];
				o[0] = next_seq++;
				o[1] = ~o[0];
				mxp_channel_publish_spsc(ch, o);
				memmove(p_held, p_held + 1, --np * sizeof(p_held[0]));
			}
			break;
		case 2: { /* consumer receives */
			uint64_t *o = mxp_channel_receive_spsc(ch);
			cr_assert_eq(o == NULL, next_seq == expect_seq, "step %u", step);
			if (o != NULL) {
				cr_assert_eq(o[0], expect_seq++, "step %u: FIFO", step);
				cr_assert_eq(o[1], ~o[0]);
				c_held[nc++] = o;
			}
			break;
		}
		default: /* consumer releases its newest */
			if (nc > 0)
				mxp_channel_release_spsc(ch, c_held[--nc]);
			break;
		}
		census(ch, p_held, np, c_held, nc);
	}
	cr_assert_gt(expect_seq, steps / 16, "the walk moved objects through");
}

Test(channel, every_object_is_in_exactly_one_place_at_every_step)
{
	struct mxp_channel *ch = channel_new(6, 16, 0);
	random_walk(ch, 5000, 0x9e3779b9u);
	channel_delete(ch);
}

Test(channel, every_object_is_in_exactly_one_place_across_the_index_wrap)
{
	for (unsigned int k = 0; k < 24; k++) {
		struct mxp_channel *ch = channel_new(6, 16, k % 2 ? 0 : 32);
		rebase(&ch->empty, UINT_MAX - k);
		rebase(&ch->full, UINT_MAX - 2 * k);
		random_walk(ch, 400, 0x85ebca6bu + k);
		cr_assert_lt(ch->empty.ring.c_head, 1u << 20, "k=%u: `empty` indices wrapped", k);
		cr_assert_lt(ch->full.ring.c_head, 1u << 20, "k=%u: `full` indices wrapped", k);
		channel_delete(ch);
	}
}

Test(channel, wait_returns_an_object_even_when_stopped_and_null_only_when_none)
{
	struct mxp_channel *ch = channel_new(2, 8, 0);
	int stop = 1;

	void *a = mxp_channel_acquire_wait_spsc(ch, &stop);
	void *b = mxp_channel_acquire_wait_spsc(ch, &stop);
	cr_assert(a != NULL && b != NULL && a != b, "stop does not refuse what is there");
	cr_assert_null(mxp_channel_acquire_wait_spsc(ch, &stop), "none left and stopped");
	cr_assert_null(mxp_channel_receive_wait_spsc(ch, &stop), "nothing published and stopped");
	cr_assert_null(mxp_channel_receive_sleep_spsc(ch, &stop), "nor when sleeping at once");
	mxp_channel_publish_spsc(ch, a);
	mxp_channel_publish_spsc(ch, b);
	cr_assert_eq(mxp_channel_receive_wait_spsc(ch, &stop), a, "a stopped consumer still drains");
	cr_assert_eq(mxp_channel_receive_sleep_spsc(ch, &stop), b, "nor when sleeping at once");
	cr_assert_null(mxp_channel_receive_wait_spsc(ch, &stop));
	mxp_channel_release_spsc(ch, a);
	mxp_channel_release_spsc(ch, b);
	census(ch, NULL, 0, NULL, 0);
	channel_delete(ch);
}

/* Two threads through the waiting calls: the producer sends MESSAGES numbered objects
 * then sets the stop flag as channel.h says; the consumer receives until NULL and must
 * have had every one, in order — a drain with no loss, with the producer stalled by
 * backpressure (3 objects) most of the time and the consumer sleeping some of it. */
#define WAIT_MESSAGES 20000u

struct wait_pair {
	struct mxp_channel *ch;
	int producer_done;
	int never;
	uint64_t received;
	bool out_of_order;
	bool sleep_at_once;     /* the consumer uses mxp_channel_receive_sleep_spsc */
};

static void *wait_consumer(void *arg)
{
	struct wait_pair *w = arg;
	uint64_t *o;

	while ((o = w->sleep_at_once ? mxp_channel_receive_sleep_spsc(w->ch, &w->producer_done)
				     : mxp_channel_receive_wait_spsc(w->ch, &w->producer_done)) != NULL) {
		if (o[0] != w->received || o[1] != o[0] * 3)
			w->out_of_order = true;
		w->received++;
		if (w->received % 4096 == 0) { /* let the producer find no empty object */
			struct timespec ts = {.tv_sec = 0, .tv_nsec = 2000000};
			nanosleep(&ts, NULL);
		}
		mxp_channel_release_spsc(w->ch, o);
	}
	return NULL;
}

static void drain_through_waits(bool sleep_at_once)
{
	struct wait_pair w = {.ch = channel_new(3, 16, 0), .sleep_at_once = sleep_at_once};
	pthread_t consumer;

	cr_assert_eq(pthread_create(&consumer, NULL, wait_consumer, &w), 0);
	/* the consumer starts with nothing to receive: it must wait, then wake up */
	struct timespec ts = {.tv_sec = 0, .tv_nsec = 20000000};
	nanosleep(&ts, NULL);
	for (uint64_t i = 0; i < WAIT_MESSAGES; i++) {
		uint64_t *o = mxp_channel_acquire_wait_spsc(w.ch, &w.never);
		cr_assert_not_null(o);
		o[0] = i;
		o[1] = i * 3;
		mxp_channel_publish_spsc(w.ch, o);
	}
	ck_pr_fence_store(); /* the last publish before the flag that ends the drain */
	ck_pr_store_int(&w.producer_done, 1);
	cr_assert_eq(pthread_join(consumer, NULL), 0);

	cr_assert_eq(w.received, WAIT_MESSAGES);
	cr_assert_not(w.out_of_order);
	census(w.ch, NULL, 0, NULL, 0);
	channel_delete(w.ch);
}

Test(channel, waiting_threads_drain_everything_in_order)
{
	drain_through_waits(false);
}

/* The same with a consumer that sleeps at once each time it finds nothing: every wake
 * must come from the producer's ring (the sleep's timeout is 10 s, the test's whole
 * run well under it). */
Test(channel, a_consumer_that_sleeps_at_once_drains_everything_in_order)
{
	drain_through_waits(true);
}

Test(channel, set_batch_takes_wants_from_one_to_the_objects_and_only_with_own_bells)
{
	struct mxp_channel *ch = channel_new(8, 8, 0);
	cr_assert_eq(mxp_channel_set_batch(ch, 0, 1), -EINVAL);
	cr_assert_eq(mxp_channel_set_batch(ch, 1, 0), -EINVAL);
	cr_assert_eq(mxp_channel_set_batch(ch, 9, 1), -EINVAL);
	cr_assert_eq(mxp_channel_set_batch(ch, 1, 9), -EINVAL);
	cr_assert_eq(mxp_channel_set_batch(ch, 8, 4), 0);
	cr_assert_eq(ch->full_want, 8);
	cr_assert_eq(ch->empty_want, 4);
	struct mxp_doorbell shared = {0};
	mxp_channel_set_full_bell(ch, &shared);
	cr_assert_eq(mxp_channel_set_batch(ch, 2, 2), -EINVAL, "a shared bell has one want for several channels");
	channel_delete(ch);
}

/* A consumer that waits for a batch of 4: three publishes leave it asleep, the fourth
 * wakes it, and a flush wakes it for one. Each wake must come from a ring: the sleep's
 * own bound is 10 s, and the test gives each wake 5 s. */
struct batch_consumer {
	struct mxp_channel *ch;
	int stop;
	unsigned received;      /* ck_pr: read by the test thread */
};

static void *batch_consume(void *arg)
{
	struct batch_consumer *c = arg;
	void *o;
	while ((o = mxp_channel_receive_wait_spsc(c->ch, &c->stop)) != NULL) {
		ck_pr_store_uint(&c->received, ck_pr_load_uint(&c->received) + 1);
		mxp_channel_release_spsc(c->ch, o);
	}
	return NULL;
}

static bool received_within(struct batch_consumer *c, unsigned n, long ms)
{
	for (long t = 0; t < ms; t += 1) {
		if (ck_pr_load_uint(&c->received) >= n)
			return true;
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	}
	return ck_pr_load_uint(&c->received) >= n;
}

Test(channel, a_batch_consumer_sleeps_until_its_want_or_a_flush)
{
	struct batch_consumer c = {.ch = channel_new(8, 8, 0)};
	cr_assert_eq(mxp_channel_set_batch(c.ch, 4, 1), 0);
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, batch_consume, &c), 0);
	nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL); /* let it fall asleep */

	for (int i = 0; i < 3; i++)
		mxp_channel_publish_spsc(c.ch, mxp_channel_acquire_spsc(c.ch));
	/* a consumer woken by the first publish would have taken it in this time */
	cr_assert_not(received_within(&c, 1, 100), "woken before its batch of 4");
	mxp_channel_publish_spsc(c.ch, mxp_channel_acquire_spsc(c.ch));
	cr_assert(received_within(&c, 4, 5000), "the fourth publish wakes it (got %u)", c.received);

	/* asleep again, for 4 more: one flushed object is enough */
	nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
	void *o = mxp_channel_acquire_wait_spsc(c.ch, &c.stop);
	cr_assert_not_null(o);
	mxp_channel_publish_flush_spsc(c.ch, o);
	cr_assert(received_within(&c, 5, 5000), "a flush wakes it for one (got %u)", c.received);

	ck_pr_store_int(&c.stop, 1);
	mxp_doorbell_ring(c.ch->full_bell);
	cr_assert_eq(pthread_join(t, NULL), 0);
	census(c.ch, NULL, 0, NULL, 0);
	channel_delete(c.ch);
}

/* A producer that waits for a batch of 4 free objects: with all 8 out and the consumer
 * giving one back every 10 ms, its acquire returns only once 4 are back (it takes one:
 * at least 3 remain). */
struct slow_releaser {
	struct mxp_channel *ch;
	void *held[8];
	unsigned n;
};

static void *release_slowly(void *arg)
{
	struct slow_releaser *r = arg;
	for (unsigned i = 0; i < r->n; i++) {
		nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
		mxp_channel_release_spsc(r->ch, r->held[i]);
	}
	return NULL;
}

Test(channel, a_batch_producer_sleeps_until_its_want_is_released)
{
	struct slow_releaser r = {.ch = channel_new(8, 8, 0), .n = 8};
	int never = 0;
	cr_assert_eq(mxp_channel_set_batch(r.ch, 1, 4), 0);
	for (unsigned i = 0; i < 8; i++)
		mxp_channel_publish_spsc(r.ch, mxp_channel_acquire_spsc(r.ch));
	for (unsigned i = 0; i < 8; i++)
		r.held[i] = mxp_channel_receive_spsc(r.ch);
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, release_slowly, &r), 0);
	void *o = mxp_channel_acquire_wait_spsc(r.ch, &never);
	cr_assert_not_null(o);
	cr_assert_geq(mxp_channel_empty_count(r.ch), 3, "woken before 4 were back (%u left after its take)",
		      mxp_channel_empty_count(r.ch));
	cr_assert_eq(pthread_join(t, NULL), 0);
	census(r.ch, &o, 1, NULL, 0);
	channel_delete(r.ch);
}

/* The drain above with both sides waiting in batches (2 of 3 objects each way) and the
 * producer flushing every 1,000th message and its last: nothing lost, in order, and no
 * side left asleep (a lost wake would show as a 10 s stall of the test). */
Test(channel, batch_waits_drain_everything_in_order)
{
	struct wait_pair w = {.ch = channel_new(3, 16, 0)};
	cr_assert_eq(mxp_channel_set_batch(w.ch, 2, 2), 0);
	pthread_t consumer;
	cr_assert_eq(pthread_create(&consumer, NULL, wait_consumer, &w), 0);
	nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
	for (uint64_t i = 0; i < WAIT_MESSAGES; i++) {
		uint64_t *o = mxp_channel_acquire_wait_spsc(w.ch, &w.never);
		cr_assert_not_null(o);
		o[0] = i;
		o[1] = i * 3;
		if (i % 1000 == 999 || i + 1 == WAIT_MESSAGES)
			mxp_channel_publish_flush_spsc(w.ch, o);
		else
			mxp_channel_publish_spsc(w.ch, o);
	}
	ck_pr_fence_store();
	ck_pr_store_int(&w.producer_done, 1);
	/* a consumer that waits for a batch sleeps at once: the stop rings it (as the
	 * pipeline's stop does every bell) */
	mxp_doorbell_ring(w.ch->full_bell);
	cr_assert_eq(pthread_join(consumer, NULL), 0);
	cr_assert_eq(w.received, WAIT_MESSAGES);
	cr_assert_not(w.out_of_order);
	census(w.ch, NULL, 0, NULL, 0);
	channel_delete(w.ch);
}
