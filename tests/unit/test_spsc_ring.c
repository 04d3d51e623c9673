/* test_spsc_ring.c — the SPSC pointer ring: order, full/empty, the usable capacity
 * (slots - 1), hand-built states whose indices wrap past UINT_MAX, and one two-thread
 * hand-over whose payload is checked on every message. */
#include <ck_ring.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdint.h>

#include "ring/spsc_ring.h"

/* Distinct non-NULL pointers that carry their number, for order checks. */
static void *tag(uintptr_t i)
{
	return (void *)((i + 1) * 16);
}

static uintptr_t untag(void *p)
{
	return (uintptr_t)p / 16 - 1;
}

/* Sets every index of an empty ring to `at`, as if 2^32 - ... operations had gone by:
 * what ck's regressions call a hand-built wraparound state. */
static void rebase_empty(struct mxp_spsc_ring *r, unsigned int at)
{
	cr_assert_eq(mxp_spsc_ring_size(r), 0);
	r->ring.c_head = at;
	r->ring.p_tail = at;
	r->ring.p_head = at;
}

Test(spsc_ring, init_rejects_what_ck_ring_cannot_use)
{
	struct mxp_spsc_ring r = {0};
	cr_assert_eq(mxp_spsc_ring_init(&r, 0), -EINVAL);
	cr_assert_eq(mxp_spsc_ring_init(&r, 1), -EINVAL, "one slot holds nothing");
	cr_assert_eq(mxp_spsc_ring_init(&r, 3), -EINVAL);
	cr_assert_eq(mxp_spsc_ring_init(&r, 6), -EINVAL);
	cr_assert_eq(mxp_spsc_ring_init(&r, 1000), -EINVAL);
	cr_assert_eq(mxp_spsc_ring_init(&r, (1u << 31) + 1), -EINVAL);
	cr_assert_eq(mxp_spsc_ring_init(&r, UINT_MAX), -EINVAL);
	cr_assert_null(r.slots, "nothing allocated on error");
	mxp_spsc_ring_free(&r); /* safe on a ring never initialised */
}

/* Why slots == 1 is refused: ck_ring keeps one slot free, and with mask 0 the ring is
 * full and empty at once, so every enqueue fails. */
Test(spsc_ring, ck_ring_of_one_slot_holds_nothing)
{
	struct ck_ring ring;
	struct ck_ring_buffer slot[1];
	int x;

	ck_ring_init(&ring, 1);
	cr_assert_not(ck_ring_enqueue_spsc(&ring, slot, &x));
	cr_assert_eq(ck_ring_size(&ring), 0);
}

Test(spsc_ring, capacity_is_slots_minus_one)
{
	unsigned int slot_counts[] = {2, 4, 8, 64, 1024};
	for (size_t k = 0; k < sizeof(slot_counts) / sizeof(slot_counts[0]); k++) {
		struct mxp_spsc_ring r;
		unsigned int slots = slot_counts[k];
		cr_assert_eq(mxp_spsc_ring_init(&r, slots), 0);
		cr_assert_eq(mxp_spsc_ring_capacity(&r), slots - 1);
		for (unsigned int i = 0; i < slots - 1; i++) {
			cr_assert(mxp_spsc_ring_push_spsc(&r, tag(i)), "slots %u push %u", slots, i);
			cr_assert_eq(mxp_spsc_ring_size(&r), i + 1);
		}
		cr_assert_not(mxp_spsc_ring_push_spsc(&r, tag(999)), "full at slots - 1");
		cr_assert_eq(mxp_spsc_ring_size(&r), slots - 1);
		mxp_spsc_ring_free(&r);
	}
}

Test(spsc_ring, two_slots_hold_one_pointer_at_a_time)
{
	struct mxp_spsc_ring r;
	void *out = NULL;

	cr_assert_eq(mxp_spsc_ring_init(&r, 2), 0);
	cr_assert_eq(mxp_spsc_ring_capacity(&r), 1);
	for (uintptr_t i = 0; i < 1000; i++) {
		cr_assert_not(mxp_spsc_ring_pop_spsc(&r, &out));
		cr_assert(mxp_spsc_ring_push_spsc(&r, tag(i)));
		cr_assert_not(mxp_spsc_ring_push_spsc(&r, tag(i + 1)));
		cr_assert_eq(mxp_spsc_ring_size(&r), 1);
		cr_assert(mxp_spsc_ring_pop_spsc(&r, &out));
		cr_assert_eq(untag(out), i);
	}
	mxp_spsc_ring_free(&r);
}

