/* spsc_ring.h — a bounded ring of pointers between exactly one producer and one consumer
 * thread, over ck_ring's SPSC operations.
 *
 * Producer: one thread, the only one that calls mxp_spsc_ring_push_spsc().
 * Consumer: one thread, the only one that calls mxp_spsc_ring_pop_spsc().
 * Which threads these are may change only across a synchronisation that orders the old
 * thread's last call before the new thread's first (a join, a mutex, a release/acquire).
 *
 * Ordering relied on (all of it is ck_ring's, this file adds none):
 *  - push: ck_ring_enqueue_spsc writes the pointer into the slot, then
 *    ck_pr_fence_store(), then stores p_tail. A consumer that loads p_tail and sees the
 *    new value therefore reads the slot written by this push, never a stale one;
 *  - pop: ck_ring_dequeue_spsc loads p_tail, then ck_pr_fence_load() before it reads
 *    the slot (the slot is read only after the index that published it was observed),
 *    then ck_pr_fence_store() before it stores c_head. A producer that sees the new
 *    c_head therefore reuses a slot whose pointer has already been read out.
 * For the payload this means: everything the producer wrote to an object before pushing
 * its pointer is visible to the consumer after it pops that pointer, with no further
 * fence. In exchange the producer MUST NOT read or write the object after pushing it:
 * from then on it belongs to the consumer, until the consumer hands it back through
 * some other release/acquire edge (mxp_channel does that with a second ring).
 *
 * Capacity: ck_ring keeps one slot free to tell full from empty, so a ring of `slots`
 * slots (a power of two) holds at most slots - 1 pointers; mxp_spsc_ring_capacity()
 * returns that usable count. One slot holds nothing, so slots must be >= 2.
 *
 * Indices are free-running unsigned ints (only `index & mask` addresses a slot), so
 * they wrap past UINT_MAX after 2^32 operations; the unit tests start rings there.
 *
 * Layout: ck_ring already gives the consumer's index (c_head) and the producer's
 * (p_tail, p_head) a cache line each. The struct is aligned to a cache line, and what
 * follows ck_ring's indices (size, mask, the slot array's address) is read-only after
 * init and sits on a third line of its own, so no store by either side invalidates a
 * line that the other side reads for anything but the index it must read. The slot
 * array is a separate cache-line-aligned allocation. A struct embedding this one is
 * over-aligned too: put it on the heap with aligned_alloc()/posix_memalign(), not malloc().
 */
#ifndef MXP_SPSC_RING_H
#define MXP_SPSC_RING_H

#include <ck_md.h>
#include <ck_pr.h>
#include <ck_ring.h>
#include <stdbool.h>
#include <stddef.h>

#define MXP_SPSC_RING_SLOTS_MIN 2u		/* the fewest slots that hold one pointer */
#define MXP_SPSC_RING_SLOTS_MAX (1u << 31)	/* the largest power of two an unsigned holds */

struct mxp_spsc_ring {
	_Alignas(CK_MD_CACHELINE) struct ck_ring ring;	/* c_head | p_tail p_head | size mask */
	struct ck_ring_buffer *slots;			/* read-only after init */
};

_Static_assert(offsetof(struct mxp_spsc_ring, slots) >= 2 * CK_MD_CACHELINE,
	       "the slot array's address must not share a line with ck_ring's indices");
_Static_assert(sizeof(struct mxp_spsc_ring) % CK_MD_CACHELINE == 0,
	       "what follows a ring must start on a line of its own");

/* Prepares an empty ring of `slots` slots, a power of two in [2, 2^31]; the slot array is
 * allocated here, once. Returns 0, -EINVAL (slots not a power of two, or out of range) or
 * -ENOMEM; on error nothing is allocated. The caller MUST call mxp_spsc_ring_free(). */
int mxp_spsc_ring_init(struct mxp_spsc_ring *r, unsigned int slots);

/* Frees the slot array. Only when neither thread can touch the ring any more; the
 * objects whose pointers are still in it are the caller's. Safe on a zeroed struct and
 * twice in a row. */
void mxp_spsc_ring_free(struct mxp_spsc_ring *r);

/* Producer only. Appends p. Returns true, or false when the ring is full (nothing done).
 * On true the object behind p belongs to the consumer: see the ordering above. */
static inline bool mxp_spsc_ring_push_spsc(struct mxp_spsc_ring *r, void *p)
{
	return ck_ring_enqueue_spsc(&r->ring, r->slots, p);
}

/* Consumer only. Takes the oldest pointer into *out. Returns true, or false when the ring
 * is empty (*out untouched). Everything written to *out's object before its push is
 * visible to the caller. */
static inline bool mxp_spsc_ring_pop_spsc(struct mxp_spsc_ring *r, void **out)
{
	return ck_ring_dequeue_spsc(&r->ring, r->slots, out);
}

/* Any thread. How many pointers are in the ring: exact when neither side is running; for
 * the producer an upper bound (the consumer can only take more), for the consumer a
 * lower bound (the producer can only add more). */
static inline unsigned int mxp_spsc_ring_size(const struct mxp_spsc_ring *r)
{
	return ck_ring_size(&r->ring);
}

/* Any thread. The most pointers the ring holds at once: slots - 1. */
static inline unsigned int mxp_spsc_ring_capacity(const struct mxp_spsc_ring *r)
{
	return ck_ring_capacity(&r->ring) - 1;
}

#endif
