/* doorbell.h — lets a thread that waits for work sleep in the kernel instead of polling,
 * while the threads that hand it work pay one fence per hand-over and a system call
 * only when it sleeps.
 *
 * Waiter: one thread (mxp_doorbell_sleep). Ringers: any threads (mxp_doorbell_ring),
 * each right after making work visible (a ring publish).
 * Ordering (Dekker's): the waiter stores `sleeping`, fences, then looks for work; a
 * ringer publishes, fences, then loads `sleeping`. Of the two stores, at least one is
 * seen by the other side: either the waiter finds the work and does not sleep, or the
 * ringer finds it sleeping, bumps `seq` and wakes it. The waiter reads `seq` before
 * storing `sleeping`, and FUTEX_WAIT sleeps only while `seq` is unchanged, so a ring
 * between the check and the sleep is not lost. Only the ringer that turns `sleeping`
 * back off (a compare-and-swap) bumps and wakes: one system call per sleep, however
 * many publish while the woken thread gets back on a core. A sleep also ends at its
 * timeout, which bounds how late a stop flag (set without ringing) is seen.
 *
 * Waiting for several (mxp_doorbell_sleep_until, mxp_doorbell_ring_counted): a waiter
 * may ask to be woken only once `want` units of work are there (a channel's consumer
 * that would rather take 16 objects per wake-up than one). It stores `want`, fences,
 * then `sleeping`; a counted ringer loads `sleeping`, fences, loads `want` and counts
 * the work after its own publish: below `want`, it leaves the sleeper alone. No wake is
 * lost as long as the work only grows while the waiter sleeps (only the waiter takes
 * it) and the waiter's ready() asks the same question (count >= want): the ringer whose
 * publish reaches `want` either finds the sleeper, or the sleeper's ready() finds the
 * work. Work that will not reach `want` (the last of a batch) is rung with
 * mxp_doorbell_ring, which wakes whatever the waiter wants — and the waiter's ready()
 * must then see it too (channel.h's flush counter).
 */
#ifndef MXP_DOORBELL_H
#define MXP_DOORBELL_H

#include <stdbool.h>
#include <stdint.h>

struct mxp_doorbell {
	uint32_t seq;           /* the futex word: bumped by a ring that found a sleeper */
	int sleeping;           /* the waiter is (about to be) asleep */
	unsigned int want;      /* the sleeping waiter's: wake it at this count (counted rings) */
};

/* Any thread, after publishing work for the doorbell's waiter: wakes it whatever it
 * waits for. */
void mxp_doorbell_ring(struct mxp_doorbell *db);

/* Any thread, after publishing work: wakes the waiter only if count(arg), read after
 * the publish, reaches what it wants (mxp_doorbell_sleep_until; 1 for
 * mxp_doorbell_sleep). count is called only when a waiter sleeps. */
void mxp_doorbell_ring_counted(struct mxp_doorbell *db, unsigned int (*count)(const void *arg), const void *arg);

/* The waiter: sleeps until rung or timeout_ns passed, unless ready(arg) is already true
 * once `sleeping` is visible. Spurious returns are allowed: the caller looks again. */
void mxp_doorbell_sleep(struct mxp_doorbell *db, bool (*ready)(void *arg), void *arg, long timeout_ns);

/* The waiter: as mxp_doorbell_sleep, but counted rings wake it only once their count
 * reaches want (>= 1); ready(arg) must be true at that count too. */
void mxp_doorbell_sleep_until(struct mxp_doorbell *db, unsigned int want, bool (*ready)(void *arg), void *arg,
			      long timeout_ns);

#endif
