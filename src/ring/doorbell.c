/* doorbell.c — see doorbell.h for who calls what and the ordering. */
#include <ck_pr.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ring/doorbell.h"

void mxp_doorbell_ring(struct mxp_doorbell *db)
{
	ck_pr_fence_memory(); /* the publish before, the load of `sleeping` after */
	if (ck_pr_load_int(&db->sleeping) == 0)
		return;
	ck_pr_inc_32(&db->seq);
	syscall(SYS_futex, &db->seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

void mxp_doorbell_sleep(struct mxp_doorbell *db, bool (*ready)(void *arg), void *arg, long timeout_ns)
{
	uint32_t seq = ck_pr_load_32(&db->seq);
	ck_pr_store_int(&db->sleeping, 1);
	ck_pr_fence_memory(); /* the store of `sleeping` before the look for work */
	if (!ready(arg)) {
		struct timespec ts = {.tv_sec = timeout_ns / 1000000000L, .tv_nsec = timeout_ns % 1000000000L};
		syscall(SYS_futex, &db->seq, FUTEX_WAIT_PRIVATE, seq, &ts, NULL, 0);
	}
	ck_pr_store_int(&db->sleeping, 0);
}
