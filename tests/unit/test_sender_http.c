/* test_sender_http.c — the sender's HTTP transport against a FAKE HTTP receiver in this
 * process (a loopback listener served by a thread of the test). It answers each request
 * as the test's script says — a status, a Retry-After, a close with or without
 * `Connection: close`, no answer, garbage, an answer before the body is read — which
 * no real receiver does on demand. Real receivers are in tests/integration. Every test
 * runs on io_uring and on epoll.
 *
 * Each counters copy is checked: produced == delivered + buffered + lost (metrics and
 * bytes), and lost is the sum of its reasons. */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "send/http_request.h"
#include "send/sender.h"

#define MAX_REQ 256

/* What the fake receiver does with request number n (0-based, over all connections). */
struct answer {
	int status;              /* 0: 200 */
	int retry_after;         /* > 0: a Retry-After header */
	bool close_header;       /* Connection: close, then close */
	bool close_after;        /* close after answering, without saying so */
	bool no_answer;          /* close without answering */
	bool garbage;            /* answer bytes that are not HTTP, then close */
	bool hang;               /* never answer (the connection stays) */
	bool early;              /* answer after the head, before reading the body; then close */
	bool early_rst;          /* like early, but close at once (unread body: a reset) */
};
static int64_t close_fresh_until; /* accept-and-close every connection until then */
static unsigned fresh_closed;

struct request {
	char head[1024];
	char *body;
	size_t body_len;
	unsigned conn;
	int64_t at_ms;
};

