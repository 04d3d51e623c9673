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
 * between the check and the sleep is not lost. A sleep also ends at its timeout, which
 * bounds how late a stop flag (set without ringing) is seen.
 */
#ifndef MXP_DOORBELL_H
#define MXP_DOORBELL_H

#include <stdbool.h>
#include <stdint.h>

struct mxp_doorbell {
	uint32_t seq;           /* the futex word: bumped by a ring that found a sleeper */
	int sleeping;           /* the waiter is (about to be) asleep */
};

/* Any thread, after publishing work for the doorbell's waiter. */
void mxp_doorbell_ring(struct mxp_doorbell *db);

/* The waiter: sleeps until rung or timeout_ns passed, unless ready(arg) is already true
 * once `sleeping` is visible. Spurious returns are allowed: the caller looks again. */
void mxp_doorbell_sleep(struct mxp_doorbell *db, bool (*ready)(void *arg), void *arg, long timeout_ns);

#endif
