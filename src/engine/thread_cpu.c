/* thread_cpu.c — per-thread CPU time: each thread samples itself, any thread reads.
 *
 * Producer: the slot's own thread (mxp_thread_cpu_sample). Consumers: any thread
 * (mxp_thread_cpu_read), typically the exporter's owner charting every thread.
 *
 * Ordering: user_us, system_us and samples change only between
 * ck_sequence_write_begin and _end on slot->seq (ck_sequence's store fences order the
 * counter's odd value before the fields and the fields before its even value); a reader
 * loads the fields between ck_sequence_read_begin and _retry (its load fences) and uses
 * the copy only when the counter did not move. Every field is accessed with ck_pr 64-bit
 * loads and stores, so a torn read is a retried read, never undefined behaviour.
 *
 * Why a sequence and not two independent atomic stores: each value alone would be
 * monotonic either way, but the charts and `mxpd --stats` compute user + system and
 * rates per interval, and a pair from two different samples could show a total that no
 * sample had (user from one, system from the next). The producer pays two fences per
 * sample (about once per second), the reader retries only if it meets a publication;
 * the store's charts use the same protocol (store_internal.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include <ck_pr.h>

#include "engine/thread_cpu.h"

void mxp_thread_cpu_init(struct mxp_thread_cpu *slot, const char *name)
{
	memset(slot, 0, sizeof(*slot));
	ck_sequence_init(&slot->seq);
	if (name != NULL) {
		size_t n = strlen(name);
		if (n > sizeof(slot->name) - 1)
			n = sizeof(slot->name) - 1;
		memcpy(slot->name, name, n);
	}
}

static uint64_t timeval_us(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000u + (uint64_t)tv->tv_usec;
}

int mxp_thread_cpu_sample(struct mxp_thread_cpu *slot)
{
	struct rusage ru;
	if (getrusage(RUSAGE_THREAD, &ru) != 0)
		return -errno;
	uint64_t user = timeval_us(&ru.ru_utime);
	uint64_t sys = timeval_us(&ru.ru_stime);

	/* only this thread writes the fields, so its own last values need no sequence */
	uint64_t old_user = ck_pr_load_64(&slot->user_us);
	uint64_t old_sys = ck_pr_load_64(&slot->system_us);
	if (user < old_user)
		user = old_user;
	if (sys < old_sys)
		sys = old_sys;

	ck_sequence_write_begin(&slot->seq);
	ck_pr_store_64(&slot->user_us, user);
	ck_pr_store_64(&slot->system_us, sys);
	ck_pr_store_64(&slot->samples, ck_pr_load_64(&slot->samples) + 1);
	ck_sequence_write_end(&slot->seq);
	return 0;
}

void mxp_thread_cpu_read(const struct mxp_thread_cpu *slot, struct mxp_thread_cpu_sample *out)
{
	unsigned version;
	do {
		version = ck_sequence_read_begin(&slot->seq);
		out->user_us = ck_pr_load_64(&slot->user_us);
		out->system_us = ck_pr_load_64(&slot->system_us);
		out->samples = ck_pr_load_64(&slot->samples);
	} while (ck_sequence_read_retry(&slot->seq, version));
}

void mxp_thread_cpu_sum(const struct mxp_thread_cpu *const *slots, size_t n,
			struct mxp_thread_cpu_sample *out)
{
	struct mxp_thread_cpu_sample sum = {0};
	for (size_t i = 0; i < n; i++) {
		struct mxp_thread_cpu_sample s;
		mxp_thread_cpu_read(slots[i], &s);
		sum.user_us += s.user_us;
		sum.system_us += s.system_us;
		sum.samples += s.samples;
	}
	*out = sum;
}
