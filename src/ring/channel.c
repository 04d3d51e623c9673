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

int mxp_channel_init(struct mxp_channel *ch, unsigned int objects, size_t object_size,
		     unsigned int ring_slots)
{
	int rc;

	memset(ch, 0, sizeof(*ch));
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
}

/* How long a waiter has waited so far, to pick its next pause. One per wait call. */
struct channel_backoff {
	unsigned int round;
	ck_backoff_t spin;
	long sleep_ns;
};

static void channel_backoff_pause(struct channel_backoff *b)
{
	if (b->round < MXP_CHANNEL_SPIN_ROUNDS) {
		ck_backoff_eb(&b->spin);
	} else if (b->round < MXP_CHANNEL_SPIN_ROUNDS + MXP_CHANNEL_YIELD_ROUNDS) {
		sched_yield();
	} else {
		struct timespec ts = {.tv_sec = 0, .tv_nsec = b->sleep_ns};
		nanosleep(&ts, NULL);
		if (b->sleep_ns < MXP_CHANNEL_SLEEP_MAX_NS)
			b->sleep_ns = b->sleep_ns * 2 < MXP_CHANNEL_SLEEP_MAX_NS ?
				b->sleep_ns * 2 : MXP_CHANNEL_SLEEP_MAX_NS;
		return;
	}
	b->round++;
}

/* Retries take(ch) with growing pauses until it gives an object, or *stop is seen set
 * and one more take(ch) after that still gives none. */
static void *channel_wait(struct mxp_channel *ch, const int *stop,
			  void *(*take)(struct mxp_channel *))
{
	struct channel_backoff b = {
		.round = 0, .spin = CK_BACKOFF_INITIALIZER, .sleep_ns = MXP_CHANNEL_SLEEP_MIN_NS};

	for (;;) {
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
		channel_backoff_pause(&b);
	}
}

void *mxp_channel_acquire_wait_spsc(struct mxp_channel *ch, const int *stop)
{
	return channel_wait(ch, stop, mxp_channel_acquire_spsc);
}

void *mxp_channel_receive_wait_spsc(struct mxp_channel *ch, const int *stop)
{
	return channel_wait(ch, stop, mxp_channel_receive_spsc);
}
