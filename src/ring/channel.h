/* channel.h — a two-thread channel that hands fixed-size objects from a producer to a
 * consumer and back, recycling a pool allocated once: the steady state allocates nothing.
 *
 * Producer: one thread. It takes an empty object (mxp_channel_acquire_spsc), fills it,
 * and hands it over (mxp_channel_publish_spsc).
 * Consumer: one thread. It takes a filled object (mxp_channel_receive_spsc), processes
 * it, and gives it back (mxp_channel_release_spsc).
 * The pipeline uses one per hop: collector -> formatter (shards of records), formatter
 * -> sender (output buffers).
 *
 * Waiting: a side that finds nothing spins, yields, then sleeps on a doorbell
 * (doorbell.h) that the other side's publish / release rings, so an idle channel costs
 * no CPU and a sleeping waiter is woken at once.
 *
 * Waiting in batches (mxp_channel_set_batch): a side may instead sleep at once and be
 * woken only when `want` objects are there for it, so that two threads that run at
 * about the same speed do not hand the core back and forth for every object (measured
 * on the pipeline's collector -> formatter hop: docs/ARCHITECTURE.md). Releases always
 * come back in the end (a consumer gives back all it took), so a waiting producer's
 * count reaches its want; a producer that will not publish more for a while (the end of
 * a batch) publishes its last object with mxp_channel_publish_flush_spsc, which wakes
 * the consumer whatever it waits for. `flushes` counts those: the consumer reads it
 * before its last look at the ring, and a sleep ends when it changed (doorbell.h says
 * why no wake-up is lost).
 *
 * Two SPSC rings carry the pointers: `full` (producer -> consumer) and `empty`
 * (consumer -> producer); the `objects` objects start in `empty`. At every moment each
 * object is in exactly one place: in `empty`, held by the producer, in `full`, or held
 * by the consumer. Both rings can hold every object at once, so publish and release
 * never fail.
 *
 * Ordering relied on: only ck_ring's, in both directions (spsc_ring.h):
 *  - publish -> receive: the producer's writes to the object happen before the
 *    consumer's reads of it (slot stored, fence, p_tail stored; p_tail loaded, fence,
 *    slot read) — the consumer sees the whole payload;
 *  - release -> acquire: the same edge through `empty`, so the consumer's last reads
 *    of an object happen before the producer's next writes to it — the producer never
 *    overwrites what the consumer is still reading.
 * Hence the rule for both sides: an object is touched only between taking it (acquire,
 * receive) and handing it on (publish, release), never after.
 *
 * A full channel is backpressure, never loss: when every object is out, acquire returns
 * NULL and the producer waits (mxp_channel_acquire_wait_spsc) or does something else;
 * nothing that was published is ever dropped or overwritten.
 *
 * Objects are `object_size` bytes each, start on a cache line each (so two objects held
 * by the two threads never share a line, and any type up to 64-byte alignment fits),
 * and are zeroed at init. If an object owns memory of its own (an mxp_buf), set it up
 * and tear it down through mxp_channel_object() while no thread runs.
 *
 * The struct is cache-line aligned (it holds two mxp_spsc_ring): on the heap use
 * aligned_alloc()/posix_memalign(), not malloc().
 */
#ifndef MXP_CHANNEL_H
#define MXP_CHANNEL_H

#include <stddef.h>

#include "ring/doorbell.h"
#include "ring/spsc_ring.h"

#define MXP_CHANNEL_SPIN_ROUNDS 4		/* ck_backoff_eb rounds (512..4096 pauses) before yielding */
#define MXP_CHANNEL_YIELD_ROUNDS 16		/* then sched_yield() rounds before sleeping */
#define MXP_CHANNEL_SLEEP_MAX_NS 10000000000L	/* then asleep on the doorbell, waking at least every
						 * 10 s: a safety net only, every hand-over and every
						 * stop of mxp's rings the bell. Not shorter: each
						 * timed wake-up of an idle thread costs ~20 us of CPU
						 * on the shared VM; at 50 ms they were half of an
						 * export's CPU at 100k series, at 1 s still half of
						 * the fixed cost per export (docs/ARCHITECTURE.md) */

struct mxp_channel {
	struct mxp_spsc_ring full;	/* producer -> consumer: filled objects */
	struct mxp_spsc_ring empty;	/* consumer -> producer: objects to fill */
	/* read-only after init, on a line of their own after the rings */
	char *pool;			/* objects * stride bytes, cache-line aligned */
	size_t stride;			/* object_size rounded up to whole cache lines */
	size_t object_size;
	unsigned int objects;
	/* how many objects a waiting consumer / producer sleeps for (1 unless set) */
	unsigned int full_want, empty_want;
	/* producer only (the consumer reads it): publishes that wake the consumer whatever
	 * its full_want (mxp_channel_publish_flush_spsc) */
	unsigned int flushes;
	/* A waiter that polled in vain sleeps on a doorbell (doorbell.h): publish rings
	 * full_bell, release rings empty_bell. Each is the channel's own unless set to one
	 * shared with other channels (a consumer of several, the pipeline's sink). */
	struct mxp_doorbell *full_bell, *empty_bell;
	_Alignas(CK_MD_CACHELINE) struct mxp_doorbell own_full_bell;
	_Alignas(CK_MD_CACHELINE) struct mxp_doorbell own_empty_bell;
};

