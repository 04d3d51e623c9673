/* sender.c — one thread, every connection: per instance a queue of formatted bytes
 * (send_queue.c: the entries, the line-by-line accounting, the drop rule), a connection
 * state machine (here), and the counters (send_counters.h) published from the queue's.
 *
 * Hand-over (producer -> sender), one mxp_channel per instance:
 *   producer: the instance's pipeline sink (mxp_sender_put / _end_interval). It swaps
 *             its full buffer into a channel object, publishes it, and wakes the sender.
 *   consumer: the sender thread. It swaps the bytes into a queue entry of its own (an
 *             empty, already grown buffer goes back in the object) and releases it.
 *   ordering: the channel's (ring/channel.h): the producer's writes to the object
 *             happen before the sender's reads, and the sender's before the producer's
 *             reuse. The buffers' memory changes hands with the object, so no copy.
 * The queue, the connection and the private counters are the sender thread's alone.
 *
 * Counters: the sender updates a private copy and publishes it after every round of its
 * loop inside the instance's ck_sequence (a seqlock), field by field with ck_pr stores;
 * readers copy with ck_pr loads and retry while a write was in progress. So a reader
 * sees one moment of the sender's, where produced == delivered + buffered + lost.
 *
 * Connection states (per instance):
 *   DISCONNECTED --(data queued, retry time reached)--> CONNECTING (destination i, in
 *   order; `timeout ms` to answer) --ok--> CONNECTED --(send/recv error, peer closed)-->
 *   CLOSING (cancel what is in flight, wait for it) --> DISCONNECTED.
 *   A failed connect tries the destination's next address (getaddrinfo's order), then
 *   the next destination, at once; after a round over all of them, and after a broken
 *   connection, the next round waits a backoff (100 ms doubling to 5 s; reset when
 *   bytes are written, so a receiver that accepts and closes is not hammered).
 *   CONNECTED keeps one send in flight (a vectored sendmsg over up to MAX_IOV queued
 *   buffers of one interval) and one receive armed (answers are read and discarded).
 *   A send that moves no byte for `timeout ms` fails the connection (the seed's
 *   SO_SNDTIMEO): CLOSING, then a new connection that resumes at the cut line.
 *
 * udp destinations: the same machine on a datagram socket; a send is one datagram of
 * whole lines from the head buffer (at most DATAGRAM_BYTES, or one longer line), which
 * the kernel takes whole or not at all, so nothing is ever cut. As with the seed, a
 * datagram sent counts as delivered.
 *
 * Partial writes: a buffer remembers `off` (bytes written on this connection) and
 * `line_off` (the end of its last whole line written). A short send goes on from `off`.
 * When the connection breaks, the head buffer goes back to `line_off`: the next
 * connection starts at the first line not completely written, so no line is sent twice
 * in full and none is skipped; lines before it count as delivered.
 *
 * Loss, only here: past `buffer on failures` intervals queued, what is queued of the
 * oldest complete interval with nothing on the wire is dropped (its buffers already
 * written are gone from the queue: they count as delivered) and its metrics and bytes
 * counted lost (buffer full);
 * at stop, what the deadline left is counted lost (shutdown).
 */
#include <ck_pr.h>
#include <ck_sequence.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "send/sender_internal.h"

#define HANDOFF_OBJECTS 16u     /* buffers in flight from one producer to the sender */
#define MAX_EVENTS 64u
#define MAX_ADDRS_TRIED MAX_ADDRS
#define IDLE_WAIT_MS 10000      /* the longest the loop sleeps without a deadline: every
				 * hand-over and stop wakes it (mxp_io_wake), and its CPU
				 * sample cannot go stale while it sleeps (it uses none) */
#define CPU_SAMPLE_MS 100      /* getrusage is a system call: not every round */
#define DATAGRAM_BYTES 1400u    /* udp: whole lines per datagram, at most this much (one
				 * Ethernet frame: no IP fragments), or one longer line alone */

struct handoff {                /* a channel object */
	struct mxp_buf buf;
	long dropped;           /* > 0: no buffer, these metrics were dropped before it */
	long records;
	bool end;
};

/* ---- counters ---- */

