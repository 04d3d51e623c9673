/* test_sender_worker.c — the sender with a transport on a worker thread (worker.h, as
 * MongoDB's) whose ops are a FAKE of the test: each request's result is scripted — taken,
 * partly refused, a failure that passes — and every request it saw is kept. The real
 * transport against a real server is in tests/integration/test_export_mongo.sh.
 *
 * Checked: requests in order, one at a time; a retry sends the same body again after the
 * backoff; refused metrics count lost (rejected) with their bytes; `buffer on failures`
 * drops whole intervals behind a request that keeps failing; every counters copy obeys
 * produced = delivered + buffered + lost. Both I/O backends (the worker wakes the loop). */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "send/sender.h"
#include "send/worker.h"

#define MAX_SEEN 256

static enum mxp_io_kind io_kind;

/* What the fake did: the bodies it was given, in order. */
static struct {
	pthread_mutex_t lock;
	char body[MAX_SEEN][32];
	unsigned n;
	unsigned fail_first;      /* this many requests fail (retry) first */
	int refuse_body;          /* the body number whose second metric is refused, or -1 */
	int opened, closed;
} fake = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void *fake_open(const void *conf, char *why, size_t whylen)
{
	if (conf != NULL && strcmp(conf, "bad") == 0) {
		snprintf(why, whylen, "the fake says its settings are bad");
		return NULL;
	}
	fake.opened++;
	return &fake;
}

static void fake_send(void *state, const char *body, size_t len, long records, struct mxp_worker_result *r)
{
	(void)state;
	usleep(2000); /* blocking, as a library would */
	pthread_mutex_lock(&fake.lock);
	unsigned n = fake.n;
	if (n < MAX_SEEN)
		snprintf(fake.body[n], sizeof(fake.body[n]), "%.*s", (int)(len < 31 ? len : 31), body);
	fake.n++;
	pthread_mutex_unlock(&fake.lock);
	if (n < fake.fail_first) {
		r->retry = true;
		snprintf(r->why, sizeof(r->why), "the fake is down");
		return;
	}
	int b = -1;
	sscanf(body, "body %d", &b);
	if (b == fake.refuse_body && records >= 2) {
		r->delivered = records - 1;
		r->rejected = 1;
		r->rejected_bytes = 3;
		snprintf(r->why, sizeof(r->why), "the fake refuses one");
		return;
	}
	r->delivered = records;
}

static void fake_close(void *state)
{
	(void)state;
	fake.closed++;
}

static const struct mxp_worker_ops fake_ops = {
	.name = "fake", .open = fake_open, .send = fake_send, .close = fake_close};

static struct mxp_send_counters counters(struct mxp_sender *s, unsigned i)
{
	struct mxp_send_counters c;
	mxp_sender_counters(s, i, &c);
	cr_assert_eq(c.produced, c.delivered + c.buffered + c.lost);
	cr_assert_eq(c.bytes_produced, c.bytes_sent + c.bytes_buffered + c.bytes_lost);
	cr_assert_eq(c.lost, c.lost_buffer_full + c.lost_shutdown + c.lost_rejected + c.lost_too_large);
	return c;
}

static struct mxp_send_counters settled(struct mxp_sender *s, unsigned i, uint64_t want)
{
	struct mxp_send_counters c;
	for (int k = 0; k < 10000; k++) {
		c = counters(s, i);
		if (c.produced == want && c.buffered == 0)
			return c;
		usleep(1000);
	}
	cr_assert_fail("not settled: produced %llu buffered %llu", (unsigned long long)c.produced,
		       (unsigned long long)c.buffered);
	return c;
}

static struct mxp_sender *start(long keep, unsigned *i)
{
	struct mxp_sender *s = mxp_sender_new(io_kind);
	cr_assert_not_null(s);
	struct mxp_sender_instance def = {.name = "worker-test",
					  .buffer_on_failures = keep,
					  .worker_ops = &fake_ops,
					  .worker_conf = "good",
					  .retry_min_ms = 10,
					  .retry_max_ms = 40};
	int idx = mxp_sender_add(s, &def);
	cr_assert_geq(idx, 0);
	*i = (unsigned)idx;
	cr_assert_eq(mxp_sender_start(s), 0);
	return s;
}

/* interval iv: bodies 2iv and 2iv+1 of 3 metrics each */
static void put_interval(struct mxp_sender *s, unsigned i, int iv)
{
	for (int b = 2 * iv; b < 2 * iv + 2; b++) {
		struct mxp_buf buf = {0};
		char t[32];
		int n = snprintf(t, sizeof(t), "body %d.", b);
		cr_assert_eq(mxp_buf_put(&buf, t, (size_t)n), 0);
		cr_assert_eq(mxp_sender_put(s, i, &buf, 3), 0);
		mxp_buf_free(&buf);
	}
	cr_assert_eq(mxp_sender_end_interval(s, i), 0);
}

static void reset(unsigned fail_first, int refuse)
{
	fake.n = 0;
	fake.fail_first = fail_first;
	fake.refuse_body = refuse;
}

static void test_in_order_retried_refused(void)
{
	reset(3, 2);
	unsigned i;
	struct mxp_sender *s = start(10, &i);
	for (int iv = 0; iv < 3; iv++)
		put_interval(s, i, iv);
	struct mxp_send_counters c = settled(s, i, 18);
	cr_assert_eq(c.delivered, 17);
	cr_assert_eq(c.lost_rejected, 1, "body 2's refused metric");
	cr_assert_eq(c.bytes_lost, 3);
	cr_assert_eq(c.failures, 3);
	cr_assert_eq(c.writes, 3, "intervals written: %llu", (unsigned long long)c.writes);
	mxp_sender_stop(s, 1000);
	/* body 0 three times failing, then 0 .. 5 in order, none twice */
	cr_assert_eq(fake.n, 9, "requests %u", fake.n);
	for (unsigned k = 0; k < 3; k++)
		cr_assert_str_eq(fake.body[k], "body 0.");
	for (unsigned k = 3; k < 9; k++) {
		char want[16];
		snprintf(want, sizeof(want), "body %u.", k - 3);
		cr_assert_str_eq(fake.body[k], want);
	}
	mxp_sender_free(s);
	cr_assert_eq(fake.closed, fake.opened, "the transport is closed once");
}

static void test_buffer_on_failures_drops_behind_a_failing_request(void)
{
	reset(60, -1);
	unsigned i;
	struct mxp_sender *s = start(2, &i);
	for (int iv = 0; iv < 5; iv++)
		put_interval(s, i, iv);
	struct mxp_send_counters c = settled(s, i, 30);
	cr_assert_eq(c.delivered + c.lost_buffer_full, 30);
	cr_assert_gt(c.lost_buffer_full, 0);
	cr_assert_eq(c.lost_buffer_full % 6, 0, "whole intervals");
	mxp_sender_stop(s, 1000);
	mxp_sender_free(s);
}

static void test_open_failure_is_an_error(void)
{
	struct mxp_sender *s = mxp_sender_new(io_kind);
	struct mxp_sender_instance def = {.name = "bad", .worker_ops = &fake_ops, .worker_conf = "bad"};
	cr_assert_eq(mxp_sender_add(s, &def), -EINVAL);
	mxp_sender_free(s);
}

#define BOTH(name)                                                             \
	Test(sender_worker, name##_uring) { io_kind = MXP_IO_URING; test_##name(); } \
	Test(sender_worker, name##_epoll) { io_kind = MXP_IO_EPOLL; test_##name(); }

BOTH(in_order_retried_refused)
BOTH(buffer_on_failures_drops_behind_a_failing_request)
BOTH(open_failure_is_an_error)
