/* sender_internal.h — what the sender's files share (sender.c: the loop, connections,
 * line protocols; sender_http.c: HTTP and TLS): the instance and sender structures and
 * the few functions one calls in the other. Everything here belongs to the sender
 * thread, except where a field says otherwise (sender.c's top comment has the threads). */
#ifndef MXP_SEND_SENDER_INTERNAL_H
#define MXP_SEND_SENDER_INTERNAL_H

#include <ck_sequence.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "engine/log.h"
#include "engine/thread_cpu.h"
#include "ring/channel.h"
#include "send/http_request.h"
#include "send/http_response.h"
#include "send/send_queue.h"
#include "send/sender.h"
#include "send/tls.h"
#include "send/worker.h"

#define MAX_IOV 64u             /* buffers per vectored send */
#define RECV_BYTES 4096u
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define MAX_ADDRS 8u            /* addresses of one destination tried, in getaddrinfo's order */
#define HTTP_BODY_LOGGED 512u   /* bytes of a refusing receiver's answer in the log */

enum conn_state { DISCONNECTED, CONNECTING, CONNECTED, CLOSING };

struct inst {
	struct mxp_channel ch;  /* first: cache-line aligned */

	/* set by add, read-only afterwards */
	char *name;
	struct mxp_destination *dest;
	size_t ndest;
	long timeout_ms;
	long keep;              /* buffer on failures */

	/* sender thread only */
	struct mxp_send_queue q;        /* the bytes, and the counters (send_queue.h) */
	enum conn_state state;
	int fd;
	size_t dest_i;          /* the destination tried or connected */
	size_t tried;           /* destinations tried in this round */
	int64_t deadline_ms;    /* CONNECTING: give up then */
	bool timed_out;
	int64_t retry_ms;       /* DISCONNECTED: connect again from then */
	int64_t progress_ms;    /* CONNECTED: when the send in flight started or last moved */
	long backoff_ms;
	struct mxp_io_req conn_req, send_req, recv_req;
	struct sockaddr_storage addr[MAX_ADDRS]; /* the destination's addresses, in order */
	socklen_t addrlen[MAX_ADDRS];
	unsigned naddrs, addr_i;        /* resolved; the next one to try */
	bool dgram;                     /* the destination tried or connected is udp */
	struct iovec iov[MAX_IOV];
	char rbuf[RECV_BYTES];
	char dest_text[400];
	struct mxp_log_limit lim_conn, lim_send, lim_recv, lim_drop;

	/* HTTP (http != NULL): every entry with bytes is one request, written and answered
	 * one at a time on a keep-alive connection */
	struct mxp_sender_http *http;   /* the add's copy; its strings in http_text */
	char *http_text;
	struct mxp_http_parser *parser; /* the connection's responses */
	struct mxp_buf reqhead;         /* the head of the request in flight */
	struct mxp_buf signed_headers;  /* an api's signature headers for it */
	struct mxp_send_entry *req;     /* the request being written or answered; NULL none */
	size_t req_off;                 /* bytes of head + body written */
	bool awaiting;                  /* written in full, its response not complete yet */
	bool answered_early;            /* a response came while the send was in flight: it is
					 * handled when the send completes (the kernel still reads
					 * the body until then) */
	bool quiet_close;               /* the close is no failure: reconnect without backoff */
	int send_error;                 /* -errno of a failed send, judged at the close (an
					 * answer found then explains it) */
	unsigned answered;              /* responses on this connection */
	const char *rx;                 /* what is being parsed: rbuf, or pbuf with TLS */
	size_t rb_off, rb_len;          /* of rx: parsed up to rb_off */
	int64_t awaited_ms;             /* when the request was written in full */
	int64_t http_retry_ms;          /* no request before then (after a 429 or 5xx) */
	long http_backoff_ms;
	struct mxp_log_limit lim_http;
	/* a worker transport (worker.h): requests go to its thread, one at a time; the
	 * request fields above (req, http_retry_ms, http_backoff_ms) serve it too */
	struct mxp_worker *worker;
	long worker_retry_min_ms, worker_retry_max_ms;
	/* https: the session over this connection (tls.h), NULL without TLS */
	struct mxp_tls_ctx *tls_ctx;    /* the instance's, made by add */
	struct mxp_tls *tls;            /* the connection's */
	bool tls_ready;                 /* its handshake is done */
	int64_t handshake_deadline_ms;
	char pbuf[RECV_BYTES];          /* plaintext read out of the session */

	/* the producer's: what it handed over (ck_pr stores; any thread reads) */
	uint64_t handed_records, handed_marks;

	/* published */
	ck_sequence_t seq;
	struct mxp_send_counters pub;
	uint64_t late;          /* any thread adds (ck_pr) */
};

struct mxp_sender {
	struct mxp_io *io;
	struct inst **inst;
	unsigned n;
	pthread_t thread;
	bool started, stopped;
	struct mxp_send_pool pool;      /* emptied queue entries, for every instance */

	struct mxp_thread_cpu cpu; /* the sender thread's, sampled every CPU_SAMPLE_MS */
	int stop;               /* ck_pr: producers' waits end; the sender drains */
	int64_t stop_deadline_ms; /* written before `stop`, read after it */
	uint64_t rng;           /* retry jitter (sender thread) */
	uint64_t lost_at_stop;  /* written by the sender before it returns */
};

static inline int64_t mxp_send_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* sender.c */
void mxp_sender_close_conn(struct mxp_sender *s, struct inst *in, int64_t now);
void mxp_sender_arm_recv(struct mxp_sender *s, struct inst *in);
void mxp_sender_start_send(struct mxp_sender *s, struct inst *in);

/* sender_http.c: the HTTP (and TLS) side of an instance whose `http` is set */
int mxp_http_inst_init(struct inst *in, const struct mxp_sender_http *h);
void mxp_http_inst_free(struct inst *in);
void mxp_http_connected(struct mxp_sender *s, struct inst *in, int64_t now);
/* nothing is in flight on the connection any more, its socket still open: reads an
 * answer to the request in flight that is still in the socket */
void mxp_http_last_words(struct inst *in);
/* a receive completed (res bytes in rbuf) while the connection is closing: an answer to
 * the request in flight among them is kept for mxp_http_closed */
void mxp_http_closing_read(struct inst *in, int res);
/* the connection is closed, nothing in flight: settles an answer it holds */
void mxp_http_closed(struct mxp_sender *s, struct inst *in, int64_t now);
void mxp_http_start_send(struct mxp_sender *s, struct inst *in);
void mxp_http_on_sent(struct mxp_sender *s, struct inst *in, int res, int64_t now);
void mxp_http_on_recv(struct mxp_sender *s, struct inst *in, int res, int64_t now);
/* CONNECTED: fails a connection past its timeouts; returns the next deadline (or next) */
int64_t mxp_http_step(struct mxp_sender *s, struct inst *in, int64_t now, int64_t next);

/* sender_worker.c: an instance whose transport is a worker thread */
int64_t mxp_worker_step(struct mxp_sender *s, struct inst *in, int64_t now);
/* at stop: waits (up to until_ms) for the request in flight, settling it */
void mxp_worker_drain(struct mxp_sender *s, struct inst *in, int64_t until_ms);

#endif
