/* sender_http.c — the sender's HTTP transport, and TLS under it (https). The loop, the
 * connection state machine and the queue are sender.c's; an instance whose `http` is
 * set comes here for what it writes and reads on a CONNECTED connection.
 *
 * One request at a time per connection, on keep-alive: each queue entry with bytes is
 * one body (a formatter's sealed buffer); its head is written here (http_request.c),
 * and the next request starts when the response to this one is complete. The response
 * decides (mxp_http_status_action, one table): 2xx delivered; 429/5xx the same request
 * again after a backoff with jitter (retry backoff min/max ms), or Retry-After when
 * longer, the instance's later requests waiting behind it so intervals stay in order;
 * any other status lost (`lost_rejected`) with the receiver's answer in the log. A
 * request that is not answered (the connection broke, garbage came back, `timeout ms`
 * passed) is sent again whole on the next connection. A receiver that ends a
 * keep-alive connection between requests (or as one goes out: the request is then
 * unanswered and goes again) costs a reconnect, not a failure nor a request.
 * `buffer on failures` applies as for lines: the request in flight is never dropped,
 * the intervals queued behind it may be.
 *
 * TLS (tls.h): the session is a byte pump over this connection's socket. The request's
 * head and body are encrypted when it starts; what the session holds to send goes out
 * through the same completion I/O (its pending run stays put until sent, so the
 * asynchronous send may read it). Received bytes are fed to it; plaintext read out of
 * it goes to the response parser. A handshake that fails (not TLS, an untrusted or
 * expired certificate, a wrong host name) is a failed connection: counted in
 * `failures`, logged with the reason, retried with the backoff; never plaintext.
 *
 * Only the sender thread runs this code. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "send/sender_internal.h"


/* The session failed: counted, logged with its reason, and the connection goes. */
static void tls_failed(struct mxp_sender *s, struct inst *in, int64_t now)
{
	static const char *const what[] = {
		[MXP_TLS_E_NONE] = "TLS failed",
		[MXP_TLS_E_HANDSHAKE] = "TLS handshake failed",
		[MXP_TLS_E_UNTRUSTED] = "TLS: untrusted certificate",
		[MXP_TLS_E_HOSTNAME] = "TLS: wrong host name",
		[MXP_TLS_E_EXPIRED] = "TLS: certificate out of its validity",
		[MXP_TLS_E_PROTOCOL] = "TLS session failed",
	};
	enum mxp_tls_error_kind k = mxp_tls_error_kind(in->tls);
	in->q.c.failures++;
	in->q.dirty = true;
	mxp_log_limited(&in->lim_conn, MXP_LOG_ERROR, "%s: %s with %s: %s; nothing is sent in plain text, retrying",
			in->name, (unsigned)k < sizeof(what) / sizeof(what[0]) ? what[k] : what[0], in->dest_text,
			mxp_tls_error(in->tls));
	mxp_sender_close_conn(s, in, now);
}

/* TLS: nothing of the session's output is waiting to be sent. */
static bool tls_all_sent(struct inst *in)
{
	const void *d;
	return mxp_tls_pending(in->tls, &d) == 0;
}

/* The next request at the head of the queue, its head written; false when none may go
 * now (none queued, or a retry delay runs). */
static bool next_request(struct mxp_sender *s, struct inst *in, int64_t now)
{
	if (now < in->http_retry_ms)
		return false;
	struct mxp_send_entry *e = mxp_send_queue_next_request(&in->q, &s->pool);
	if (e == NULL)
		return false;
	const struct mxp_sender_http *h = in->http;
	const char *signed_headers = NULL;
	if (h->api != NULL && h->api->sign != NULL) {
		/* signed at each attempt: a signature is only good for a few minutes */
		char host[MXP_DEST_HOST_MAX + MXP_DEST_PORT_MAX + 4];
		mxp_http_host(host, sizeof(host), h, &in->dest[in->dest_i]);
		mxp_buf_reset(&in->signed_headers);
		int rc = h->api->sign(h, host, e->buf.data, e->buf.len, time(NULL), &in->signed_headers);
		if (rc == 0)
			rc = mxp_buf_put(&in->signed_headers, "", 1);
		if (rc != 0) {
			mxp_log_limited(&in->lim_send, MXP_LOG_ERROR, "%s: cannot sign a request: %s", in->name,
					strerror(-rc));
			return false;
		}
		signed_headers = in->signed_headers.data;
	}
	if (mxp_http_request_head(&in->reqhead, h, &in->dest[in->dest_i], e->buf.len, signed_headers) != 0) {
		mxp_log_limited(&in->lim_send, MXP_LOG_ERROR, "%s: out of memory writing a request", in->name);
		return false;
	}
	in->req = e;
	e->inflight = true; /* `buffer on failures` leaves it alone until it is answered */
	in->req_off = 0;
	in->awaiting = false;
	return true;
}