/* Prepares a channel of `objects` zeroed objects of `object_size` bytes, all in `empty`.
 * `ring_slots` is the slot count of both rings: a power of two > objects, or 0 for the
 * smallest such. Returns 0, -EINVAL (objects or object_size 0, ring_slots too small or
 * not a power of two, sizes that overflow) or -ENOMEM; on error nothing is allocated.
 * Call before the two threads start (or hand the channel to them through a
 * synchronisation); the caller MUST call mxp_channel_free(). */
int mxp_channel_init(struct mxp_channel *ch, unsigned int objects, size_t object_size,
		     unsigned int ring_slots);

/* Setup only (no thread running): publish rings db instead of the channel's own bell,
 * for a consumer that waits on several channels at once. */
void mxp_channel_set_full_bell(struct mxp_channel *ch, struct mxp_doorbell *db);

/* Setup only (no thread running), and only with the channel's own bells: a consumer
 * that waits sleeps at once until full_want objects are published (or a flush), a
 * producer until empty_want objects are released, instead of spinning and yielding
 * first and waking for each one. 1 <= each <= objects, and a producer that waits MUST
 * hold no more than objects - empty_want of them (else the consumer can never release
 * enough). 0 or -EINVAL. */
int mxp_channel_set_batch(struct mxp_channel *ch, unsigned int full_want, unsigned int empty_want);

/* Frees the pool and the rings, wherever the objects are. Only when neither thread can
 * touch the channel any more. Safe on a zeroed struct and twice in a row. */
void mxp_channel_free(struct mxp_channel *ch);

/* Setup/teardown only (no thread running): object i of the pool, i < objects; NULL when
 * out of range. For initialising and freeing what objects own, and for tests. */
void *mxp_channel_object(struct mxp_channel *ch, unsigned int i);

/* Producer only. An empty object to fill, or NULL when all are out (backpressure). The
 * contents are whatever the consumer left (zeroes the first time). */
void *mxp_channel_acquire_spsc(struct mxp_channel *ch);

/* Producer only. Hands obj, which MUST come from mxp_channel_acquire_spsc() on this
 * channel, to the consumer. Never fails; the producer MUST NOT touch obj afterwards. */
void mxp_channel_publish_spsc(struct mxp_channel *ch, void *obj);

/* Producer only. As mxp_channel_publish_spsc(), and wakes a consumer that waits for a
 * batch (mxp_channel_set_batch) whatever it waits for: for the last object before the
 * producer stops publishing for a while. */
void mxp_channel_publish_flush_spsc(struct mxp_channel *ch, void *obj);

/* Consumer only. The oldest published object, or NULL when there is none. */
void *mxp_channel_receive_spsc(struct mxp_channel *ch);

/* Consumer only. Gives obj, which MUST come from mxp_channel_receive_spsc() on this
 * channel, back to the producer. Never fails; the consumer MUST NOT touch obj afterwards. */
void mxp_channel_release_spsc(struct mxp_channel *ch, void *obj);

/* Producer only. Like mxp_channel_acquire_spsc(), but while there is no empty object it
 * waits: spins briefly (ck_backoff), then yields, then sleeps on the channel's
 * empty_bell until a release rings it (or MXP_CHANNEL_SLEEP_MAX_NS), retrying in
 * between; with a batch set (mxp_channel_set_batch), asleep at once until empty_want
 * objects are back. Returns an
 * object, or NULL once *stop was seen nonzero and the channel then still had no empty
 * object. *stop is read with ck_pr_load_int: set it with ck_pr_store_int. */
void *mxp_channel_acquire_wait_spsc(struct mxp_channel *ch, const int *stop);

/* Consumer only. Like mxp_channel_receive_spsc(), waiting as above while nothing is
 * published (with a batch set: asleep until full_want objects, or a flush). Returns an object, or NULL once *stop was seen nonzero and the channel was
 * empty after that. So if the producer, after its last publish, sets *stop with
 *	ck_pr_fence_store();	(the last publish before the flag)
 *	ck_pr_store_int(stop, 1);
 * the consumer gets every object before it gets NULL: a drain. */
void *mxp_channel_receive_wait_spsc(struct mxp_channel *ch, const int *stop);

/* Consumer only. As mxp_channel_receive_wait_spsc(), but asleep on the bell at once, no
 * spinning or yielding first: for a wait known to be long (the pipeline's owner waiting
 * for a whole window), where spinning only takes a core from the threads doing the work
 * (the spin rounds alone are ~190 us of PAUSE on the 2-core VM). */
void *mxp_channel_receive_sleep_spsc(struct mxp_channel *ch, const int *stop);

/* Any thread; exact only when neither side runs (see mxp_spsc_ring_size). Objects
 * published and not yet received, and objects released and not yet re-acquired. */
static inline unsigned int mxp_channel_full_count(const struct mxp_channel *ch)
{
	return mxp_spsc_ring_size(&ch->full);
}

static inline unsigned int mxp_channel_empty_count(const struct mxp_channel *ch)
{
	return mxp_spsc_ring_size(&ch->empty);
}

#endif