Test(spsc_ring, fifo_full_and_empty)
{
	struct mxp_spsc_ring r;
	void *out = (void *)&r;

	cr_assert_eq(mxp_spsc_ring_init(&r, 16), 0);
	cr_assert_not(mxp_spsc_ring_pop_spsc(&r, &out), "a new ring is empty");
	cr_assert_eq(out, (void *)&r, "a failed pop leaves *out alone");

	for (uintptr_t i = 0; i < 15; i++)
		cr_assert(mxp_spsc_ring_push_spsc(&r, tag(i)));
	cr_assert_not(mxp_spsc_ring_push_spsc(&r, tag(15)));
	for (uintptr_t i = 0; i < 15; i++) {
		cr_assert(mxp_spsc_ring_pop_spsc(&r, &out));
		cr_assert_eq(untag(out), i, "pop %lu gave %lu", (unsigned long)i, (unsigned long)untag(out));
	}
	cr_assert_not(mxp_spsc_ring_pop_spsc(&r, &out));
	cr_assert_eq(mxp_spsc_ring_size(&r), 0);
	mxp_spsc_ring_free(&r);
}

/* Pushes and pops in uneven bursts, so the slot index moves round the ring many times
 * with the ring at every fill level; the popped numbers must come out 0, 1, 2, ... */
Test(spsc_ring, order_kept_across_uneven_bursts)
{
	struct mxp_spsc_ring r;
	uintptr_t next_in = 0, next_out = 0;
	void *out = NULL;

	cr_assert_eq(mxp_spsc_ring_init(&r, 8), 0);
	for (unsigned int round = 0; round < 500; round++) {
		unsigned int in = (round * 7) % 9, taken = (round * 5) % 8;
		for (unsigned int i = 0; i < in; i++) {
			bool room = mxp_spsc_ring_size(&r) < mxp_spsc_ring_capacity(&r);
			cr_assert_eq(mxp_spsc_ring_push_spsc(&r, tag(next_in)), room);
			if (room)
				next_in++;
		}
		for (unsigned int i = 0; i < taken; i++) {
			bool any = mxp_spsc_ring_size(&r) > 0;
			cr_assert_eq(mxp_spsc_ring_pop_spsc(&r, &out), any);
			if (any)
				cr_assert_eq(untag(out), next_out++);
		}
		cr_assert_eq(mxp_spsc_ring_size(&r), next_in - next_out);
	}
	cr_assert_gt(next_out, 1000);
	mxp_spsc_ring_free(&r);
}

Test(spsc_ring, null_is_a_value_like_any_other)
{
	struct mxp_spsc_ring r;
	void *out = &r;

	cr_assert_eq(mxp_spsc_ring_init(&r, 4), 0);
	cr_assert(mxp_spsc_ring_push_spsc(&r, NULL));
	cr_assert_eq(mxp_spsc_ring_size(&r), 1);
	cr_assert(mxp_spsc_ring_pop_spsc(&r, &out));
	cr_assert_null(out);
	mxp_spsc_ring_free(&r);
}

/* Starting at UINT_MAX - k for every k around the ring's size, fill to capacity, check
 * full, drain, then cycle: every push and pop crosses or approaches the wrap of the
 * free-running indices, which must change neither order, nor size, nor full/empty. */
Test(spsc_ring, wraparound_from_hand_built_indices)
{
	const unsigned int slots = 8, cap = slots - 1;
	struct mxp_spsc_ring r;
	void *out = NULL;

	cr_assert_eq(mxp_spsc_ring_init(&r, slots), 0);
	for (unsigned int k = 0; k <= 3 * slots; k++) {
		unsigned int start = UINT_MAX - k;
		uintptr_t next_in = 0, next_out = 0;

		rebase_empty(&r, start);
		cr_assert_not(mxp_spsc_ring_pop_spsc(&r, &out), "k=%u: empty after rebase", k);

		for (unsigned int i = 0; i < cap; i++)
			cr_assert(mxp_spsc_ring_push_spsc(&r, tag(next_in++)), "k=%u push %u", k, i);
		cr_assert_not(mxp_spsc_ring_push_spsc(&r, tag(next_in)), "k=%u: full", k);
		cr_assert_eq(mxp_spsc_ring_size(&r), cap, "k=%u: size across the wrap", k);

		/* steady state: one out, one in, 4 * slots times, full all along */
		for (unsigned int i = 0; i < 4 * slots; i++) {
			cr_assert(mxp_spsc_ring_pop_spsc(&r, &out));
			cr_assert_eq(untag(out), next_out++, "k=%u step %u", k, i);
			cr_assert(mxp_spsc_ring_push_spsc(&r, tag(next_in++)));
			cr_assert_not(mxp_spsc_ring_push_spsc(&r, tag(next_in)));
			cr_assert_eq(mxp_spsc_ring_size(&r), cap);
		}
		for (unsigned int i = 0; i < cap; i++) {
			cr_assert(mxp_spsc_ring_pop_spsc(&r, &out));
			cr_assert_eq(untag(out), next_out++, "k=%u drain %u", k, i);
			cr_assert_eq(mxp_spsc_ring_size(&r), cap - 1 - i);
		}
		cr_assert_not(mxp_spsc_ring_pop_spsc(&r, &out));
		cr_assert_eq(next_in, next_out);
		cr_assert_lt(r.ring.c_head, start, "k=%u: the consumer index did wrap", k);
		cr_assert_lt(r.ring.p_tail, start, "k=%u: the producer index did wrap", k);
	}
	mxp_spsc_ring_free(&r);
}