static void start_send_tls(struct mxp_sender *s, struct inst *in, int64_t now)
{
	if (in->tls_ready && in->req == NULL && next_request(s, in, now)) {
		/* the session copies the plaintext: the whole request is handed over now */
		if (mxp_tls_write(in->tls, in->reqhead.data, in->reqhead.len) != MXP_TLS_OK ||
		    mxp_tls_write(in->tls, in->req->buf.data, in->req->buf.len) != MXP_TLS_OK) {
			tls_failed(s, in, now);
			return;
		}
		in->req_off = in->reqhead.len + in->req->buf.len;
	}
	const void *data;
	size_t n = mxp_tls_pending(in->tls, &data);
	if (n == 0) {
		if (in->req != NULL && !in->awaiting && in->req_off > 0) {
			in->awaiting = true;
			in->awaited_ms = now;
		}
		return;
	}
	in->iov[0].iov_base = (void *)data;
	in->iov[0].iov_len = n;
	in->progress_ms = now;
	int rc = mxp_io_send(s->io, &in->send_req, in->fd, in->iov, 1);
	if (rc != 0)
		mxp_log_limited(&in->lim_send, MXP_LOG_ERROR, "%s: cannot start a send: %s", in->name, strerror(-rc));
}

/* Writes the request at the head of the queue (its head and body, from req_off on),
 * or, with TLS, what the session has to send. */
void mxp_http_start_send(struct mxp_sender *s, struct inst *in)
{
	int64_t now = mxp_send_now_ms();
	if (in->answered_early)
		return;
	if (in->tls != NULL) {
		start_send_tls(s, in, now);
		return;
	}
	if (in->req == NULL && !next_request(s, in, now))
		return;
	if (in->awaiting)
		return;
	size_t hl = in->reqhead.len;
	unsigned k = 0;
	if (in->req_off < hl) {
		in->iov[k].iov_base = in->reqhead.data + in->req_off;
		in->iov[k++].iov_len = hl - in->req_off;
	}
	size_t boff = in->req_off > hl ? in->req_off - hl : 0;
	if (boff < in->req->buf.len) {
		in->iov[k].iov_base = in->req->buf.data + boff;
		in->iov[k++].iov_len = in->req->buf.len - boff;
	}
	in->progress_ms = now;
	int rc = mxp_io_send(s->io, &in->send_req, in->fd, in->iov, k);
	if (rc != 0)
		mxp_log_limited(&in->lim_send, MXP_LOG_ERROR, "%s: cannot start a send: %s", in->name, strerror(-rc));
}

/* Up to HTTP_BODY_LOGGED bytes of a response body for the log, on one line. */
static int body_for_log(const struct mxp_http_response *r, char *out, size_t cap)
{
	size_t n = r->body_len < cap - 1 ? r->body_len : cap - 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)r->body[i];
		out[i] = c == '\r' || c == '\n' || c == '\t' ? ' ' : (char)c;
	}
	out[n] = '\0';
	return (int)n;
}

/* The response the parser holds answers the request in flight: the status policy
 * decides its fate (http_request.h) — delivered, the same request again after a delay,
 * or lost — and the request is no longer in flight. The connection is not touched. */
