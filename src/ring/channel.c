/* channel.c — the two-thread object channel: a pool recycled through two SPSC rings
 * (who produces, who consumes and the ordering: channel.h). */
#include "ring/channel.h"

#include <assert.h>
#include <ck_backoff.h>
#include <ck_pr.h>
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The counts a batch's ringer compares with the waiter's want (mxp_doorbell_ring_counted). */
static unsigned int full_count(const void *ch)
{
	return mxp_spsc_ring_size(&((const struct mxp_channel *)ch)->full);
}

static unsigned int empty_count(const void *ch)
{
	return mxp_spsc_ring_size(&((const struct mxp_channel *)ch)->empty);
}

int mxp_channel_init(struct mxp_channel *ch, unsigned int objects, size_t object_size,
		     unsigned int ring_slots)
{
	int rc;

	memset(ch, 0, sizeof(*ch));
	ch->full_want = ch->empty_want = 1;
	ch->full_bell = &ch->own_full_bell;
	ch->empty_bell = &ch->own_empty_bell;
	if (objects == 0 || object_size == 0 || objects >= MXP_SPSC_RING_SLOTS_MAX)
		return -EINVAL;
	if (ring_slots == 0) {
		ring_slots = MXP_SPSC_RING_SLOTS_MIN;
		while (ring_slots <= objects)
			ring_slots <<= 1;
	}
	/* both rings must hold every object at once, so publish and release never fail */
	if (ring_slots <= objects)
		return -EINVAL;

	size_t stride = (object_size + CK_MD_CACHELINE - 1) & ~(size_t)(CK_MD_CACHELINE - 1);
	if (stride < object_size || stride > SIZE_MAX / objects)
		return -EINVAL;

	rc = mxp_spsc_ring_init(&ch->full, ring_slots);
	if (rc != 0)
		goto fail;
	rc = mxp_spsc_ring_init(&ch->empty, ring_slots);
	if (rc != 0)
		goto fail;
	ch->pool = aligned_alloc(CK_MD_CACHELINE, stride * objects);
	if (ch->pool == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	memset(ch->pool, 0, stride * objects);
	ch->stride = stride;
	ch->object_size = object_size;
	ch->objects = objects;

	for (unsigned int i = 0; i < objects; i++) {
		bool pushed = mxp_spsc_ring_push_spsc(&ch->empty, ch->pool + (size_t)i * stride);
		assert(pushed); /* ring_slots > objects */
		(void)pushed;
	}
	return 0;

fail:
	mxp_channel_free(ch);
	return rc;
}

void mxp_channel_free(struct mxp_channel *ch)
{
	mxp_spsc_ring_free(&ch->full);
	mxp_spsc_ring_free(&ch->empty);
	free(ch->pool);
	ch->pool = NULL;
	ch->objects = 0;
}

void *mxp_channel_object(struct mxp_channel *ch, unsigned int i)
{
	if (i >= ch->objects)
		return NULL;
	return ch->pool + (size_t)i * ch->stride;
}

void *mxp_channel_acquire_spsc(struct mxp_channel *ch)
{
	void *obj;

	/* the consumer of `empty`: ck_ring's dequeue orders the consumer's release (and so
	 * its last reads of obj) before our writes to obj */
	if (!mxp_spsc_ring_pop_spsc(&ch->empty, &obj))
		return NULL;
	return obj;
}

void mxp_channel_publish_spsc(struct mxp_channel *ch, void *obj)
{
	/* the producer of `full`: ck_ring's enqueue stores the slot, fences, then p_tail, so
	 * our writes to obj are visible to whoever pops it */
	bool pushed = mxp_spsc_ring_push_spsc(&ch->full, obj);
	assert(pushed); /* `full` holds every object: a failure is an object not from here */
	(void)pushed;
	if (ch->full_want > 1)
		mxp_doorbell_ring_counted(ch->full_bell, full_count, ch);
	else
		mxp_doorbell_ring(ch->full_bell);
}

void mxp_channel_publish_flush_spsc(struct mxp_channel *ch, void *obj)
{
	bool pushed = mxp_spsc_ring_push_spsc(&ch->full, obj);
	assert(pushed); /* as in publish */
	(void)pushed;
	/* after the push: a consumer that sees the new count finds the object (its wait
	 * reads `flushes` before its last look at the ring); the ring's fence orders the
	 * store before the load of `sleeping` */
	ck_pr_fence_store();
	ck_pr_store_uint(&ch->flushes, ch->flushes + 1);
	mxp_doorbell_ring(ch->full_bell);
}

void mxp_channel_set_full_bell(struct mxp_channel *ch, struct mxp_doorbell *db)
{
	ch->full_bell = db;
}

int mxp_channel_set_batch(struct mxp_channel *ch, unsigned int full_want, unsigned int empty_want)
{
	/* a shared bell has one `want` for several channels: no batches there */
	if (full_want == 0 || full_want > ch->objects || empty_want == 0 || empty_want > ch->objects ||
	    ch->full_bell != &ch->own_full_bell || ch->empty_bell != &ch->own_empty_bell)
		return -EINVAL;
	ch->full_want = full_want;
	ch->empty_want = empty_want;
	return 0;
}

void *mxp_channel_receive_spsc(struct mxp_channel *ch)
{
	void *obj;

	if (!mxp_spsc_ring_pop_spsc(&ch->full, &obj))
		return NULL;
	return obj;
}

void mxp_channel_release_spsc(struct mxp_channel *ch, void *obj)
{
	bool pushed = mxp_spsc_ring_push_spsc(&ch->empty, obj);
	assert(pushed); /* as in publish */
	(void)pushed;
	if (ch->empty_want > 1)
		mxp_doorbell_ring_counted(ch->empty_bell, empty_count, ch);
	else
		mxp_doorbell_ring(ch->empty_bell);
}

/* What a waiter looks for when it is about to sleep: `want` objects in `ring`, a flush
 * since it last looked (`flushes` moved past `seen`; NULL: none to watch), or stop. */
struct wait_for {
	const struct mxp_spsc_ring *ring;
	unsigned int want;
	const unsigned int *flushes;
	unsigned int seen;
	const int *stop;
};

static bool wait_ready(void *arg)
{
	const struct wait_for *w = arg;
	return mxp_spsc_ring_size(w->ring) >= w->want ||
	       (w->flushes != NULL && ck_pr_load_uint(w->flushes) != w->seen) || ck_pr_load_int(w->stop) != 0;
}

/* Retries take(ch) — spinning briefly, then yielding, then asleep on the ring's
 * doorbell (woken by the next publish or release, or after MXP_CHANNEL_SLEEP_MAX_NS) —
 * until it gives an object, or *stop is seen set and one more take(ch) after that still
 * gives none. sleep_at_once skips the spinning and yielding; so does a want above 1, the
 * objects a sleep waits for, or a flush when `flushes` is given (channel.h). */
static void *channel_wait(struct mxp_channel *ch, const int *stop, void *(*take)(struct mxp_channel *),
			  const struct mxp_spsc_ring *ring, struct mxp_doorbell *bell, bool sleep_at_once,
			  unsigned int want, const unsigned int *flushes)
{
	ck_backoff_t spin = CK_BACKOFF_INITIALIZER;
	struct wait_for w = {.ring = ring, .want = want, .flushes = want > 1 ? flushes : NULL, .stop = stop};
	const unsigned first =
		sleep_at_once || want > 1 ? MXP_CHANNEL_SPIN_ROUNDS + MXP_CHANNEL_YIELD_ROUNDS : 0;

	for (unsigned round = first;; round++) {
		void *obj = take(ch);
		if (obj != NULL)
			return obj;
		if (ck_pr_load_int(stop) != 0) {
			/* *stop read before the ring index in the last take: paired with the
			 * setter's fence_store between its last hand-over and *stop, whatever
			 * it handed over before setting *stop is found here */
			ck_pr_fence_load();
			return take(ch);
		}
		if (round < MXP_CHANNEL_SPIN_ROUNDS)
			ck_backoff_eb(&spin);
		else if (round < MXP_CHANNEL_SPIN_ROUNDS + MXP_CHANNEL_YIELD_ROUNDS)
			sched_yield();
		else if (w.flushes == NULL)
			mxp_doorbell_sleep_until(bell, want, wait_ready, (void *)&w, MXP_CHANNEL_SLEEP_MAX_NS);
		else {
			/* the flushes so far, then one more look: a flush after this read wakes
			 * the sleep (wait_ready), one before it published what the look finds */
			w.seen = ck_pr_load_uint(flushes);
			ck_pr_fence_load();
			if ((obj = take(ch)) != NULL)
				return obj;
			mxp_doorbell_sleep_until(bell, want, wait_ready, (void *)&w, MXP_CHANNEL_SLEEP_MAX_NS);
		}
	}
}

void *mxp_channel_acquire_wait_spsc(struct mxp_channel *ch, const int *stop)
{
	return channel_wait(ch, stop, mxp_channel_acquire_spsc, &ch->empty, ch->empty_bell, false, ch->empty_want,
			    NULL);
}

void *mxp_channel_receive_wait_spsc(struct mxp_channel *ch, const int *stop)
{
	return channel_wait(ch, stop, mxp_channel_receive_spsc, &ch->full, ch->full_bell, false, ch->full_want,
			    &ch->flushes);
}

void *mxp_channel_receive_sleep_spsc(struct mxp_channel *ch, const int *stop)
{
	return channel_wait(ch, stop, mxp_channel_receive_spsc, &ch->full, ch->full_bell, true, ch->full_want,
			    &ch->flushes);
}