#define NCOUNTERS (sizeof(struct mxp_send_counters) / sizeof(uint64_t))

static void publish_counters(struct inst *in)
{
	const uint64_t *src = (const uint64_t *)&in->q.c;
	uint64_t *dst = (uint64_t *)&in->pub;
	ck_sequence_write_begin(&in->seq);
	for (size_t k = 0; k < NCOUNTERS; k++)
		ck_pr_store_64(&dst[k], src[k]);
	ck_sequence_write_end(&in->seq);
	in->q.dirty = false;
}

void mxp_sender_counters(struct mxp_sender *s, unsigned i, struct mxp_send_counters *out)
{
	struct inst *in = s->inst[i];
	uint64_t *dst = (uint64_t *)out;
	const uint64_t *src = (const uint64_t *)&in->pub;
	unsigned v;
	do {
		v = ck_sequence_read_begin(&in->seq);
		for (size_t k = 0; k < NCOUNTERS; k++)
			dst[k] = ck_pr_load_64((uint64_t *)&src[k]);
	} while (ck_sequence_read_retry(&in->seq, v));
	out->late_exports = ck_pr_load_64(&in->late);
}

bool mxp_sender_idle(struct mxp_sender *s, unsigned i)
{
	struct inst *in = s->inst[i];
	/* handed first: a put after these loads can only make the answer "not idle" */
	uint64_t records = ck_pr_load_64(&in->handed_records);
	uint64_t marks = ck_pr_load_64(&in->handed_marks);
	struct mxp_send_counters c;
	mxp_sender_counters(s, i, &c);
	return c.produced == records && c.intervals == marks && c.buffered == 0;
}

void mxp_sender_count_late(struct mxp_sender *s, unsigned i, unsigned n)
{
	ck_pr_add_64(&s->inst[i]->late, n);
}

/* ---- the queue (send_queue.c) ---- */

/* Takes what the producer handed over. */
static void drain_channel(struct mxp_sender *s, struct inst *in)
{
	struct handoff *h;
	while ((h = mxp_channel_receive_spsc(&in->ch)) != NULL) {
		if (h->dropped > 0) {
			mxp_send_queue_dropped(&in->q, (uint64_t)h->dropped);
			mxp_log_limited(&in->lim_drop, MXP_LOG_ERROR,
					"%s: %ld metrics dropped: a record of theirs is larger than %s takes", in->name,
					h->dropped, in->dest_text[0] ? in->dest_text : "the receiver");
			h->dropped = 0;
			mxp_channel_release_spsc(&in->ch, h);
			continue;
		}
		if (mxp_send_queue_take(&in->q, &s->pool, &h->buf, h->records, h->end) != 0) {
			/* out of memory: leave it in the channel, try again next round */
			mxp_log_limited(&in->lim_drop, MXP_LOG_ERROR, "%s: out of memory queueing output", in->name);
			return;
		}
		mxp_channel_release_spsc(&in->ch, h);
	}
}

/* `buffer on failures`: drops and logs what the queue says is past it. */
static void enforce_keep(struct mxp_sender *s, struct inst *in)
{
	uint64_t lines, bytes;
	while (mxp_send_queue_trim(&in->q, &s->pool, in->keep, in->state != DISCONNECTED, &lines, &bytes))
		mxp_log_limited(&in->lim_drop, MXP_LOG_ERROR,
				"%s: dropped the oldest interval (%llu metrics, %llu bytes): more than "
				"'buffer on failures' = %ld intervals waiting for %s",
				in->name, (unsigned long long)lines, (unsigned long long)bytes, in->keep,
				in->dest_text[0] ? in->dest_text : "a connection");
}

/* ---- the connection ---- */

static void set_dest_text(struct inst *in)
{
	mxp_destination_format(&in->dest[in->dest_i], in->dest_text, sizeof(in->dest_text));
}

/* Fills in->addr[] with the addresses of destination in->dest_i, in the resolver's
 * order (localhost may give ::1 before 127.0.0.1: each is tried, as the seed did).
 * 0 or a getaddrinfo code (logged). */