static void settle(struct mxp_sender *s, struct inst *in, int64_t now)
{
	const struct mxp_http_response *r = &in->parser->res;
	char body[HTTP_BODY_LOGGED + 1];
	long metrics = in->req->records;
	in->answered++;
	const struct mxp_http_api *api = in->http->api;
	long left = metrics;
	char why[256] = "";
	size_t before_len = in->req->buf.len;
	enum mxp_http_action action = api != NULL && api->answer != NULL
					      ? api->answer(in->http, r, &in->req->buf, &left, why, sizeof(why))
					      : mxp_http_status_action(r->status);
	switch (action) {
	case MXP_HTTP_PARTIAL:
		/* what was taken is delivered; the body now holds the rest, sent again after
		 * the backoff as a 429/5xx would be */
		mxp_send_queue_request_partial(&in->q, (uint64_t)(metrics - left), before_len);
		in->req->inflight = false;
		in->q.c.failures++;
		in->q.dirty = true;
		{
			long delay = mxp_http_retry_delay_ms(in->http_backoff_ms, false, 0, &s->rng);
			in->http_retry_ms = now + delay;
			in->http_backoff_ms = in->http_backoff_ms * 2 > in->http->retry_max_ms ? in->http->retry_max_ms
											       : in->http_backoff_ms * 2;
			mxp_log_limited(&in->lim_http, MXP_LOG_WARNING,
					"%s: %s took %ld of %ld metrics (%s); sending the other %ld again in %ld ms",
					in->name, in->dest_text, metrics - left, metrics, why, left, delay);
		}
		break;
	case MXP_HTTP_DELIVERED:
		mxp_send_queue_request_done(&in->q, &s->pool, true);
		in->http_backoff_ms = in->http->retry_min_ms;
		/* a connection is good once the receiver takes requests: not when bytes go
		 * out (a receiver that reads a request and closes is retried with backoff) */
		in->backoff_ms = BACKOFF_MIN_MS;
		break;
	case MXP_HTTP_RETRY: {
		in->req->inflight = false;
		in->q.c.failures++;
		in->q.dirty = true;
		long delay = mxp_http_retry_delay_ms(in->http_backoff_ms, r->has_retry_after, r->retry_after_s, &s->rng);
		in->http_retry_ms = now + delay;
		in->http_backoff_ms = in->http_backoff_ms * 2 > in->http->retry_max_ms ? in->http->retry_max_ms
										       : in->http_backoff_ms * 2;
		body_for_log(r, body, sizeof(body));
		mxp_log_limited(&in->lim_http, MXP_LOG_WARNING,
				"%s: %s answered %d %s to %ld metrics; sending them again in %ld ms%s: '%s'%s%s", in->name,
				in->dest_text, r->status, r->reason, metrics, delay,
				r->has_retry_after ? " (Retry-After)" : "", body, why[0] ? "; " : "", why);
		break;
	}
	case MXP_HTTP_REJECTED:
		mxp_send_queue_request_done(&in->q, &s->pool, false);
		body_for_log(r, body, sizeof(body));
		mxp_log_limited(&in->lim_http, MXP_LOG_ERROR,
				"%s: %s refused %ld metrics with %d %s (lost: a request it refuses is not sent again): "
				"'%s'%s%s",
				in->name, in->dest_text, metrics, r->status, r->reason, body, why[0] ? "; " : "", why);
		break;
	}
	in->req = NULL;
	in->awaiting = false;
	in->req_off = 0;
}

/* The response to the request in flight is complete: settle it, and keep the
 * connection unless the receiver ends it. Returns false when the connection is
 * closing. */
static bool http_response(struct mxp_sender *s, struct inst *in, int64_t now)
{
	const struct mxp_http_response *r = &in->parser->res;
	char body[HTTP_BODY_LOGGED + 1];
	if (in->req == NULL) {
		body_for_log(r, body, sizeof(body));
		if (r->status == 408) {
			/* some servers say 408 on an idle keep-alive connection as they close it */
			mxp_log_limited(&in->lim_recv, MXP_LOG_INFO, "%s: %s timed out the idle connection (408)",
					in->name, in->dest_text);
			in->quiet_close = true;
		} else {
			in->q.c.failures++;
			in->q.dirty = true;
			mxp_log_limited(&in->lim_http, MXP_LOG_ERROR,
					"%s: %s answered %d %s to no request; reconnecting: '%s'", in->name,
					in->dest_text, r->status, r->reason, body);
		}
		mxp_sender_close_conn(s, in, now);
		return false;
	}
	bool complete = in->awaiting;
	settle(s, in, now);
	if (r->close || !complete) {
		/* the receiver ends the connection, or answered before reading the whole
		 * request: a new connection for the next one */
		in->quiet_close = true;
		mxp_sender_close_conn(s, in, now);
		return false;
	}
	return true;
}

