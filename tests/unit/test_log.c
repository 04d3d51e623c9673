/* test_log.c — log lines reach the sink; repeated events are rate-limited, and the
 * line after a quiet period says how many were held back. */
#include <criterion/criterion.h>
#include <string.h>

#include "engine/log.h"

static char lines[16][1024];
static int nlines;
static int64_t fake_now;

static void capture(enum mxp_log_level level, const char *line, void *arg)
{
	(void)level;
	(void)arg;
	if (nlines < 16)
		strcpy(lines[nlines++], line);
}

static int64_t fake_clock(void)
{
	return fake_now;
}

static void setup(void)
{
	nlines = 0;
	fake_now = 1000000;
	mxp_log_configure(capture, NULL, MXP_LOG_INFO);
	mxp_log_set_clock(fake_clock);
}

static void teardown(void)
{
	mxp_log_configure(NULL, NULL, MXP_LOG_INFO);
	mxp_log_set_clock(NULL);
}

TestSuite(log, .init = setup, .fini = teardown);

Test(log, levels_above_the_maximum_are_dropped)
{
	mxp_log(MXP_LOG_INFO, "info %d", 1);
	mxp_log(MXP_LOG_DEBUG, "debug");
	mxp_log_configure(capture, NULL, MXP_LOG_WARNING);
	mxp_log(MXP_LOG_INFO, "info %d", 2);
	mxp_log(MXP_LOG_ERROR, "error");
	cr_assert_eq(nlines, 2);
	cr_assert_str_eq(lines[0], "info 1");
	cr_assert_str_eq(lines[1], "error");
}

Test(log, a_repeated_event_passes_once_per_period)
{
	struct mxp_log_limit lim = {.period_s = 10};
	for (int i = 0; i < 5; i++)
		mxp_log_limited(&lim, MXP_LOG_ERROR, "receiver %s failed", "r1");
	cr_assert_eq(nlines, 1, "one line for five events");
	cr_assert_str_eq(lines[0], "receiver r1 failed");
	fake_now += 9999;
	mxp_log_limited(&lim, MXP_LOG_ERROR, "receiver %s failed", "r1");
	cr_assert_eq(nlines, 1, "still inside the period");
	fake_now += 1;
	mxp_log_limited(&lim, MXP_LOG_ERROR, "receiver %s failed", "r1");
	cr_assert_eq(nlines, 2);
	cr_assert_str_eq(lines[1], "receiver r1 failed (and 5 more like this since the last report)");
	fake_now += 10000;
	mxp_log_limited(&lim, MXP_LOG_ERROR, "quiet again");
	cr_assert_str_eq(lines[2], "quiet again", "nothing was held back this time");
}

Test(log, limiters_are_independent_and_default_to_a_minute)
{
	struct mxp_log_limit a = {0}, b = {0};
	mxp_log_limited(&a, MXP_LOG_WARNING, "a");
	mxp_log_limited(&b, MXP_LOG_WARNING, "b");
	mxp_log_limited(&a, MXP_LOG_WARNING, "a");
	cr_assert_eq(nlines, 2);
	fake_now += 59999;
	mxp_log_limited(&a, MXP_LOG_WARNING, "a");
	cr_assert_eq(nlines, 2);
	fake_now += 1;
	mxp_log_limited(&a, MXP_LOG_WARNING, "a");
	cr_assert_eq(nlines, 3);
	cr_assert_str_eq(lines[2], "a (and 2 more like this since the last report)");
}