static int resolve(struct inst *in)
{
	const struct mxp_destination *d = &in->dest[in->dest_i];
	in->naddrs = in->addr_i = 0;
	if (d->proto == MXP_DEST_UNIX) {
		struct sockaddr_un *un = (struct sockaddr_un *)&in->addr[0];
		memset(un, 0, sizeof(*un));
		un->sun_family = AF_UNIX;
		/* the parser keeps unix paths within sun_path (MXP_DEST_UNIX_PATH_MAX) */
		memcpy(un->sun_path, d->host, strnlen(d->host, sizeof(un->sun_path) - 1));
		in->addrlen[0] = sizeof(*un);
		in->naddrs = 1;
		return 0;
	}
	bool udp = d->proto == MXP_DEST_UDP;
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = udp ? SOCK_DGRAM : SOCK_STREAM,
				 .ai_protocol = udp ? IPPROTO_UDP : IPPROTO_TCP};
	struct addrinfo *res = NULL;
	char host[MXP_DEST_HOST_MAX + MXP_DEST_IFACE_MAX + 1];
	if (d->iface[0] != '\0')
		snprintf(host, sizeof(host), "%s%%%s", d->host, d->iface);
	else
		snprintf(host, sizeof(host), "%s", d->host);
	/* getaddrinfo blocks on DNS: destinations are addresses or local names as a rule;
	 * a slow resolver delays this thread's other instances (docs/ARCHITECTURE.md) */
	int rc = getaddrinfo(host, d->port, &hints, &res);
	if (rc != 0) {
		mxp_log_limited(&in->lim_conn, MXP_LOG_ERROR, "%s: cannot resolve %s: %s", in->name, in->dest_text,
				gai_strerror(rc));
		return rc;
	}
	for (struct addrinfo *a = res; a != NULL && in->naddrs < MAX_ADDRS; a = a->ai_next) {
		if (a->ai_addrlen > sizeof(in->addr[0]))
			continue;
		memcpy(&in->addr[in->naddrs], a->ai_addr, a->ai_addrlen);
		in->addrlen[in->naddrs++] = a->ai_addrlen;
	}
	freeaddrinfo(res);
	return 0;
}

static void round_failed(struct inst *in, int64_t now)
{
	in->q.c.failures++;
	in->q.dirty = true;
	in->state = DISCONNECTED;
	in->tried = 0;
	in->naddrs = in->addr_i = 0;
	in->retry_ms = now + in->backoff_ms;
	in->backoff_ms = in->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : in->backoff_ms * 2;
}

/* Starts connecting to the next destination of the round; after the whole list failed,
 * waits a backoff. */