/* Parses the plaintext at in->rx[rb_off, rb_len); each complete response is handled.
 * Returns false when it stopped: the connection is closing, or a response waits for the
 * send in flight to complete (answered_early). */
static bool parse_buffered(struct mxp_sender *s, struct inst *in, int64_t now)
{
	while (in->rb_off < in->rb_len) {
		size_t used = 0;
		int rc = mxp_http_parse(in->parser, in->rx + in->rb_off, in->rb_len - in->rb_off, &used);
		in->rb_off += used;
		if (rc == MXP_HTTP_MORE)
			break;
		if (rc < 0) {
			in->q.c.failures++;
			in->q.dirty = true;
			mxp_log_limited(&in->lim_http, MXP_LOG_ERROR,
					"%s: %s answered with something that is not HTTP (%s); reconnecting", in->name,
					in->dest_text, mxp_http_strerror(rc));
			mxp_sender_close_conn(s, in, now);
			return false;
		}
		if (in->send_req.busy) {
			/* answered while the request is still being written: handled when the
			 * send completes, as the kernel reads its bytes until then (the parser
			 * keeps the response meanwhile) */
			in->answered_early = true;
			return false;
		}
		if (!http_response(s, in, now))
			return false;
	}
	in->rb_off = in->rb_len = 0;
	return true;
}

static void on_closed(struct mxp_sender *s, struct inst *in, int res, int64_t now);

/* What was received is parsed: with TLS, read the session's next plaintext; then arm
 * the next receive and send what may go. */
static void receive_more(struct mxp_sender *s, struct inst *in, int64_t now)
{
	while (in->tls != NULL) {
		long n = mxp_tls_read(in->tls, in->pbuf, sizeof(in->pbuf));
		if (n > 0) {
			in->rx = in->pbuf;
			in->rb_off = 0;
			in->rb_len = (size_t)n;
			if (!parse_buffered(s, in, now))
				return;
			continue;
		}
		if (n == MXP_TLS_WANT)
			break;
		if (n == MXP_TLS_CLOSED) {
			on_closed(s, in, 0, now);
			return;
		}
		tls_failed(s, in, now);
		return;
	}
	mxp_sender_arm_recv(s, in);
	mxp_sender_start_send(s, in);
}

/* The receiver closed (res 0, or a TLS close_notify) or reset (res < 0). */
static void on_closed(struct mxp_sender *s, struct inst *in, int res, int64_t now)
{
	if (in->answered_early) {
		/* the receiver answered, then closed (often with the rest of the body
		 * unread): the answer is settled when the send in flight is over */
		in->quiet_close = true;
		mxp_sender_close_conn(s, in, now);
		return;
	}
	/* a reset is a close too: the receiver closed with our next request unread */
	bool reset = res == -ECONNRESET || res == -EPIPE;
	bool inside = in->parser->started && in->parser->state != MXP_HTTP_ST_DONE;
	int rc = res == 0 ? mxp_http_parse_eof(in->parser)
		 : reset ? (inside ? MXP_HTTP_E_TRUNCATED : MXP_HTTP_E_NO_RESPONSE)
			 : res;
	if (rc == MXP_HTTP_DONE) {
		/* a body that ended with the connection: a response like any other */
		if (!in->send_req.busy && http_response(s, in, now))
			mxp_sender_close_conn(s, in, now);
		else if (in->state == CONNECTED)
			mxp_sender_close_conn(s, in, now);
		return;
	}
	if ((res == 0 || reset) && rc == MXP_HTTP_E_NO_RESPONSE && in->answered > 0) {
		/* a keep-alive connection the receiver ended between requests (or as one
		 * was going out): a reconnect, not a failure; the request goes again */
		mxp_log_limited(&in->lim_recv, MXP_LOG_INFO, "%s: %s closed the keep-alive connection%s", in->name,
				in->dest_text, in->req != NULL ? "; sending the request again on a new one" : "");
		in->quiet_close = true;
		mxp_sender_close_conn(s, in, now);
		return;
	}
	in->q.c.failures++;
	in->q.dirty = true;
	mxp_log_limited(&in->lim_send, MXP_LOG_ERROR, "%s: %s %s; reconnecting", in->name, in->dest_text,
			res == 0 ? (rc == MXP_HTTP_E_TRUNCATED ? "closed the connection inside a response"
							       : "closed the connection without answering")
				 : strerror(-res));
	mxp_sender_close_conn(s, in, now);
}