/* A wrap while the ring is partly full: the producer's index has wrapped, the
 * consumer's has not yet. */
Test(spsc_ring, wraparound_between_producer_and_consumer)
{
	struct mxp_spsc_ring r;
	void *out = NULL;

	cr_assert_eq(mxp_spsc_ring_init(&r, 4), 0);
	rebase_empty(&r, UINT_MAX - 1);
	cr_assert(mxp_spsc_ring_push_spsc(&r, tag(0)));	/* slot at UINT_MAX - 1 */
	cr_assert(mxp_spsc_ring_push_spsc(&r, tag(1)));	/* slot at UINT_MAX */
	cr_assert(mxp_spsc_ring_push_spsc(&r, tag(2)));	/* slot at 0 */
	cr_assert_eq(r.ring.p_tail, 1u);
	cr_assert_eq(r.ring.c_head, UINT_MAX - 1);
	cr_assert_eq(mxp_spsc_ring_size(&r), 3);
	cr_assert_not(mxp_spsc_ring_push_spsc(&r, tag(3)), "full with the indices on both sides of 0");
	for (uintptr_t i = 0; i < 3; i++) {
		cr_assert(mxp_spsc_ring_pop_spsc(&r, &out));
		cr_assert_eq(untag(out), i);
	}
	cr_assert_eq(mxp_spsc_ring_size(&r), 0);
	mxp_spsc_ring_free(&r);
}

Test(spsc_ring, layout_keeps_shared_lines_apart)
{
	struct mxp_spsc_ring r;

	cr_assert_eq(alignof(struct mxp_spsc_ring), CK_MD_CACHELINE);
	cr_assert_eq(mxp_spsc_ring_init(&r, 4), 0);
	cr_assert_eq((uintptr_t)r.slots % CK_MD_CACHELINE, 0, "slot array on its own lines");
	uintptr_t c = (uintptr_t)&r.ring.c_head / CK_MD_CACHELINE;
	uintptr_t p = (uintptr_t)&r.ring.p_tail / CK_MD_CACHELINE;
	uintptr_t s = (uintptr_t)&r.slots / CK_MD_CACHELINE;
	cr_assert(c != p && c != s && p != s, "consumer index, producer index, slot array pointer");
	cr_assert_eq((uintptr_t)&r.ring.p_head / CK_MD_CACHELINE, p);
	mxp_spsc_ring_free(&r);
	mxp_spsc_ring_free(&r); /* twice is fine */
}

/* Two threads: what the producer wrote to a message before pushing it is what the
 * consumer reads after popping it (the payload rule of spsc_ring.h). */
#define HANDOVER_MESSAGES 200000u
#define HANDOVER_WORDS 4

struct handover_msg {
	uint64_t seq;
	uint64_t word[HANDOVER_WORDS];
};

struct handover {
	struct mxp_spsc_ring r;
	struct handover_msg *msgs;
	uint64_t received;
	bool bad;
};

static void *handover_consumer(void *arg)
{
	struct handover *h = arg;
	void *out = NULL;

	while (h->received < HANDOVER_MESSAGES) {
		if (!mxp_spsc_ring_pop_spsc(&h->r, &out)) {
			ck_pr_stall();
			continue;
		}
		struct handover_msg *m = out;
		if (m->seq != h->received)
			h->bad = true;
		for (unsigned int w = 0; w < HANDOVER_WORDS; w++)
			if (m->word[w] != m->seq * 31 + w)
				h->bad = true;
		h->received++;
	}
	return NULL;
}

Test(spsc_ring, two_threads_hand_over_payload)
{
	struct handover *h = aligned_alloc(CK_MD_CACHELINE, sizeof(*h));
	cr_assert_not_null(h);
	*h = (struct handover){0};
	cr_assert_eq(mxp_spsc_ring_init(&h->r, 64), 0);
	h->msgs = calloc(HANDOVER_MESSAGES, sizeof(*h->msgs));
	cr_assert_not_null(h->msgs);
	/* rebase near the wrap so that the threads cross it too */
	rebase_empty(&h->r, UINT_MAX - 1000);

	pthread_t consumer;
	cr_assert_eq(pthread_create(&consumer, NULL, handover_consumer, h), 0);
	for (uint64_t i = 0; i < HANDOVER_MESSAGES; i++) {
		struct handover_msg *m = &h->msgs[i];
		m->seq = i;
		for (unsigned int w = 0; w < HANDOVER_WORDS; w++)
			m->word[w] = i * 31 + w;
		while (!mxp_spsc_ring_push_spsc(&h->r, m))
			ck_pr_stall();
	}
	cr_assert_eq(pthread_join(consumer, NULL), 0);
	cr_assert_eq(h->received, HANDOVER_MESSAGES);
	cr_assert_not(h->bad, "every message arrived whole and in order");
	cr_assert_eq(mxp_spsc_ring_size(&h->r), 0);
	mxp_spsc_ring_free(&h->r);
	free(h->msgs);
	free(h);
}