struct hpeer {
	int lfd, port;
	struct answer (*script)(unsigned n);
	int quit;
	pthread_t thread;
	pthread_mutex_t lock;
	struct request req[MAX_REQ];
	unsigned nreq, connections;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads until "\r\n\r\n"; returns the head length (with it), 0 at close. */
static size_t read_head(int fd, char *head, size_t cap, struct hpeer *p)
{
	size_t n = 0;
	while (n + 1 < cap) {
		ssize_t r = recv(fd, head + n, 1, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (__atomic_load_n(&p->quit, __ATOMIC_ACQUIRE))
				return 0;
			continue;
		}
		if (r <= 0)
			return 0;
		n++;
		head[n] = '\0';
		if (n >= 4 && memcmp(head + n - 4, "\r\n\r\n", 4) == 0)
			return n;
	}
	return 0;
}

static bool read_all(int fd, char *b, size_t len, struct hpeer *p)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = recv(fd, b + got, len - got, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (__atomic_load_n(&p->quit, __ATOMIC_ACQUIRE))
				return false;
			continue;
		}
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

static void say(int fd, const char *s)
{
	ssize_t w = send(fd, s, strlen(s), MSG_NOSIGNAL);
	(void)w;
}

static void serve(struct hpeer *p, int fd, unsigned conn)
{
	for (;;) {
		char head[1024];
		size_t hl = read_head(fd, head, sizeof(head), p);
		if (hl == 0)
			return;
		const char *cl = strcasestr(head, "\r\nContent-Length: ");
		size_t blen = cl ? strtoul(cl + 18, NULL, 10) : 0;
		pthread_mutex_lock(&p->lock);
		unsigned n = p->nreq < MAX_REQ ? p->nreq++ : MAX_REQ - 1;
		pthread_mutex_unlock(&p->lock);
		struct answer a = p->script(n);
		struct request *rq = &p->req[n];
		snprintf(rq->head, sizeof(rq->head), "%s", head);
		rq->conn = conn;
		rq->at_ms = mono_ms();
		if (a.early_rst) {
			say(fd, "HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Length: 9\r\n\r\ntoo large");
			return;
		}
		if (a.early) {
			say(fd, "HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Length: 9\r\n\r\ntoo large");
			/* a lingering close, as real servers do: the body is read and dropped so
			 * that no reset destroys the answer before the client reads it */
			shutdown(fd, SHUT_WR);
			char sink[65536];
			for (size_t got = 0; got < blen;) {
				ssize_t r = recv(fd, sink, sizeof(sink), 0);
				if (r < 0 && (errno == EAGAIN || errno == EINTR))
					continue;
				if (r <= 0)
					break;
				got += (size_t)r;
			}
			return;
		}
		rq->body = malloc(blen + 1);
		if (!read_all(fd, rq->body, blen, p))
			return;
		rq->body_len = blen;
		if (a.hang) {
			while (!__atomic_load_n(&p->quit, __ATOMIC_ACQUIRE)) {
				char c;
				ssize_t r = recv(fd, &c, 1, 0); /* returns when the sender gives up */
				if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
					break;
			}
			return;
		}
		if (a.no_answer)
			return;
		if (a.garbage) {
			say(fd, "SSH-2.0-OpenSSH_9.2\r\n");
			return;
		}
		int status = a.status ? a.status : 200;
		char res[256];
		const char *reason = status == 200 ? "OK" : status == 204 ? "No Content" : status == 400 ? "Bad Request"
				     : status == 429 ? "Too Many Requests" : "Service Unavailable";
		const char *text = status >= 400 ? "the fake peer says no" : "";
		char ra[64] = "";
		if (a.retry_after > 0)
			snprintf(ra, sizeof(ra), "Retry-After: %d\r\n", a.retry_after);
		if (status == 204)
			snprintf(res, sizeof(res), "HTTP/1.1 204 No Content\r\n%s%s\r\n", ra,
				 a.close_header ? "Connection: close\r\n" : "");
		else
			snprintf(res, sizeof(res), "HTTP/1.1 %d %s\r\n%s%sContent-Length: %zu\r\n\r\n%s", status, reason, ra,
				 a.close_header ? "Connection: close\r\n" : "", strlen(text), text);
		say(fd, res);
		if (a.close_header || a.close_after)
			return;
	}
}

static void *hpeer_main(void *arg)
{
	struct hpeer *p = arg;
	for (;;) {
		bool quit = __atomic_load_n(&p->quit, __ATOMIC_ACQUIRE);
		struct timeval tv = {0, quit ? 0 : 20000};
		fd_set rs;
		FD_ZERO(&rs);
		FD_SET(p->lfd, &rs);
		if (select(p->lfd + 1, &rs, NULL, NULL, &tv) <= 0) {
			if (quit)
				break;
			continue;
		}
		int fd = accept(p->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		if (mono_ms() < __atomic_load_n(&close_fresh_until, __ATOMIC_ACQUIRE)) {
			fresh_closed++;
			close(fd);
			continue;
		}
		struct timeval rt = {0, 20000};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rt, sizeof(rt));
		serve(p, fd, p->connections++);
		close(fd);
	}
	return NULL;
}

/* Starts the fake receiver on port (0: an ephemeral one). */
static void hpeer_start_on(struct hpeer *p, struct answer (*script)(unsigned), int port)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	p->script = script;
	p->lfd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(p->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(bind(p->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(p->lfd, 16), 0);
	socklen_t l = sizeof(a);
	getsockname(p->lfd, (struct sockaddr *)&a, &l);
	p->port = ntohs(a.sin_port);
	cr_assert_eq(pthread_create(&p->thread, NULL, hpeer_main, p), 0);
}

static void hpeer_start(struct hpeer *p, struct answer (*script)(unsigned))
{
	hpeer_start_on(p, script, 0);
}

static void hpeer_stop(struct hpeer *p)
{
	__atomic_store_n(&p->quit, 1, __ATOMIC_RELEASE);
	pthread_join(p->thread, NULL);
	close(p->lfd);
}

static void hpeer_free(struct hpeer *p)
{
	for (unsigned i = 0; i < MAX_REQ; i++)
		free(p->req[i].body);
	pthread_mutex_destroy(&p->lock);
}

/* ---- the sender under test ---- */

static enum mxp_io_kind io_kind;
static long timeout_ms;
static long keep;

static struct mxp_sender *http_sender(int port, const char *auth, unsigned *idx)
{
	struct mxp_destination d = {.proto = MXP_DEST_TCP};
	strcpy(d.host, "127.0.0.1");
	snprintf(d.port, sizeof(d.port), "%d", port);
	struct mxp_sender_http h = {
		.path = "/api/put",
		.content_type = "application/json",
		.headers = "X-Test: yes\r\n",
		.authorization = auth,
		.retry_min_ms = 30,
		.retry_max_ms = 400,
	};
	struct mxp_sender *s = mxp_sender_new(io_kind);
	cr_assert_not_null(s);
	struct mxp_sender_instance inst = {.name = "http-test",
					   .destinations = &d,
					   .ndestinations = 1,
					   .timeout_ms = timeout_ms,
					   .buffer_on_failures = keep,
					   .http = &h};
	int i = mxp_sender_add(s, &inst);
	cr_assert_geq(i, 0);
	*idx = (unsigned)i;
	cr_assert_eq(mxp_sender_start(s), 0);
	return s;
}

static struct mxp_send_counters counters(struct mxp_sender *s, unsigned i)
{
	struct mxp_send_counters c;
	mxp_sender_counters(s, i, &c);
	cr_assert_eq(c.produced, c.delivered + c.buffered + c.lost);
	cr_assert_eq(c.bytes_produced, c.bytes_sent + c.bytes_buffered + c.bytes_lost);
	cr_assert_eq(c.lost, c.lost_buffer_full + c.lost_shutdown + c.lost_rejected);
	return c;
}

static struct mxp_send_counters wait_settled(struct mxp_sender *s, unsigned i, uint64_t want)
{
	struct mxp_send_counters c;
	for (int k = 0; k < 15000; k++) {
		c = counters(s, i);
		if (c.delivered + c.lost == want && c.produced == want)
			return c;
		usleep(1000);
	}
	cr_assert_fail("not settled in 15 s: produced %llu delivered %llu lost %llu, want %llu",
		       (unsigned long long)c.produced, (unsigned long long)c.delivered, (unsigned long long)c.lost,
		       (unsigned long long)want);
	return c;
}

/* Body number b: "[body b: r records]" padded with pad bytes; `records` metrics. */
static void put_body(struct mxp_sender *s, unsigned i, int b, long records, size_t pad)
{
	struct mxp_buf buf = {0};
	char t[64];
	int n = snprintf(t, sizeof(t), "[body %d: %ld records]", b, records);
	cr_assert_eq(mxp_buf_put(&buf, t, (size_t)n), 0);
	for (size_t k = 0; k < pad; k++)
		cr_assert_eq(mxp_buf_put(&buf, "x", 1), 0);
	cr_assert_eq(mxp_sender_put(s, i, &buf, records), 0);
	mxp_buf_free(&buf);
}

/* n intervals of two bodies each (10 and 5 metrics): bodies 0 .. 2n-1 in order. */
static void put_intervals(struct mxp_sender *s, unsigned i, int from, int n)
{
	for (int iv = from; iv < from + n; iv++) {
		put_body(s, i, 2 * iv, 10, 0);
		put_body(s, i, 2 * iv + 1, 5, 0);
		cr_assert_eq(mxp_sender_end_interval(s, i), 0);
	}
}

/* The bodies received, in order, are 0..n-1 with no gap and none twice, skipping
 * requests that were answered with a retry status (they come again). */
static void assert_bodies_in_order(struct hpeer *p, int n, struct answer (*script)(unsigned))
{
	int next = 0;
	for (unsigned r = 0; r < p->nreq; r++) {
		struct answer a = script(r);
		if (p->req[r].body == NULL || a.no_answer || a.garbage || a.hang || a.early)
			continue; /* not answered: sent again */
		int st = a.status ? a.status : 200;
		char want[64];
		snprintf(want, sizeof(want), "[body %d:", next);
		cr_assert(strncmp(p->req[r].body, want, strlen(want)) == 0, "request %u: '%.20s', want body %d", r,
			  p->req[r].body, next);
		if (st == 429 || st >= 500)
			continue; /* the same body comes again */
		next++;
	}
	cr_assert_eq(next, n, "%d bodies answered, want %d", next, n);
}

/* ---- scripts ---- */

static struct answer all_ok(unsigned n)
{
	return (struct answer){.status = n % 2 ? 204 : 200};
}

static struct answer then_500(unsigned n)
{
	return (struct answer){.status = n == 1 || n == 2 ? 500 : 200};
}

static struct answer then_400(unsigned n)
{
	return (struct answer){.status = n == 1 ? 400 : 200};
}

static struct answer then_429(unsigned n)
{
	return (struct answer){.status = n == 0 ? 429 : 200, .retry_after = n == 0 ? 1 : 0};
}

static struct answer close_each(unsigned n)
{
	(void)n;
	return (struct answer){.close_after = true};
}

static struct answer close_header_each(unsigned n)
{
	(void)n;
	return (struct answer){.close_header = true};
}

static struct answer first_unanswered(unsigned n)
{
	return (struct answer){.no_answer = n == 0};
}

static struct answer first_garbage(unsigned n)
{
	return (struct answer){.garbage = n == 0};
}

static struct answer first_hangs(unsigned n)
{
	return (struct answer){.hang = n == 0};
}

static struct answer first_early(unsigned n)
{
	return (struct answer){.early = n == 0};
}

static struct answer storm_503(unsigned n)
{
	return (struct answer){.status = n < 40 ? 503 : 200};
}

static struct answer first_early_rst(unsigned n)
{
	return (struct answer){.early_rst = n == 0};
}

static struct answer first_503_close_ra(unsigned n)
{
	if (n == 0)
		__atomic_store_n(&close_fresh_until, mono_ms() + 1500, __ATOMIC_RELEASE);
	return (struct answer){.status = n == 0 ? 503 : 200, .retry_after = n == 0 ? 2 : 0, .close_header = n == 0};
}

static struct answer never_answers(unsigned n)
{
	(void)n;
	return (struct answer){.no_answer = true};
}

/* ---- tests ---- */

static void test_delivers_on_2xx_keep_alive(void)
{
	struct hpeer p;
	hpeer_start(&p, all_ok);
	unsigned i;
	struct mxp_sender *s = http_sender(p.port, "Bearer sekrit", &i);
	put_intervals(s, i, 0, 5);
	struct mxp_send_counters c = wait_settled(s, i, 75);
	cr_assert_eq(c.delivered, 75);
	cr_assert_eq(c.lost, 0);
	cr_assert_eq(c.failures, 0);
	cr_assert_eq(c.writes, 5, "intervals written: %llu", (unsigned long long)c.writes);
	mxp_sender_stop(s, 1000);
	hpeer_stop(&p);
	cr_assert_eq(p.nreq, 10);
	cr_assert_eq(p.connections, 1, "keep-alive: one connection, got %u", p.connections);
	assert_bodies_in_order(&p, 10, all_ok);
	uint64_t body_bytes = 0;
	for (unsigned r = 0; r < p.nreq; r++) {
		const char *h = p.req[r].head;
		cr_assert(strncmp(h, "POST /api/put HTTP/1.1\r\n", 24) == 0, "%s", h);
		char host[64];
		snprintf(host, sizeof(host), "\r\nHost: 127.0.0.1:%d\r\n", p.port);
		cr_assert_not_null(strstr(h, host), "%s", h);
		cr_assert_not_null(strstr(h, "\r\nUser-Agent: mxp/"), "%s", h);
		cr_assert_not_null(strstr(h, "\r\nContent-Type: application/json\r\n"), "%s", h);
		cr_assert_not_null(strstr(h, "\r\nX-Test: yes\r\n"), "%s", h);
		cr_assert_not_null(strstr(h, "\r\nAuthorization: Bearer sekrit\r\n"), "%s", h);
		char cl[64];
		snprintf(cl, sizeof(cl), "\r\nContent-Length: %zu\r\n", p.req[r].body_len);
		cr_assert_not_null(strstr(h, cl), "%s", h);
		body_bytes += p.req[r].body_len;
	}
	c = counters(s, i);
	cr_assert_eq(c.bytes_sent, body_bytes, "bytes sent = the bodies");
	mxp_sender_free(s);
	hpeer_free(&p);
}

static void test_5xx_is_resent(void)
{
	struct hpeer p;
	hpeer_start(&p, then_500);
	unsigned i;
	struct mxp_sender *s = http_sender(p.port, NULL, &i);
	put_intervals(s, i, 0, 3);
	struct mxp_send_counters c = wait_settled(s, i, 45);
	cr_assert_eq(c.delivered, 45);
	cr_assert_eq(c.lost, 0);
	cr_assert_eq(c.failures, 2);
	mxp_sender_stop(s, 1000);
	hpeer_stop(&p);
	cr_assert_eq(p.nreq, 8, "6 bodies, body 1 sent three times: %u requests", p.nreq);
	cr_assert_eq(p.connections, 1);
	assert_bodies_in_order(&p, 6, then_500);
	cr_assert_null(strstr(p.req[1].head, "Authorization:"));
	mxp_sender_free(s);
	hpeer_free(&p);
}

static void test_4xx_is_lost_not_resent(void)
{
	struct hpeer p;
	hpeer_start(&p, then_400);
	unsigned i;
	struct mxp_sender *s = http_sender(p.port, NULL, &i);
	put_intervals(s, i, 0, 3);
	struct mxp_send_counters c = wait_settled(s, i, 45);
	cr_assert_eq(c.lost_rejected, 5, "body 1 (5 metrics) refused: %llu", (unsigned long long)c.lost_rejected);
	cr_assert_eq(c.delivered, 40);
	cr_assert_eq(c.failures, 0);
	mxp_sender_stop(s, 1000);
	hpeer_stop(&p);
	cr_assert_eq(p.nreq, 6, "nothing resent");
	assert_bodies_in_order(&p, 6, then_400);
	mxp_sender_free(s);
	hpeer_free(&p);
}

static void test_429_waits_retry_after(void)
{
	struct hpeer p;
	hpeer_start(&p, then_429);
	unsigned i;
	struct mxp_sender *s = http_sender(p.port, NULL, &i);
	put_intervals(s, i, 0, 1);
	struct mxp_send_counters c = wait_settled(s, i, 15);
	cr_assert_eq(c.delivered, 15);
	cr_assert_eq(c.failures, 1);
	mxp_sender_stop(s, 1000);
	hpeer_stop(&p);
	cr_assert_eq(p.nreq, 3);
	assert_bodies_in_order(&p, 2, then_429);
	/* Retry-After: 1 is longer than the backoff (30 ms): the retry waits for it */
	int64_t waited = p.req[1].at_ms - p.req[0].at_ms;
	cr_assert_geq(waited, 990, "the retry came %lld ms after the 429", (long long)waited);
	mxp_sender_free(s);
	hpeer_free(&p);
}

/* The receiver ends the keep-alive connection after each answer (no Connection:
 * close): a reconnect each time, never a failure nor a lost or repeated request. */
static void test_keep_alive_closed_between_requests(void)
{
	struct hpeer p;
	hpeer_start(&p, close_each);
	unsigned i;
	struct mxp_sender *s = http_sender(p.port, NULL, &i);
	put_intervals(s, i, 0, 4);
	struct mxp_send_counters c = wait_settled(s, i, 60);
	cr_assert_eq(c.delivered, 60);
	cr_assert_eq(c.lost, 0);
	mxp_sender_stop(s, 1000);
	hpeer_stop(&p);
	assert_bodies_in_order(&p, 8, close_each);
	/* the race (a request written as the server closes) resends it: no failure then
	 * either, and it is not answered twice */
	cr_assert_eq(c.failures, 0, "failures %llu", (unsigned long long)c.failures);
	cr_assert_geq(p.connections, 8);
	mxp_sender_free(s);
	hpeer_free(&p);
}

static void test_connection_close_header(void)
{
	struct hpeer p;
	hpeer_start(&p, close_header_each);
	unsigned i;
	struct mxp_sender *s = http_sender(p.port, NULL, &i);
	put_intervals(s, i, 0, 3);
	struct mxp_send_counters c = wait_settled(s, i, 45);
	cr_assert_eq(c.delivered, 45);
	cr_assert_eq(c.failures, 0);
	mxp_sender_stop(s, 1000);
	hpeer_stop(&p);
	cr_assert_eq(p.nreq, 6);
	cr_assert_eq(p.connections, 6);
	assert_bodies_in_order(&p, 6, close_header_each);
	mxp_sender_free(s);
	hpeer_free(&p);
}

/* A fresh connection closed without an answer, garbage, no answer within `timeout ms`,
 * an answer before the body was read: each costs a failure and a reconnect (the last
 * a refusal); the request is sent again whole, except the refused one. */
static void one_bad_answer(struct answer (*script)(unsigned), uint64_t want_failures, uint64_t want_rejected)
{
	struct hpeer p;
	hpeer_start(&p, script);
	unsigned i;
	struct mxp_sender *s = http_sender(p.port, NULL, &i);
	put_intervals(s, i, 0, 2);
	struct mxp_send_counters c = wait_settled(s, i, 30);
	cr_assert_eq(c.delivered + c.lost_rejected, 30);
	cr_assert_eq(c.lost_rejected, want_rejected);
	cr_assert_eq(c.failures, want_failures, "failures %llu", (unsigned long long)c.failures);
	mxp_sender_stop(s, 1000);
	hpeer_stop(&p);
	cr_assert_geq(p.connections, 2);
	cr_assert_eq(p.nreq, 5, "requests %u", p.nreq);
	if (want_rejected == 0)
		assert_bodies_in_order(&p, 4, script);
	mxp_sender_free(s);
	hpeer_free(&p);
}

static void test_closed_without_answer(void)
{
	one_bad_answer(first_unanswered, 1, 0);
}

static void test_garbage_answer(void)
{
	one_bad_answer(first_garbage, 1, 0);
}

static void test_no_answer_within_timeout(void)
{
	timeout_ms = 300;
	one_bad_answer(first_hangs, 1, 0);
}

static void test_answer_before_the_body(void)
{
	/* a 413 to body 0 (10 metrics) before its body was read: refused, not resent */
	struct hpeer p;
	hpeer_start(&p, first_early);
	unsigned i;
	struct mxp_sender *s = http_sender(p.port, NULL, &i);
	put_body(s, i, 0, 10, 4 << 20); /* 4 MiB: still being written when the answer comes */
	put_body(s, i, 1, 5, 0);
	cr_assert_eq(mxp_sender_end_interval(s, i), 0);
	struct mxp_send_counters c = wait_settled(s, i, 15);
	cr_assert_eq(c.lost_rejected, 10);
	cr_assert_eq(c.delivered, 5);
	mxp_sender_stop(s, 1000);
	hpeer_stop(&p);
	cr_assert_eq(p.nreq, 2);
	cr_assert_eq(p.connections, 2);
	mxp_sender_free(s);
	hpeer_free(&p);
}

/* The same 413 before the body, but the receiver closes at once: the unread body makes
 * the kernel reset the connection, so the send fails. The answer still decides: the
 * body is refused (lost, not resent), and the reset is no failure. */
static void test_answer_before_the_body_rst(void)
{
	struct hpeer p;
	hpeer_start(&p, first_early_rst);
	unsigned i;
	struct mxp_sender *s = http_sender(p.port, NULL, &i);
	put_body(s, i, 0, 10, 4 << 20);
	put_body(s, i, 1, 5, 0);
	cr_assert_eq(mxp_sender_end_interval(s, i), 0);
	struct mxp_send_counters c = wait_settled(s, i, 15);
	mxp_sender_stop(s, 1000);
	hpeer_stop(&p);
	cr_assert_eq(c.lost_rejected, 10, "rejected %llu", (unsigned long long)c.lost_rejected);
	cr_assert_eq(c.delivered, 5);
	cr_assert_eq(c.failures, 0, "failures %llu", (unsigned long long)c.failures);
	cr_assert_eq(p.nreq, 2, "body 0 is not sent again: %u requests", p.nreq);
	mxp_sender_free(s);
	hpeer_free(&p);
}

/* A 503 with Retry-After: 2 and Connection: close, then a receiver that closes every
 * new connection for 1.5 s: mxp does not connect before the Retry-After is over, so
 * it never meets those closes (it used to reconnect in a tight loop). */
static void test_retry_after_no_reconnect_before(void)
{
	struct hpeer p;
	fresh_closed = 0;
	close_fresh_until = 0;
	hpeer_start(&p, first_503_close_ra);
	unsigned i;
	struct mxp_sender *s = http_sender(p.port, NULL, &i);
	put_intervals(s, i, 0, 1);
	struct mxp_send_counters c = wait_settled(s, i, 15);
	mxp_sender_stop(s, 1000);
	hpeer_stop(&p);
	cr_assert_eq(c.delivered, 15);
	cr_assert_eq(fresh_closed, 0, "%u connections made during the Retry-After", fresh_closed);
	cr_assert_geq(p.req[1].at_ms - p.req[0].at_ms, 1990, "the retry came %lld ms after the 503",
		      (long long)(p.req[1].at_ms - p.req[0].at_ms));
	mxp_sender_free(s);
	hpeer_free(&p);
}

/* A receiver that reads each request and closes without answering: every connection
 * fails, and the wait before the next doubles (0.1, 0.2, 0.4, 0.8 s ...): writing a
 * request is not a success that resets it. In 2.5 s that is about 5 connections;
 * with the wait reset at every write it was about 25. */
static void test_backoff_grows(void)
{
	struct hpeer p;
	hpeer_start(&p, never_answers);
	unsigned i;
	struct mxp_sender *s = http_sender(p.port, NULL, &i);
	put_intervals(s, i, 0, 1);
	usleep(2500000);
	struct mxp_send_counters c = counters(s, i);
	mxp_sender_stop(s, 0);
	hpeer_stop(&p);
	cr_assert_geq(p.connections, 3, "connections %u", p.connections);
	cr_assert_leq(p.connections, 8, "connections %u in 2.5 s: the backoff did not grow", p.connections);
	cr_assert_geq(c.failures + 1, c.reconnects, "every connection failed: %llu failures, %llu connects",
		      (unsigned long long)c.failures, (unsigned long long)c.reconnects);
	mxp_sender_free(s);
	hpeer_free(&p);
}

/* 503 for the first 40 requests with `buffer on failures` = 2: the oldest intervals
 * are dropped and counted; once the receiver recovers the rest arrive, in order. */
static void test_5xx_storm_past_buffer_on_failures(void)
{
	keep = 2;
	struct hpeer p;
	hpeer_start(&p, storm_503);
	unsigned i;
	struct mxp_sender *s = http_sender(p.port, NULL, &i);
	for (int iv = 0; iv < 6; iv++) {
		put_intervals(s, i, iv, 1);
		usleep(100000);
	}
	struct mxp_send_counters c = wait_settled(s, i, 90);
	cr_assert_eq(c.delivered + c.lost_buffer_full, 90);
	cr_assert_gt(c.lost_buffer_full, 0);
	cr_assert_eq(c.lost_buffer_full % 15, 0, "whole intervals are dropped");
	cr_assert_eq(c.discards, c.lost_buffer_full / 15);
	cr_assert_geq(c.delivered, 30, "the last two intervals at least");
	cr_assert_geq(c.failures, 40);
	mxp_sender_stop(s, 1000);
	hpeer_stop(&p);
	/* what was answered 2xx came in order: bodies ascend, none twice */
	int last = -1;
	for (unsigned r = 40; r < p.nreq; r++) {
		int b = -1;
		sscanf(p.req[r].body, "[body %d:", &b);
		cr_assert_gt(b, last, "request %u: body %d after %d", r, b, last);
		last = b;
	}
	/* the delay between retries grew (30 ms doubling to 400, with jitter) */
	int64_t first = p.req[2].at_ms - p.req[0].at_ms, later = p.req[38].at_ms - p.req[36].at_ms;
	cr_assert_gt(later, first, "retry gaps: %lld ms at first, %lld ms later", (long long)first, (long long)later);
	mxp_sender_free(s);
	hpeer_free(&p);
}

/* The receiver is down when the intervals come (its port refuses connections), then
 * up: the queued requests go once it answers, in order, none lost, none twice. */
static void test_down_then_up(void)
{
	/* a free port, with nothing listening on it for now */
	int probe = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof(a);
	cr_assert_eq(bind(probe, (struct sockaddr *)&a, sizeof(a)), 0);
	getsockname(probe, (struct sockaddr *)&a, &l);
	int port = ntohs(a.sin_port);
	close(probe);

	unsigned i;
	struct mxp_sender *s = http_sender(port, NULL, &i);
	put_intervals(s, i, 0, 3);
	usleep(400000);
	struct mxp_send_counters c = counters(s, i);
	cr_assert_eq(c.delivered, 0);
	cr_assert_eq(c.buffered, 45, "queued while down: %llu", (unsigned long long)c.buffered);
	cr_assert_geq(c.failures, 1, "the refused connects count");
	struct hpeer p;
	hpeer_start_on(&p, all_ok, port);
	c = wait_settled(s, i, 45);
	cr_assert_eq(c.delivered, 45);
	cr_assert_eq(c.lost, 0);
	mxp_sender_stop(s, 1000);
	hpeer_stop(&p);
	assert_bodies_in_order(&p, 6, all_ok);
	mxp_sender_free(s);
	hpeer_free(&p);
}

/* ---- the pure parts ---- */

Test(http_request, status_policy_table)
{
	static const struct {
		int status;
		enum mxp_http_action a;
	} rows[] = {
		{200, MXP_HTTP_DELIVERED}, {204, MXP_HTTP_DELIVERED}, {299, MXP_HTTP_DELIVERED},
		{400, MXP_HTTP_REJECTED},  {401, MXP_HTTP_REJECTED},  {404, MXP_HTTP_REJECTED},
		{413, MXP_HTTP_REJECTED},  {428, MXP_HTTP_REJECTED},  {429, MXP_HTTP_RETRY},
		{430, MXP_HTTP_REJECTED},  {500, MXP_HTTP_RETRY},     {503, MXP_HTTP_RETRY},
		{599, MXP_HTTP_RETRY},     {301, MXP_HTTP_REJECTED},  {100, MXP_HTTP_REJECTED},
		{600, MXP_HTTP_REJECTED},
	};
	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++)
		cr_assert_eq(mxp_http_status_action(rows[k].status), rows[k].a, "status %d", rows[k].status);
}

Test(http_request, retry_delay_has_jitter_within_bounds)
{
	uint64_t rng = 12345;
	long lo = 1000000, hi = 0;
	for (int k = 0; k < 10000; k++) {
		long d = mxp_http_retry_delay_ms(400, false, 0, &rng);
		cr_assert(d >= 200 && d <= 400, "delay %ld", d);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	cr_assert_lt(lo, 210, "jitter reaches the low end");
	cr_assert_gt(hi, 390, "and the high end");
	cr_assert_eq(mxp_http_retry_delay_ms(400, true, 7, &rng), 7000, "Retry-After wins when longer");
	long d = mxp_http_retry_delay_ms(4000, true, 1, &rng);
	cr_assert(d >= 2000 && d <= 4000, "the backoff wins when longer: %ld", d);
	cr_assert_eq(mxp_http_retry_delay_ms(10, true, 999999, &rng), 3600 * 1000L, "capped at an hour");
}

Test(http_request, basic_auth)
{
	char out[128];
	cr_assert_eq(mxp_http_basic_auth(out, sizeof(out), "Aladdin", "open sesame"), 0);
	cr_assert_str_eq(out, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="); /* RFC 7617's example */
	cr_assert_eq(mxp_http_basic_auth(out, sizeof(out), "a", ""), 0);
	cr_assert_str_eq(out, "Basic YTo=");
	cr_assert_eq(mxp_http_basic_auth(out, 10, "longer-user", "pw"), -ENOSPC);
}

Test(http_request, head)
{
	struct mxp_buf b = {0};
	struct mxp_sender_http h = {.path = "/api/v1/write",
				    .content_type = "application/x-protobuf",
				    .headers = "Content-Encoding: snappy\r\n"};
	struct mxp_destination d = {.proto = MXP_DEST_TCP};
	strcpy(d.host, "::1");
	strcpy(d.port, "9090");
	cr_assert_eq(mxp_http_request_head(&b, &h, &d, 123, NULL), 0);
	char *s = strndup(b.data, b.len);
	cr_assert(strncmp(s, "POST /api/v1/write HTTP/1.1\r\nHost: [::1]:9090\r\nUser-Agent: mxp/", 63) == 0, "%s", s);
	cr_assert_not_null(strstr(s, "\r\nContent-Type: application/x-protobuf\r\nContent-Encoding: snappy\r\n"));
	cr_assert_null(strstr(s, "Authorization"));
	size_t n = strlen(s);
	cr_assert(n > 23 && strcmp(s + n - 23, "Content-Length: 123\r\n\r\n") == 0, "%s", s);
	free(s);
	mxp_buf_free(&b);
}

static void with_io(enum mxp_io_kind k, void (*fn)(void))
{
	signal(SIGPIPE, SIG_IGN);
	io_kind = k;
	timeout_ms = 2000;
	keep = 10;
	fn();
}

#define BOTH(name)                                                             \
	Test(sender_http, name##_uring) { with_io(MXP_IO_URING, test_##name); } \
	Test(sender_http, name##_epoll) { with_io(MXP_IO_EPOLL, test_##name); }

BOTH(delivers_on_2xx_keep_alive)
BOTH(5xx_is_resent)
BOTH(4xx_is_lost_not_resent)
BOTH(429_waits_retry_after)
BOTH(keep_alive_closed_between_requests)
BOTH(connection_close_header)
BOTH(closed_without_answer)
BOTH(garbage_answer)
BOTH(no_answer_within_timeout)
BOTH(answer_before_the_body)
BOTH(5xx_storm_past_buffer_on_failures)
BOTH(answer_before_the_body_rst)
BOTH(retry_after_no_reconnect_before)
BOTH(backoff_grows)
BOTH(down_then_up)