void mxp_http_on_recv(struct mxp_sender *s, struct inst *in, int res, int64_t now)
{
	if (res <= 0) {
		on_closed(s, in, res, now);
		return;
	}
	in->q.c.bytes_received += (uint64_t)res;
	in->q.c.reads++;
	in->q.dirty = true;
	if (in->tls == NULL) {
		in->rx = in->rbuf;
		in->rb_off = 0;
		in->rb_len = (size_t)res;
		if (parse_buffered(s, in, now))
			receive_more(s, in, now);
		return;
	}
	if (mxp_tls_feed(in->tls, in->rbuf, (size_t)res) != 0) {
		in->q.c.failures++;
		in->q.dirty = true;
		mxp_log_limited(&in->lim_conn, MXP_LOG_ERROR, "%s: out of memory reading from %s", in->name,
				in->dest_text);
		mxp_sender_close_conn(s, in, now);
		return;
	}
	if (!in->tls_ready) {
		int rc = mxp_tls_handshake(in->tls);
		if (rc == MXP_TLS_ERROR) {
			tls_failed(s, in, now);
			return;
		}
		if (rc == MXP_TLS_OK) {
			in->tls_ready = true;
			mxp_log(MXP_LOG_INFO, "%s: %s with %s%s", in->name, mxp_tls_version(in->tls), in->dest_text,
				mxp_tls_verifying(in->tls_ctx) ? ", certificate verified" : ", certificate NOT verified");
		}
	}
	receive_more(s, in, now);
}

void mxp_http_on_sent(struct mxp_sender *s, struct inst *in, int res, int64_t now)
{
	if (res > 0) {
		in->progress_ms = now;
		if (in->tls != NULL) {
			mxp_tls_consumed(in->tls, (size_t)res);
			if (in->req != NULL && in->req_off > 0 && !in->awaiting && tls_all_sent(in)) {
				in->awaiting = true;
				in->awaited_ms = now;
			}
		} else {
			in->req_off += (size_t)res;
			if (in->req != NULL && in->req_off >= in->reqhead.len + in->req->buf.len) {
				in->awaiting = true;
				in->awaited_ms = now;
			}
		}
		if (in->answered_early) {
			in->answered_early = false;
			if (!http_response(s, in, now))
				return;
			if (parse_buffered(s, in, now)) /* what followed the response */
				receive_more(s, in, now);
			return;
		}
		mxp_http_start_send(s, in);
		return;
	}
	if (in->answered_early) {
		/* it answered before the body was in, then reset: its answer is settled
		 * at the close */
		in->quiet_close = true;
	} else if (in->answered > 0 && (res == -EPIPE || res == -ECONNRESET)) {
		/* the receiver ended the keep-alive connection as the request went out */
		mxp_log_limited(&in->lim_recv, MXP_LOG_INFO,
				"%s: %s closed the keep-alive connection; sending the request again on a new one",
				in->name, in->dest_text);
		in->quiet_close = true;
	} else {
		/* a failure, unless an answer that explains it is found as the connection goes
		 * (a refusal sent just before the reset): mxp_http_closed decides */
		in->send_error = res == 0 ? -EIO : res;
	}
	mxp_sender_close_conn(s, in, now);
}

void mxp_http_connected(struct mxp_sender *s, struct inst *in, int64_t now)
{
	mxp_http_parser_reset(in->parser);
	in->answered = 0;
	in->rb_off = in->rb_len = 0;
	if (in->tls_ctx != NULL) {
		in->tls_ready = false;
		in->handshake_deadline_ms = now + in->timeout_ms;
		in->tls = mxp_tls_new(in->tls_ctx, in->dest[in->dest_i].host);
		if (in->tls == NULL) {
			in->q.c.failures++;
			in->q.dirty = true;
			mxp_log_limited(&in->lim_conn, MXP_LOG_ERROR, "%s: out of memory starting TLS", in->name);
			mxp_sender_close_conn(s, in, now);
			return;
		}
		if (mxp_tls_handshake(in->tls) == MXP_TLS_ERROR) { /* writes the ClientHello */
			tls_failed(s, in, now);
			return;
		}
	}
	mxp_sender_arm_recv(s, in);
	mxp_sender_start_send(s, in);
}