static void start_connect(struct mxp_sender *s, struct inst *in, int64_t now)
{
	if (in->tried == 0) {
		in->dest_i = 0; /* each round from the first destination, as the seed */
		in->naddrs = in->addr_i = 0;
	}
	for (;;) {
		if (in->addr_i >= in->naddrs) {
			/* this destination's addresses are spent: the next destination */
			if (in->tried >= in->ndest)
				break;
			if (in->tried > 0)
				in->dest_i = (in->dest_i + 1) % in->ndest;
			in->tried++;
			set_dest_text(in);
			if (resolve(in) != 0)
				continue;
		}
		unsigned a = in->addr_i++;
		in->q.c.reconnects++;
		in->q.dirty = true;
		in->dgram = in->dest[in->dest_i].proto == MXP_DEST_UDP;
		int fd = socket(in->addr[a].ss_family, (in->dgram ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC,
				0);
		if (fd < 0) {
			mxp_log_limited(&in->lim_conn, MXP_LOG_ERROR, "%s: cannot create a socket for %s: %s", in->name,
					in->dest_text, strerror(errno));
			continue;
		}
		in->fd = fd;
		in->timed_out = false;
		in->deadline_ms = now + in->timeout_ms;
		int rc = mxp_io_connect(s->io, &in->conn_req, fd, (struct sockaddr *)&in->addr[a], in->addrlen[a]);
		if (rc == 0) {
			in->state = CONNECTING;
			return;
		}
		close(fd);
		in->fd = -1;
		mxp_log_limited(&in->lim_conn, MXP_LOG_ERROR, "%s: cannot connect to %s: %s", in->name, in->dest_text,
				strerror(-rc));
	}
	round_failed(in, now);
}

static void finish_close(struct mxp_sender *s, struct inst *in, int64_t now)
{
	if (in->conn_req.busy || in->send_req.busy || in->recv_req.busy)
		return;
	if (in->http != NULL && in->state == CLOSING)
		mxp_http_last_words(in);
	close(in->fd);
	in->fd = -1;
	mxp_send_queue_rewind(&in->q); /* the next connection starts at the cut line */
	in->state = DISCONNECTED;
	in->tried = 0;
	in->naddrs = in->addr_i = 0;
	if (in->http != NULL)
		mxp_http_closed(s, in, now);
	if (in->quiet_close) {
		/* the receiver ended a keep-alive connection, or said it would: nothing failed */
		in->quiet_close = false;
		in->retry_ms = now;
		return;
	}
	in->retry_ms = now + in->backoff_ms;
	/* a connection that broke waits a backoff too, doubling until bytes go out again */
	in->backoff_ms = in->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : in->backoff_ms * 2;
}

/* Gives up the connection: cancels what is in flight; finish_close completes it. */
void mxp_sender_close_conn(struct mxp_sender *s, struct inst *in, int64_t now)
{
	if (in->state == CONNECTED || in->state == CONNECTING) {
		in->state = CLOSING;
		mxp_io_cancel(s->io, in->fd);
	}
	if (in->state == CLOSING)
		finish_close(s, in, now);
}

void mxp_sender_arm_recv(struct mxp_sender *s, struct inst *in)
{
	if (in->recv_req.busy)
		return;
	int rc = mxp_io_recv(s->io, &in->recv_req, in->fd, in->rbuf, sizeof(in->rbuf));
	if (rc != 0)
		mxp_log_limited(&in->lim_recv, MXP_LOG_ERROR, "%s: cannot arm a receive: %s", in->name, strerror(-rc));
}

/* Starts the next send of the head interval's queued bytes, if none is in flight: a
 * vectored sendmsg of up to MAX_IOV buffers, or one datagram of whole lines. */
void mxp_sender_start_send(struct mxp_sender *s, struct inst *in)
{
	if (in->state != CONNECTED || in->send_req.busy)
		return;
	if (in->http != NULL) {
		mxp_http_start_send(s, in);
		return;
	}
	unsigned k = mxp_send_queue_iov(&in->q, &s->pool, in->dgram, DATAGRAM_BYTES, in->iov, MAX_IOV);
	if (k == 0)
		return;
	in->progress_ms = mxp_send_now_ms();
	int rc = mxp_io_send(s->io, &in->send_req, in->fd, in->iov, k);
	if (rc != 0) {
		mxp_send_queue_unflight(&in->q);
		mxp_log_limited(&in->lim_send, MXP_LOG_ERROR, "%s: cannot start a send: %s", in->name, strerror(-rc));
	}
}

static void on_event(struct mxp_sender *s, struct mxp_io_req *req, int64_t now)
{
	struct inst *in = req->ctx;
	int res = req->res;
	mxp_io_done(req);

	if (in->state == CLOSING) {
		if (req->op == MXP_IO_SEND && res > 0 && in->http == NULL)
			mxp_send_queue_sent(&in->q, &s->pool, (size_t)res); /* it made it out before the cancel */
		if (req->op == MXP_IO_RECV && in->http != NULL)
			mxp_http_closing_read(in, res); /* an answer that came with the close */
		finish_close(s, in, now);
		return;
	}

	switch (req->op) {
	case MXP_IO_CONNECT:
		if (res == 0) {
			in->state = CONNECTED;
			in->tried = 0;
			/* the backoff is reset by the first bytes written, not here: a receiver
			 * that accepts and closes at once is not retried every 100 ms forever */
			mxp_log(MXP_LOG_INFO, "%s: connected to %s", in->name, in->dest_text);
			if (in->http != NULL) {
				mxp_http_connected(s, in, now);
				return;
			}
			mxp_sender_arm_recv(s, in);
			mxp_sender_start_send(s, in);
			return;
		}
		if (in->timed_out)
			res = -ETIMEDOUT;
		mxp_log_limited(&in->lim_conn, MXP_LOG_ERROR, "%s: cannot connect to %s: %s", in->name, in->dest_text,
				strerror(-res));
		close(in->fd);
		in->fd = -1;
		in->state = DISCONNECTED;
		start_connect(s, in, now); /* the next address, or destination, at once */
		return;

	case MXP_IO_SEND:
		if (in->http != NULL) {
			mxp_http_on_sent(s, in, res, now);
			return;
		}
		if (res > 0) {
			in->backoff_ms = BACKOFF_MIN_MS;
			in->progress_ms = now;
			mxp_send_queue_sent(&in->q, &s->pool, (size_t)res);
			mxp_sender_start_send(s, in);
			return;
		}
		mxp_send_queue_unflight(&in->q);
		in->q.c.failures++;
		in->q.dirty = true;
		mxp_log_limited(&in->lim_send, MXP_LOG_ERROR, "%s: sending to %s failed: %s; reconnecting", in->name,
				in->dest_text, res == 0 ? "nothing written" : strerror(-res));
		mxp_sender_close_conn(s, in, now);
		return;

	case MXP_IO_RECV:
		if (in->http != NULL) {
			mxp_http_on_recv(s, in, res, now);
			return;
		}
		if (res > 0) {
			in->q.c.bytes_received += (uint64_t)res;
			in->q.c.reads++;
			in->q.dirty = true;
			int show = res < 64 ? res : 64;
			for (int k = 0; k < show; k++)
				if ((unsigned char)in->rbuf[k] < 0x20 || (unsigned char)in->rbuf[k] > 0x7e)
					in->rbuf[k] = '.';
			mxp_log_limited(&in->lim_recv, MXP_LOG_WARNING,
					"%s: %s sent %d bytes, ignored (a line protocol has no answers); they begin: '%.*s'",
					in->name, in->dest_text, res, show, in->rbuf);
			mxp_sender_arm_recv(s, in);
			return;
		}
		in->q.c.failures++;
		in->q.dirty = true;
		mxp_log_limited(&in->lim_send, MXP_LOG_ERROR, "%s: %s %s; reconnecting", in->name, in->dest_text,
				res == 0 ? "closed the connection" : strerror(-res));
		mxp_sender_close_conn(s, in, now);
		return;
	}
}

/* What the instance does now; returns its next deadline (or INT64_MAX). */
static int64_t step(struct mxp_sender *s, struct inst *in, int64_t now)
{
	if (in->worker != NULL)
		return mxp_worker_step(s, in, now);
	switch (in->state) {
	case DISCONNECTED:
		mxp_send_queue_pop_marks(&in->q, &s->pool); /* intervals whose bytes all went out before the break */
		if (!!mxp_send_queue_empty(&in->q))
			return INT64_MAX;
		if (in->http != NULL && now < in->http_retry_ms)
			return in->http_retry_ms; /* a 429/5xx's delay runs: no connection before it */
		if (now >= in->retry_ms) {
			start_connect(s, in, now);
			return in->state == CONNECTING ? in->deadline_ms : in->retry_ms;
		}
		return in->retry_ms;
	case CONNECTING:
		if (now >= in->deadline_ms && !in->timed_out) {
			in->timed_out = true;
			mxp_io_cancel(s->io, in->fd);
		}
		return in->timed_out ? INT64_MAX : in->deadline_ms;
	case CONNECTED:
		if (in->send_req.busy && now - in->progress_ms >= in->timeout_ms && in->http != NULL &&
		    in->answered_early) {
			/* an HTTP receiver that answered and stopped reading the body: its answer
			 * is settled at the close, which is no failure */
			in->quiet_close = true;
			mxp_sender_close_conn(s, in, now);
			return INT64_MAX;
		}
		if (in->send_req.busy && now - in->progress_ms >= in->timeout_ms) {
			/* the seed's SO_SNDTIMEO: a receiver that takes nothing for `timeout ms`
			 * fails the connection; the next one resumes at the cut line */
			in->q.c.failures++;
			in->q.dirty = true;
			mxp_log_limited(&in->lim_send, MXP_LOG_ERROR,
					"%s: %s took no data for %ld ms ('timeout ms'); reconnecting", in->name,
					in->dest_text, in->timeout_ms);
			mxp_sender_close_conn(s, in, now);
			return INT64_MAX;
		}
		mxp_sender_start_send(s, in);
		int64_t next = in->send_req.busy ? in->progress_ms + in->timeout_ms : INT64_MAX;
		return in->http != NULL ? mxp_http_step(s, in, now, next) : next;
	case CLOSING:
		return INT64_MAX;
	}
	return INT64_MAX;
}

static bool all_sent(struct mxp_sender *s)
{
	for (unsigned i = 0; i < s->n; i++) {
		struct inst *in = s->inst[i];
		if (!mxp_send_queue_empty(&in->q) || mxp_channel_full_count(&in->ch) > 0)
			return false;
	}
	return true;
}

/* At stop: what is left is lost; connections are closed and their operations reaped. */
static void shut_down(struct mxp_sender *s)
{
	for (unsigned i = 0; i < s->n; i++) {
		struct inst *in = s->inst[i];
		drain_channel(s, in);
		if (in->state == CONNECTED || in->state == CONNECTING) {
			in->state = CLOSING;
			mxp_io_cancel(s->io, in->fd);
		}
	}
	int64_t until = mxp_send_now_ms() + 1000;
	for (;;) {
		bool busy = false;
		for (unsigned i = 0; i < s->n; i++) {
			struct inst *in = s->inst[i];
			if (in->state == CLOSING)
				busy = true;
		}
		if (!busy || mxp_send_now_ms() > until)
			break;
		struct mxp_io_req *done[MAX_EVENTS];
		int n = mxp_io_wait(s->io, done, MAX_EVENTS, 50);
		for (int k = 0; k < n; k++)
			on_event(s, done[k], mxp_send_now_ms());
	}
	for (unsigned i = 0; i < s->n; i++) {
		struct inst *in = s->inst[i];
		/* a worker's request in flight ends (or its socket timeout passes) before its
		 * body can go: the worker reads it */
		if (in->worker != NULL)
			mxp_worker_drain(s, in, until + in->timeout_ms);
		in->req = NULL;
		uint64_t lost = mxp_send_queue_drop_all(&in->q, &s->pool);
		s->lost_at_stop += lost;
		if (lost > 0)
			mxp_log(MXP_LOG_WARNING, "%s: stopping with %llu metrics not sent: counted as lost", in->name,
				(unsigned long long)lost);
		if (in->fd >= 0 && in->state != CLOSING) {
			close(in->fd);
			in->fd = -1;
		}
		publish_counters(in);
	}
}

static void *sender_main(void *arg)
{
	struct mxp_sender *s = arg;
	struct mxp_io_req *done[MAX_EVENTS];
	int64_t sampled = 0;

	for (;;) {
		int64_t now = mxp_send_now_ms();
		if (now - sampled >= CPU_SAMPLE_MS) {
			mxp_thread_cpu_sample(&s->cpu);
			sampled = now;
		}
		int64_t next = now + IDLE_WAIT_MS;
		bool stopping = ck_pr_load_int(&s->stop) != 0;
		for (unsigned i = 0; i < s->n; i++) {
			struct inst *in = s->inst[i];
			drain_channel(s, in);
			enforce_keep(s, in);
			int64_t d = step(s, in, now);
			if (d < next)
				next = d;
			if (in->q.dirty)
				publish_counters(in);
		}
		if (stopping) {
			int64_t deadline = ck_pr_load_64((uint64_t *)&s->stop_deadline_ms);
			if (all_sent(s) || (deadline >= 0 && now >= deadline))
				break;
			if (deadline >= 0 && deadline < next)
				next = deadline;
		}
		int timeout = next <= now ? 0 : (int)(next - now);
		int n = mxp_io_wait(s->io, done, MAX_EVENTS, timeout);
		if (n < 0) {
			mxp_log(MXP_LOG_ERROR, "sender: waiting for I/O failed: %s", strerror(-n));
			struct timespec ts = {0, 10000000};
			nanosleep(&ts, NULL);
			continue;
		}
		now = mxp_send_now_ms();
		for (int k = 0; k < n; k++)
			on_event(s, done[k], now);
	}
	shut_down(s);
	mxp_thread_cpu_sample(&s->cpu);
	return NULL;
}

const struct mxp_thread_cpu *mxp_sender_thread_cpu(const struct mxp_sender *s)
{
	return &s->cpu;
}

/* ---- the owner's and producers' side ---- */

struct mxp_sender *mxp_sender_new(enum mxp_io_kind kind)
{
	struct mxp_sender *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	mxp_thread_cpu_init(&s->cpu, "sender");
	s->rng = (uint64_t)mxp_send_now_ms() * 0x9e3779b97f4a7c15ull | 1;
	s->io = mxp_io_new(kind);
	if (s->io == NULL) {
		int e = errno;
		free(s);
		errno = e;
		return NULL;
	}
	return s;
}

const char *mxp_sender_io_name(const struct mxp_sender *s)
{
	return mxp_io_name(s->io);
}

static void inst_free(struct inst *in)
{
	if (in == NULL)
		return;
	for (unsigned k = 0; k < HANDOFF_OBJECTS; k++) {
		struct handoff *h = mxp_channel_object(&in->ch, k);
		if (h != NULL)
			mxp_buf_free(&h->buf);
	}
	mxp_channel_free(&in->ch);
	free(in->name);
	free(in->dest);
	mxp_http_inst_free(in);
	mxp_worker_free(in->worker);
	free(in);
}

int mxp_sender_add(struct mxp_sender *s, const struct mxp_sender_instance *def)
{
	static const struct mxp_destination none = {.proto = MXP_DEST_TCP};
	if (def->worker_ops != NULL && def->ndestinations == 0) {
		/* a worker's transport finds its server itself */
		struct mxp_sender_instance d = *def;
		d.destinations = &none;
		d.ndestinations = 1;
		def = &d;
		return mxp_sender_add(s, def);
	}
	if (s->started || def->ndestinations == 0 || def->destinations == NULL)
		return -EINVAL;

	struct inst **grown = realloc(s->inst, (s->n + 1) * sizeof(*grown));
	if (grown == NULL)
		return -ENOMEM;
	s->inst = grown;
	struct inst *in = NULL;
	if (posix_memalign((void **)&in, CK_MD_CACHELINE, sizeof(*in)) != 0)
		return -ENOMEM;
	memset(in, 0, sizeof(*in));
	in->name = strdup(def->name ? def->name : "instance");
	in->dest = malloc(def->ndestinations * sizeof(*in->dest));
	if (in->name == NULL || in->dest == NULL ||
	    mxp_channel_init(&in->ch, HANDOFF_OBJECTS, sizeof(struct handoff), 0) != 0) {
		inst_free(in);
		return -ENOMEM;
	}
	memcpy(in->dest, def->destinations, def->ndestinations * sizeof(*in->dest));
	int rc = def->http != NULL ? mxp_http_inst_init(in, def->http) : 0;
	if (rc != 0) {
		inst_free(in);
		return rc;
	}
	if (def->worker_ops != NULL) {
		char why[512] = "";
		in->worker = mxp_worker_new(def->worker_ops, def->worker_conf, s->io, why, sizeof(why));
		if (in->worker == NULL) {
			int e = errno;
			if (e == EINVAL)
				mxp_log(MXP_LOG_ERROR, "%s: %s", in->name, why);
			inst_free(in);
			return -e;
		}
		in->worker_retry_min_ms = def->retry_min_ms > 0 ? def->retry_min_ms : 30;
		in->worker_retry_max_ms = def->retry_max_ms >= in->worker_retry_min_ms ? def->retry_max_ms : 5000;
		in->http_backoff_ms = in->worker_retry_min_ms;
		snprintf(in->dest_text, sizeof(in->dest_text), "%s", def->worker_ops->name);
	}
	in->ndest = def->ndestinations;
	in->timeout_ms = def->timeout_ms > 0 ? def->timeout_ms : 20000;
	in->keep = def->buffer_on_failures >= 1 ? def->buffer_on_failures : 1;
	in->fd = -1;
	in->backoff_ms = BACKOFF_MIN_MS;
	in->conn_req.ctx = in->send_req.ctx = in->recv_req.ctx = in;
	in->lim_conn.period_s = in->lim_send.period_s = in->lim_drop.period_s = 10;
	in->lim_recv.period_s = 60;
	if (in->worker == NULL)
		set_dest_text(in);
	ck_sequence_init(&in->seq);
	s->inst[s->n] = in;
	return (int)s->n++;
}

int mxp_sender_start(struct mxp_sender *s)
{
	if (s->started)
		return -EINVAL;
	int rc = pthread_create(&s->thread, NULL, sender_main, s);
	if (rc != 0)
		return -rc;
	pthread_setname_np(s->thread, "mxp-send");
	s->started = true;
	return 0;
}

int mxp_sender_put(struct mxp_sender *s, unsigned i, struct mxp_buf *buf, long records)
{
	struct inst *in = s->inst[i];
	struct handoff *h = mxp_channel_acquire_wait_spsc(&in->ch, &s->stop);
	if (h == NULL)
		return -ECANCELED;
	struct mxp_buf t = h->buf;
	h->buf = *buf;
	*buf = t;
	buf->len = 0;
	h->records = records;
	h->end = false;
	h->dropped = 0;
	mxp_channel_publish_spsc(&in->ch, h);
	ck_pr_store_64(&in->handed_records, ck_pr_load_64(&in->handed_records) + (uint64_t)records);
	mxp_io_wake(s->io);
	return 0;
}

int mxp_sender_put_dropped(struct mxp_sender *s, unsigned i, long metrics)
{
	struct inst *in = s->inst[i];
	if (metrics <= 0)
		return 0;
	struct handoff *h = mxp_channel_acquire_wait_spsc(&in->ch, &s->stop);
	if (h == NULL)
		return -ECANCELED;
	h->records = 0;
	h->end = false;
	h->dropped = metrics;
	mxp_channel_publish_spsc(&in->ch, h);
	ck_pr_store_64(&in->handed_records, ck_pr_load_64(&in->handed_records) + (uint64_t)metrics);
	mxp_io_wake(s->io);
	return 0;
}

int mxp_sender_end_interval(struct mxp_sender *s, unsigned i)
{
	struct inst *in = s->inst[i];
	struct handoff *h = mxp_channel_acquire_wait_spsc(&in->ch, &s->stop);
	if (h == NULL)
		return -ECANCELED;
	h->records = 0;
	h->end = true;
	h->dropped = 0;
	mxp_channel_publish_spsc(&in->ch, h);
	ck_pr_store_64(&in->handed_marks, ck_pr_load_64(&in->handed_marks) + 1);
	mxp_io_wake(s->io);
	return 0;
}

unsigned long long mxp_sender_stop(struct mxp_sender *s, long deadline_ms)
{
	if (!s->started || s->stopped)
		return 0;
	int64_t deadline = deadline_ms < 0 ? -1 : mxp_send_now_ms() + deadline_ms;
	ck_pr_store_64((uint64_t *)&s->stop_deadline_ms, (uint64_t)deadline);
	ck_pr_fence_store();
	ck_pr_store_int(&s->stop, 1);
	mxp_io_wake(s->io);
	/* a pipeline's sink waiting for a hand-over object sees stop now, not at the end
	 * of its sleep (channel.h's bound) */
	for (unsigned i = 0; i < s->n; i++)
		mxp_doorbell_ring(s->inst[i]->ch.empty_bell);
	pthread_join(s->thread, NULL);
	s->stopped = true;
	return s->lost_at_stop;
}

void mxp_sender_free(struct mxp_sender *s)
{
	if (s == NULL)
		return;
	if (s->started && !s->stopped)
		mxp_sender_stop(s, 0);
	for (unsigned i = 0; i < s->n; i++) {
		mxp_send_queue_free(&s->inst[i]->q);
		inst_free(s->inst[i]);
	}
	mxp_send_pool_free(&s->pool);
	free(s->inst);
	mxp_io_free(s->io);
	free(s);
}
