/* doorbell.c — see doorbell.h for who calls what and the ordering. */
#include <ck_pr.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ring/doorbell.h"

/* Wakes the sleeper. The ringer that turns `sleeping` off is the only one to make the
 * system call: the others, and the same ringer's next publishes, find it off while the
 * woken thread is still on its way back to a core (measured at 100k series, 4 exports:
 * the pipeline's collector made 529 futex calls without this, 43 with it). The waiter,
 * once up, stores 0 again anyway. */
static void wake(struct mxp_doorbell *db)
{
	if (!ck_pr_cas_int(&db->sleeping, 1, 0))
		return;
	ck_pr_inc_32(&db->seq);
	syscall(SYS_futex, &db->seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

void mxp_doorbell_ring(struct mxp_doorbell *db)
{
	ck_pr_fence_memory(); /* the publish before, the load of `sleeping` after */
	if (ck_pr_load_int(&db->sleeping) == 0)
		return;
	wake(db);
}

void mxp_doorbell_ring_counted(struct mxp_doorbell *db, unsigned int (*count)(const void *arg), const void *arg)
{
	ck_pr_fence_memory(); /* the publish before, the load of `sleeping` after */
	if (ck_pr_load_int(&db->sleeping) == 0)
		return;
	ck_pr_fence_load(); /* `sleeping` before `want`: the want of this sleep, or later */
	if (count(arg) < ck_pr_load_uint(&db->want))
		return;
	wake(db);
}

void mxp_doorbell_sleep(struct mxp_doorbell *db, bool (*ready)(void *arg), void *arg, long timeout_ns)
{
	mxp_doorbell_sleep_until(db, 1, ready, arg, timeout_ns);
}

void mxp_doorbell_sleep_until(struct mxp_doorbell *db, unsigned int want, bool (*ready)(void *arg), void *arg,
			      long timeout_ns)
{
	uint32_t seq = ck_pr_load_32(&db->seq);
	ck_pr_store_uint(&db->want, want);
	ck_pr_fence_store(); /* `want` before `sleeping`, for the ringer that sees it */
	ck_pr_store_int(&db->sleeping, 1);
	ck_pr_fence_memory(); /* the store of `sleeping` before the look for work */
	if (!ready(arg)) {
		struct timespec ts = {.tv_sec = timeout_ns / 1000000000L, .tv_nsec = timeout_ns % 1000000000L};
		syscall(SYS_futex, &db->seq, FUTEX_WAIT_PRIVATE, seq, &ts, NULL, 0);
	}
	ck_pr_store_int(&db->sleeping, 0);
}