/* Feeds n plaintext bytes to the parser; true when they complete a response. */
static bool last_parse(struct inst *in, const char *p, size_t n)
{
	while (n > 0) {
		size_t used = 0;
		int rc = mxp_http_parse(in->parser, p, n, &used);
		if (rc == MXP_HTTP_DONE)
			return true;
		if (rc != MXP_HTTP_MORE || used == 0)
			return false;
		p += used;
		n -= used;
	}
	return false;
}

/* n bytes read off a connection that is going: true when they complete the answer
 * to the request in flight, which is then settled by mxp_http_closed. */
static bool absorb(struct inst *in, const char *data, size_t n)
{
	if (in->req == NULL || in->answered_early)
		return false;
	in->q.c.bytes_received += (uint64_t)n;
	in->q.c.reads++;
	in->q.dirty = true;
	bool done = false;
	if (in->tls == NULL) {
		done = last_parse(in, data, n);
	} else if (mxp_tls_feed(in->tls, data, n) == 0) {
		long k;
		while (!done && (k = mxp_tls_read(in->tls, in->pbuf, sizeof(in->pbuf))) > 0)
			done = last_parse(in, in->pbuf, (size_t)k);
	}
	if (done) {
		in->answered_early = true;
		in->quiet_close = true;
	}
	return done;
}

void mxp_http_closing_read(struct inst *in, int res)
{
	if (res > 0)
		absorb(in, in->rbuf, (size_t)res);
}

void mxp_http_last_words(struct inst *in)
{
	/* a request is unanswered as the connection goes: the receiver may have answered
	 * and reset at once (a refusal before the body), and the event that closes came
	 * first. Whatever it said is still in the socket; read it without waiting. */
	for (int round = 0; round < 16 && in->req != NULL && !in->answered_early && in->fd >= 0; round++) {
		ssize_t n = recv(in->fd, in->rbuf, sizeof(in->rbuf), MSG_DONTWAIT);
		if (n <= 0 || absorb(in, in->rbuf, (size_t)n))
			return;
	}
}

void mxp_http_closed(struct mxp_sender *s, struct inst *in, int64_t now)
{
	/* an answer that came before the request was written in full decides the
	 * request now that no send reads it any more */
	bool answered = in->answered_early && in->req != NULL;
	if (answered) {
		settle(s, in, now);
		in->quiet_close = true;
	}
	if (in->send_error != 0 && !answered) {
		in->q.c.failures++;
		in->q.dirty = true;
		mxp_log_limited(&in->lim_send, MXP_LOG_ERROR, "%s: sending to %s failed: %s; reconnecting", in->name,
				in->dest_text, in->send_error == -EIO ? "nothing written" : strerror(-in->send_error));
	}
	in->send_error = 0;
	/* an unanswered request is sent again, whole, on the next connection */
	in->req = NULL;
	in->req_off = 0;
	in->awaiting = in->answered_early = false;
	in->answered = 0;
	in->rb_off = in->rb_len = 0;
	mxp_http_parser_reset(in->parser);
	/* nothing is in flight now, so the session's pending run is no longer read */
	mxp_tls_free(in->tls);
	in->tls = NULL;
	in->tls_ready = false;
}

int64_t mxp_http_step(struct mxp_sender *s, struct inst *in, int64_t now, int64_t next)
{
	if (in->tls != NULL && !in->tls_ready) {
		if (now >= in->handshake_deadline_ms) {
			in->q.c.failures++;
			in->q.dirty = true;
			mxp_log_limited(&in->lim_conn, MXP_LOG_ERROR,
					"%s: the TLS handshake with %s did not finish within %ld ms ('timeout ms'); "
					"reconnecting",
					in->name, in->dest_text, in->timeout_ms);
			mxp_sender_close_conn(s, in, now);
			return INT64_MAX;
		}
		return in->handshake_deadline_ms < next ? in->handshake_deadline_ms : next;
	}
	if (in->awaiting && now - in->awaited_ms >= in->timeout_ms) {
		in->q.c.failures++;
		in->q.dirty = true;
		mxp_log_limited(&in->lim_http, MXP_LOG_ERROR,
				"%s: %s did not answer within %ld ms ('timeout ms'); reconnecting", in->name,
				in->dest_text, in->timeout_ms);
		mxp_sender_close_conn(s, in, now);
		return INT64_MAX;
	}
	if (in->awaiting && in->awaited_ms + in->timeout_ms < next)
		next = in->awaited_ms + in->timeout_ms;
	else if (in->req == NULL && now < in->http_retry_ms && !mxp_send_queue_empty(&in->q) &&
		 in->http_retry_ms < next)
		next = in->http_retry_ms;
	return next;
}

