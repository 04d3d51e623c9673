/* sender_worker.c — the sender's side of an instance whose transport runs on a worker
 * thread (worker.h: MongoDB). The queue, its accounting and `buffer on failures` are the
 * same as for any instance (send_queue.h); instead of a connection, each queued body is
 * handed to the worker, one at a time and in order, and its result decides: delivered,
 * refused for good (lost, with the reason in the log), or the whole body again after a
 * backoff with jitter (`retry backoff min/max ms`) — which, for MongoDB, inserts nothing
 * twice (the documents carry their _id). Only the sender thread runs this code. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "send/sender_internal.h"

/* The result of the request in flight: its fate in the queue and the log. */
static void settle(struct mxp_sender *s, struct inst *in, const struct mxp_worker_result *r, int64_t now)
{
	struct mxp_send_entry *e = in->req;
	in->req = NULL;
	long records = e->records;
	if (r->retry) {
		e->inflight = false;
		in->q.c.failures++;
		in->q.dirty = true;
		long delay = mxp_http_retry_delay_ms(in->http_backoff_ms, false, 0, &s->rng);
		in->http_retry_ms = now + delay;
		in->http_backoff_ms = in->http_backoff_ms * 2 > in->worker_retry_max_ms ? in->worker_retry_max_ms
											 : in->http_backoff_ms * 2;
		mxp_log_limited(&in->lim_send, MXP_LOG_WARNING, "%s: %s did not take %ld metrics (%s); again in %ld ms",
				in->name, in->dest_text, records, r->why, delay);
		return;
	}
	long delivered = r->delivered < 0 ? 0 : r->delivered > records ? records : r->delivered;
	long lost = records - delivered; /* whatever was not taken is lost: the equation holds */
	mxp_send_queue_request_split(&in->q, &s->pool, (uint64_t)delivered, (uint64_t)lost,
				     lost > 0 ? r->rejected_bytes : 0);
	in->http_backoff_ms = in->worker_retry_min_ms;
	if (lost > 0)
		mxp_log_limited(&in->lim_send, MXP_LOG_ERROR, "%s: %s refused %ld of %ld metrics (lost): %s", in->name,
				in->dest_text, lost, records, r->why[0] ? r->why : "no reason given");
	else if (r->why[0] != '\0')
		mxp_log_limited(&in->lim_recv, MXP_LOG_WARNING, "%s: %s: %s", in->name, in->dest_text, r->why);
}

int64_t mxp_worker_step(struct mxp_sender *s, struct inst *in, int64_t now)
{
	struct mxp_worker_result r;
	if (in->req != NULL) {
		if (!mxp_worker_poll(in->worker, &r))
			return INT64_MAX; /* its result wakes the loop */
		settle(s, in, &r, now);
	}
	if (now < in->http_retry_ms)
		return mxp_send_queue_empty(&in->q) ? INT64_MAX : in->http_retry_ms;
	struct mxp_send_entry *e = mxp_send_queue_next_request(&in->q, &s->pool);
	if (e == NULL)
		return INT64_MAX;
	if (mxp_worker_submit(in->worker, e->buf.data, e->buf.len, e->records) != 0)
		return INT64_MAX; /* cannot happen: one request at a time */
	in->req = e;
	e->inflight = true; /* `buffer on failures` leaves it alone until it is answered */
	return INT64_MAX;
}

void mxp_worker_drain(struct mxp_sender *s, struct inst *in, int64_t until_ms)
{
	/* the worker reads the body of its request until it ends, which its socket timeout
	 * bounds: the body cannot be freed before. Past until_ms this says so, once. */
	struct mxp_worker_result r;
	bool told = false;
	while (in->req != NULL) {
		if (mxp_worker_poll(in->worker, &r)) {
			settle(s, in, &r, mxp_send_now_ms());
			break;
		}
		if (!told && mxp_send_now_ms() > until_ms) {
			mxp_log(MXP_LOG_WARNING, "%s: waiting for %s to answer before stopping", in->name, in->dest_text);
			told = true;
		}
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
}
