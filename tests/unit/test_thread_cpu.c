/* test_thread_cpu.c — per-thread CPU slots: a thread measures itself, another reads it
 * while it runs, and what is read never goes backwards. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include <ck_pr.h>

#include "engine/thread_cpu.h"

/* CPU time of the calling thread, microseconds (the clock the burner watches). */
static uint64_t own_cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct burner {
	struct mxp_thread_cpu *slot;
	uint64_t burn_us;      /* CPU time to spend, whatever the scheduling */
	int done;              /* ck_pr: set once the last sample is published */
	int errors;            /* failed samples (asserts stay on the test's thread) */
	volatile uint64_t sink;
};

static void *burn(void *arg)
{
	struct burner *b = arg;
	uint64_t start = own_cpu_us();
	uint64_t x = 1;
	while (own_cpu_us() - start < b->burn_us) {
		for (int i = 0; i < 100000; i++)
			x = x * 6364136223846793005ull + 1442695040888963407ull;
		b->sink = x;
		b->errors += mxp_thread_cpu_sample(b->slot) != 0;
	}
	b->errors += mxp_thread_cpu_sample(b->slot) != 0;
	ck_pr_store_int(&b->done, 1);
	return NULL;
}

Test(thread_cpu, init_names_and_zeroes)
{
	struct mxp_thread_cpu slot;
	memset(&slot, 0xab, sizeof(slot));
	mxp_thread_cpu_init(&slot, "formatter 0");
	cr_assert_str_eq(slot.name, "formatter 0");
	struct mxp_thread_cpu_sample s;
	mxp_thread_cpu_read(&slot, &s);
	cr_assert_eq(s.user_us, 0);
	cr_assert_eq(s.system_us, 0);
	cr_assert_eq(s.samples, 0);

	mxp_thread_cpu_init(&slot, "a name much longer than the thirty-one bytes a slot keeps");
	cr_assert_eq(strlen(slot.name), MXP_THREAD_CPU_NAME_MAX - 1, "the name is cut, NUL-terminated");
	mxp_thread_cpu_init(&slot, NULL);
	cr_assert_str_eq(slot.name, "");
}

Test(thread_cpu, a_sample_is_the_calling_threads_time)
{
	struct mxp_thread_cpu slot;
	mxp_thread_cpu_init(&slot, "main");
	struct burner b = {.slot = &slot, .burn_us = 30000};
	burn(&b); /* on this thread */
	cr_assert_eq(b.errors, 0);
	struct mxp_thread_cpu_sample s;
	mxp_thread_cpu_read(&slot, &s);
	cr_assert_geq(s.samples, 2);
	/* getrusage and the thread CPU clock measure the same runtime; allow one tick */
	cr_assert_geq(mxp_thread_cpu_total_us(&s) + 10000, 30000, "total %llu us",
		      (unsigned long long)mxp_thread_cpu_total_us(&s));
	cr_assert_leq(mxp_thread_cpu_total_us(&s), own_cpu_us() + 10000);
}

Test(thread_cpu, another_thread_reads_growing_monotonic_samples)
{
	struct mxp_thread_cpu burner_slot, idle_slot;
	mxp_thread_cpu_init(&burner_slot, "burner");
	mxp_thread_cpu_init(&idle_slot, "idle");
	struct burner b = {.slot = &burner_slot, .burn_us = 300000};
	pthread_t th;
	cr_assert_eq(pthread_create(&th, NULL, burn, &b), 0);

	struct mxp_thread_cpu_sample prev = {0}, s;
	unsigned reads = 0, grew = 0;
	while (!ck_pr_load_int(&b.done)) {
		mxp_thread_cpu_read(&burner_slot, &s);
		cr_assert_geq(s.user_us, prev.user_us, "user went back: %llu after %llu",
			      (unsigned long long)s.user_us, (unsigned long long)prev.user_us);
		cr_assert_geq(s.system_us, prev.system_us, "system went back");
		cr_assert_geq(s.samples, prev.samples, "samples went back");
		if (s.user_us > prev.user_us)
			grew++;
		prev = s;
		reads++;
		struct timespec nap = {0, 200000};
		nanosleep(&nap, NULL);
	}
	pthread_join(th, NULL);
	cr_assert_eq(b.errors, 0);
	mxp_thread_cpu_read(&burner_slot, &s);
	cr_assert_geq(s.user_us, prev.user_us);
	cr_assert_gt(grew, 1, "the reader saw user time grow while the thread ran (%u reads)", reads);
	/* the burn was arithmetic: mostly user time; allow the kernel's split some slack */
	cr_assert_geq(s.user_us, 200000, "user %llu us of a 300 ms burn", (unsigned long long)s.user_us);

	/* the reader sampled nothing of its own into the idle slot: it stays at zero, and
	 * sampling it here measures this (mostly sleeping) thread, not the burner */
	mxp_thread_cpu_read(&idle_slot, &s);
	cr_assert_eq(mxp_thread_cpu_total_us(&s), 0);
	cr_assert_eq(mxp_thread_cpu_sample(&idle_slot), 0);
	mxp_thread_cpu_read(&idle_slot, &s);
	cr_assert_lt(mxp_thread_cpu_total_us(&s), own_cpu_us() + 10000);
}

Test(thread_cpu, a_lower_reading_keeps_the_previous_value)
{
	struct mxp_thread_cpu slot;
	mxp_thread_cpu_init(&slot, "t");
	/* a value above anything this thread can have used: the next sample must keep it */
	ck_pr_store_64(&slot.user_us, UINT64_C(1) << 50);
	ck_pr_store_64(&slot.system_us, UINT64_C(1) << 50);
	cr_assert_eq(mxp_thread_cpu_sample(&slot), 0);
	struct mxp_thread_cpu_sample s;
	mxp_thread_cpu_read(&slot, &s);
	cr_assert_eq(s.user_us, UINT64_C(1) << 50);
	cr_assert_eq(s.system_us, UINT64_C(1) << 50);
	cr_assert_eq(s.samples, 1);
}

Test(thread_cpu, sum_adds_every_slot)
{
	struct mxp_thread_cpu a, b;
	mxp_thread_cpu_init(&a, "a");
	mxp_thread_cpu_init(&b, "b");
	ck_pr_store_64(&a.user_us, 1000);
	ck_pr_store_64(&a.system_us, 20);
	ck_pr_store_64(&a.samples, 3);
	ck_pr_store_64(&b.user_us, 500);
	ck_pr_store_64(&b.system_us, 7);
	ck_pr_store_64(&b.samples, 1);
	const struct mxp_thread_cpu *slots[] = {&a, &b};
	struct mxp_thread_cpu_sample s;
	mxp_thread_cpu_sum(slots, 2, &s);
	cr_assert_eq(s.user_us, 1500);
	cr_assert_eq(s.system_us, 27);
	cr_assert_eq(s.samples, 4);
	cr_assert_eq(mxp_thread_cpu_total_us(&s), 1527);
	mxp_thread_cpu_sum(slots, 0, &s);
	cr_assert_eq(mxp_thread_cpu_total_us(&s), 0);
}