/* The instance's copy of the HTTP settings (one allocation for the strings), its
 * response parser and, for https, its TLS settings (certificates loaded now, so a bad
 * file is an error at start). 0, -ENOMEM or -EINVAL (logged). */
int mxp_http_inst_init(struct inst *in, const struct mxp_sender_http *h)
{
	const struct mxp_tls_options *t = &h->tls_options;
	enum { NSTR = 14 };
	const char *src[NSTR] = {h->path,
				 h->content_type,
				 h->headers,
				 h->authorization,
				 t->ca_file,
				 t->ca_path,
				 t->cert_file,
				 t->key_file,
				 h->aws.access_key_id,
				 h->aws.secret_access_key,
				 h->aws.session_token,
				 h->aws.region,
				 h->aws.service,
				 h->host_header};
	size_t total = 0;
	for (int i = 0; i < NSTR; i++)
		total += (src[i] ? strlen(src[i]) : 0) + 1;
	in->http = malloc(sizeof(*in->http));
	in->http_text = malloc(total);
	in->parser = malloc(sizeof(*in->parser));
	if (in->http == NULL || in->http_text == NULL || in->parser == NULL)
		return -ENOMEM;
	*in->http = *h;
	struct mxp_tls_options *o = &in->http->tls_options;
	struct mxp_aws_auth *aws = &in->http->aws;
	const char **dst[NSTR] = {&in->http->path,         &in->http->content_type,  &in->http->headers,
				  &in->http->authorization, &o->ca_file,             &o->ca_path,
				  &o->cert_file,            &o->key_file,            &aws->access_key_id,
				  &aws->secret_access_key,  &aws->session_token,     &aws->region,
				  &aws->service,            &in->http->host_header};
	char *w = in->http_text;
	for (int i = 0; i < NSTR; i++) {
		size_t n = src[i] ? strlen(src[i]) : 0;
		memcpy(w, src[i] ? src[i] : "", n);
		w[n] = '\0';
		/* an empty TLS path, credential or Host is "not set" */
		*dst[i] = i >= 4 && n == 0 ? NULL : w;
		w += n + 1;
	}
	if (in->http->retry_min_ms < 1)
		in->http->retry_min_ms = 30;
	if (in->http->retry_max_ms < in->http->retry_min_ms)
		in->http->retry_max_ms = in->http->retry_min_ms > 5000 ? in->http->retry_min_ms : 5000;
	in->http_backoff_ms = in->http->retry_min_ms;
	/* answers are small: keep enough of a body to log a refusal's reason */
	/* an api reads the answer's body (Kinesis: each record's result): keep all the
	 * parser can; otherwise enough to log a refusal */
	mxp_http_parser_init(in->parser, h->api != NULL ? MXP_HTTP_BODY_KEEP_MAX : HTTP_BODY_LOGGED);
	in->lim_http.period_s = 10;
	if (h->tls) {
		char err[MXP_TLS_ERROR_MAX];
		in->tls_ctx = mxp_tls_ctx_new(o, err, sizeof(err));
		if (in->tls_ctx == NULL) {
			mxp_log(MXP_LOG_ERROR, "%s: TLS: %s", in->name, err);
			return -EINVAL;
		}
		if (!mxp_tls_verifying(in->tls_ctx))
			mxp_log(MXP_LOG_WARNING,
				"%s: 'tls verify = no': the receiver's certificate is not checked, so anyone on the "
				"way can pose as it and read what is sent",
				in->name);
	}
	return 0;
}

void mxp_http_inst_free(struct inst *in)
{
	free(in->http);
	free(in->http_text);
	free(in->parser);
	mxp_buf_free(&in->reqhead);
	mxp_buf_free(&in->signed_headers);
	mxp_tls_free(in->tls);
	mxp_tls_ctx_free(in->tls_ctx);
}
