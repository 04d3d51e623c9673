/* test_sender.c — the sender against FAKE peers in this process (loopback sockets
 * served by a thread of the test): they do what no real receiver does on demand —
 * stay down then come up, reset mid-stream, stall with a zero window, answer garbage.
 * Real receivers are tested in tests/integration. Every test runs twice: io_uring and
 * epoll (the `_uring` / `_epoll` pairs at the bottom).
 *
 * Each test checks the accounting equation on every copy of the counters it takes:
 * produced == delivered + buffered + lost, for metrics and for bytes. */
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

#include "send/sender.h"

/* ---- a fake peer: a listening socket and a thread that serves it ---- */

enum peer_mode {
	PEER_SINK,          /* read everything */
	PEER_GARBAGE,       /* read everything, answer garbage to each read */
	PEER_RESET_ONCE,    /* first connection: wait for `release`, read reset_after bytes,
			     * then RST; later ones: sink */
	PEER_STALL,         /* do not read until `release` is set; then sink */
};

struct peer {
	int lfd;
	int port;
	enum peer_mode mode;
	size_t reset_after;
	int release;            /* STALL: set to start reading */
	int quit;
	pthread_t thread;
	pthread_mutex_t lock;
	char *got;              /* everything read, connections in order */
	size_t len, cap;
	unsigned connections;
	size_t first_conn_bytes;
};

static void peer_append(struct peer *p, const char *b, size_t n)
{
	pthread_mutex_lock(&p->lock);
	if (p->len + n > p->cap) {
		p->cap = (p->len + n) * 2;
		p->got = realloc(p->got, p->cap);
	}
	memcpy(p->got + p->len, b, n);
	p->len += n;
	pthread_mutex_unlock(&p->lock);
}

static void *peer_main(void *arg)
{
	struct peer *p = arg;
	char buf[65536];
	for (;;) {
		/* once told to quit, still serve the connections the kernel already queued:
		 * a busy machine may run the whole exchange before this thread accepts */
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
		p->connections++;
		bool first = p->connections == 1;
		if (p->mode == PEER_STALL || (p->mode == PEER_RESET_ONCE && first))
			while (!__atomic_load_n(&p->release, __ATOMIC_ACQUIRE) && !__atomic_load_n(&p->quit, __ATOMIC_ACQUIRE))
				usleep(1000);
		size_t conn_bytes = 0;
		struct timeval rt = {0, 20000};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rt, sizeof(rt));
		for (;;) {
			size_t want = sizeof(buf);
			if (p->mode == PEER_RESET_ONCE && first && want > p->reset_after - conn_bytes)
				want = p->reset_after - conn_bytes;
			ssize_t r = recv(fd, buf, want, 0);
			if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
				if (__atomic_load_n(&p->quit, __ATOMIC_ACQUIRE))
					break;
				continue;
			}
			if (r <= 0)
				break;
			peer_append(p, buf, (size_t)r);
			conn_bytes += (size_t)r;
			if (p->mode == PEER_GARBAGE) {
				static const char junk[] = "garbage\r\n\x01\x02\xff";
				ssize_t w = send(fd, junk, sizeof(junk) - 1, MSG_NOSIGNAL);
				(void)w;
			}
			if (p->mode == PEER_RESET_ONCE && first && conn_bytes >= p->reset_after) {
				struct linger lg = {1, 0};
				setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
				break;
			}
		}
		if (first)
			p->first_conn_bytes = conn_bytes;
		close(fd);
	}
	return NULL;
}

static int listen_on(int port, int rcvbuf)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0, "bind: %s", strerror(errno));
	cr_assert_eq(listen(fd, 16), 0);
	return fd;
}

static int port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &l);
	return ntohs(a.sin_port);
}

/* A free port nobody listens on (yet). */
static int unused_port(void)
{
	int fd = listen_on(0, 0);
	int port = port_of(fd);
	close(fd);
	return port;
}

static void peer_start(struct peer *p, enum peer_mode mode, int port)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	p->mode = mode;
	p->lfd = listen_on(port, mode == PEER_STALL || mode == PEER_RESET_ONCE ? 4096 : 0);
	p->port = port_of(p->lfd);
	cr_assert_eq(pthread_create(&p->thread, NULL, peer_main, p), 0);
}

/* Stops the peer's thread; what it got stays readable until peer_free(). */
static void peer_stop(struct peer *p)
{
	__atomic_store_n(&p->quit, 1, __ATOMIC_RELEASE);
	pthread_join(p->thread, NULL);
	close(p->lfd);
}

static void peer_free(struct peer *p)
{
	free(p->got);
	p->got = NULL;
	pthread_mutex_destroy(&p->lock);
}

/* ---- the sender under test ---- */

static enum mxp_io_kind io_kind;
static long timeout_ms = 2000;  /* `timeout ms` of the instance; tests that stall a peer on
				 * purpose raise it, so no reconnect muddles what arrives */

static struct mxp_sender *sender_to(int port, long keep, unsigned *idx)
{
	struct mxp_destination d = {.proto = MXP_DEST_TCP};
	strcpy(d.host, "127.0.0.1");
	snprintf(d.port, sizeof(d.port), "%d", port);
	struct mxp_sender *s = mxp_sender_new(io_kind);
	cr_assert_not_null(s);
	cr_assert_str_eq(mxp_sender_io_name(s), io_kind == MXP_IO_URING ? "io_uring" : "epoll");
	struct mxp_sender_instance inst = {
		.name = "test", .destinations = &d, .ndestinations = 1, .timeout_ms = timeout_ms, .buffer_on_failures = keep};
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
	cr_assert_eq(c.produced, c.delivered + c.buffered + c.lost, "metrics: %llu != %llu + %llu + %llu",
		     (unsigned long long)c.produced, (unsigned long long)c.delivered,
		     (unsigned long long)c.buffered, (unsigned long long)c.lost);
	cr_assert_eq(c.bytes_produced, c.bytes_sent + c.bytes_buffered + c.bytes_lost,
		     "bytes: %llu != %llu + %llu + %llu", (unsigned long long)c.bytes_produced,
		     (unsigned long long)c.bytes_sent, (unsigned long long)c.bytes_buffered,
		     (unsigned long long)c.bytes_lost);
	cr_assert_eq(c.lost, c.lost_buffer_full + c.lost_shutdown);
	return c;
}

/* Polls until delivered + lost == want (or 10 s pass); returns the last copy. */
static struct mxp_send_counters wait_settled(struct mxp_sender *s, unsigned i, uint64_t want)
{
	struct mxp_send_counters c;
	for (int k = 0; k < 10000; k++) {
		c = counters(s, i);
		if (c.delivered + c.lost == want && c.produced == want)
			return c;
		usleep(1000);
	}
	return c;
}

/* Interval `iv` of `lines` lines: "m.<iv>.<k> <k> <iv>\n", padded to make big ones. */
/* Lines [from, to) of interval iv: "m.<iv>.<k>..... <k> <iv>\n", pad dots making big ones. */
static void make_lines(struct mxp_buf *b, int iv, int from, int to, int pad)
{
	for (int k = from; k < to; k++) {
		char line[256];
		int n = snprintf(line, sizeof(line), "m.%d.%d%.*s %d %d\n", iv, k, pad,
				 "................................................................................"
				 "................................................................................",
				 k, iv);
		cr_assert_eq(mxp_buf_put(b, line, (size_t)n), 0);
	}
}

static void make_interval(struct mxp_buf *b, int iv, int lines, int pad)
{
	make_lines(b, iv, 0, lines, pad);
}

static void put_interval(struct mxp_sender *s, unsigned i, int iv, int lines, int pad)
{
	/* two puts per interval, as two formatters would */
	struct mxp_buf b = {0}, c = {0};
	make_lines(&b, iv, 0, lines / 2, pad);
	cr_assert_eq(mxp_sender_put(s, i, &b, lines / 2), 0);
	cr_assert_eq(b.len, 0);
	make_lines(&c, iv, lines / 2, lines, pad);
	cr_assert_eq(mxp_sender_put(s, i, &c, lines - lines / 2), 0);
	cr_assert_eq(mxp_sender_end_interval(s, i), 0);
	mxp_buf_free(&b);
	mxp_buf_free(&c);
}

/* The lines of intervals [from, to] in order, as put_interval writes them. */
static char *expected(int from, int to, int lines, int pad, size_t *len)
{
	struct mxp_buf b = {0};
	for (int iv = from; iv <= to; iv++)
		make_interval(&b, iv, lines, pad);
	*len = b.len;
	return b.data;
}

/* Every complete line of got[0, n) appears once, in order, in want: returns how many. */
static long count_lines_in_order(const char *got, size_t n, const char *want, size_t wlen)
{
	long lines = 0;
	const char *w = want, *wend = want + wlen;
	const char *g = got, *gend = got + n;
	while (g < gend) {
		const char *nl = memchr(g, '\n', (size_t)(gend - g));
		if (nl == NULL)
			break;
		size_t l = (size_t)(nl + 1 - g);
		const char *at = memmem(w, (size_t)(wend - w), g, l);
		if (at == NULL || (at != want && at[-1] != '\n'))
			return -1;
		w = at + l;
		g = nl + 1;
		lines++;
	}
	return lines;
}

static void test_delivers_in_order(void)
{
	struct peer p;
	peer_start(&p, PEER_SINK, 0);
	unsigned i;
	struct mxp_sender *s = sender_to(p.port, 10, &i);
	for (int iv = 1; iv <= 3; iv++)
		put_interval(s, i, iv, 100, 0);
	struct mxp_send_counters c = wait_settled(s, i, 300);
	cr_assert_eq(c.delivered, 300);
	cr_assert_eq(c.lost, 0);
	cr_assert_eq(c.buffered, 0);
	size_t wlen;
	char *want = expected(1, 3, 100, 0, &wlen);
	cr_assert_eq(c.bytes_sent, wlen);
	cr_assert_eq(mxp_sender_stop(s, 1000), 0);
	/* the last mark may come after the last bytes went out: final after stop */
	c = counters(s, i);
	cr_assert_eq(c.intervals, 3);
	cr_assert_eq(c.writes, 3, "writes %llu", (unsigned long long)c.writes);
	cr_assert_eq(c.reconnects, 1);
	cr_assert_eq(c.failures, 0);
	peer_stop(&p);
	cr_assert_eq(p.len, wlen, "peer got %zu of %zu bytes over %u connections", p.len, wlen, p.connections);
	cr_assert(memcmp(p.got, want, wlen) == 0, "the peer got the bytes in order");
	free(want);
	mxp_sender_free(s);
	peer_free(&p);
}

static void test_down_then_up(void)
{
	int port = unused_port();
	unsigned i;
	struct mxp_sender *s = sender_to(port, 10, &i);
	for (int iv = 1; iv <= 3; iv++)
		put_interval(s, i, iv, 50, 0);
	usleep(300000); /* a few connect rounds fail (backoff 100, 200 ms) */
	struct mxp_send_counters c = counters(s, i);
	cr_assert_eq(c.buffered, 150);
	cr_assert_eq(c.delivered, 0);
	cr_assert_geq(c.failures, 1);
	cr_assert_geq(c.reconnects, 2);

	struct peer p;
	peer_start(&p, PEER_SINK, port);
	c = wait_settled(s, i, 150);
	cr_assert_eq(c.delivered, 150, "delivered %llu", (unsigned long long)c.delivered);
	cr_assert_eq(c.lost, 0);
	mxp_sender_stop(s, 1000);
	peer_stop(&p);
	size_t wlen;
	char *want = expected(1, 3, 50, 0, &wlen);
	cr_assert_eq(p.len, wlen);
	cr_assert(memcmp(p.got, want, wlen) == 0);
	free(want);
	mxp_sender_free(s);
	peer_free(&p);
}

static void test_buffer_on_failures(void)
{
	int port = unused_port();
	unsigned i;
	struct mxp_sender *s = sender_to(port, 2, &i);
	for (int iv = 1; iv <= 5; iv++)
		put_interval(s, i, iv, 10, 0);
	struct mxp_send_counters c;
	for (int k = 0; k < 2000; k++) {
		c = counters(s, i);
		if (c.produced == 50)
			break;
		usleep(1000);
	}
	/* 5 intervals, 2 kept: the 3 oldest dropped, counted exactly */
	cr_assert_eq(c.lost, 30, "lost %llu", (unsigned long long)c.lost);
	cr_assert_eq(c.lost_buffer_full, 30);
	cr_assert_eq(c.discards, 3);
	cr_assert_eq(c.buffered, 20);
	size_t w12;
	char *lost = expected(1, 3, 10, 0, &w12);
	cr_assert_eq(c.bytes_lost, w12);
	free(lost);

	struct peer p;
	peer_start(&p, PEER_SINK, port);
	c = wait_settled(s, i, 50);
	cr_assert_eq(c.delivered, 20);
	mxp_sender_stop(s, 1000);
	peer_stop(&p);
	size_t wlen;
	char *want = expected(4, 5, 10, 0, &wlen);
	cr_assert_eq(p.len, wlen, "only intervals 4 and 5 arrive");
	cr_assert(memcmp(p.got, want, wlen) == 0);
	free(want);
	mxp_sender_free(s);
	peer_free(&p);
}

static void test_stop_counts_what_is_left(void)
{
	int port = unused_port();
	unsigned i;
	struct mxp_sender *s = sender_to(port, 10, &i);
	put_interval(s, i, 1, 40, 0);
	usleep(50000);
	cr_assert_eq(mxp_sender_stop(s, 100), 40);
	struct mxp_send_counters c = counters(s, i);
	cr_assert_eq(c.lost_shutdown, 40);
	cr_assert_eq(c.buffered, 0);
	mxp_sender_free(s);
}

/* The peer (a small receive window, so the sender's writes are short) resets the
 * first connection after 100037 bytes (inside a line). What the
 * kernel had accepted beyond that is gone with the connection (TCP cannot say what the
 * peer read; the sender counted it delivered when written, as the seed does). What the
 * test can see: the second connection carries an exact suffix of the stream that starts
 * at a line, never repeats a line the first one carried whole, and holds every line put
 * after the reset. */
static void test_reset_resumes_at_the_line(void)
{
	timeout_ms = 60000;
	struct peer p;
	peer_start(&p, PEER_RESET_ONCE, 0);
	p.reset_after = 100000 + 37;
	unsigned i;
	struct mxp_sender *s = sender_to(p.port, 10, &i);
	for (int iv = 1; iv <= 4; iv++)
		put_interval(s, i, iv, 10000, 100);
	struct mxp_send_counters c;
	for (int k = 0; k < 5000; k++) {
		c = counters(s, i);
		if (c.produced == 40000)
			break;
		usleep(1000);
	}
	usleep(100000); /* the socket buffers fill: the sender's send is short, cut in a line */
	c = counters(s, i);
	cr_assert_lt(c.bytes_sent, c.bytes_produced, "the stream waits on the peer");
	__atomic_store_n(&p.release, 1, __ATOMIC_RELEASE);
	for (int k = 0; k < 5000; k++) {
		c = counters(s, i);
		if (c.failures >= 1)
			break;
		usleep(1000);
	}
	cr_assert_geq(c.failures, 1, "the reset was seen");
	for (int iv = 5; iv <= 6; iv++)
		put_interval(s, i, iv, 10000, 100);
	c = wait_settled(s, i, 60000);
	cr_assert_eq(c.delivered, 60000, "delivered %llu lost %llu", (unsigned long long)c.delivered,
		     (unsigned long long)c.lost);
	mxp_sender_stop(s, 1000);
	c = counters(s, i);
	peer_stop(&p);
	cr_assert_geq(p.connections, 2);

	size_t wlen, w56;
	char *want = expected(1, 6, 10000, 100, &wlen);
	free(expected(5, 6, 10000, 100, &w56));
	const char *cut = p.got + p.first_conn_bytes;
	const char *last_nl = cut;
	while (last_nl > p.got && last_nl[-1] != '\n')
		last_nl--;
	size_t whole = (size_t)(last_nl - p.got);
	cr_assert_gt(whole, 0);
	cr_assert(memcmp(p.got, want, whole) == 0, "the first connection's whole lines are the first lines");
	size_t rest = p.len - p.first_conn_bytes;
	const char *suffix = want + wlen - rest;
	cr_assert_geq(rest, w56, "everything put after the reset arrived");
	cr_assert_leq(rest, wlen - whole, "no line the first connection carried whole is sent again");
	cr_assert(suffix == want || suffix[-1] == '\n', "the second connection starts at a line");
	cr_assert(memcmp(cut, suffix, rest) == 0, "and carries the stream from there, once");
	cr_assert_leq(c.bytes_sent, wlen, "a cut line's bytes count once");
	free(want);
	mxp_sender_free(s);
	peer_free(&p);
}

static void test_garbage_answers(void)
{
	struct peer p;
	peer_start(&p, PEER_GARBAGE, 0);
	unsigned i;
	struct mxp_sender *s = sender_to(p.port, 10, &i);
	for (int iv = 1; iv <= 3; iv++) {
		put_interval(s, i, iv, 100, 0);
		usleep(20000);
	}
	struct mxp_send_counters c = wait_settled(s, i, 300);
	cr_assert_eq(c.delivered, 300);
	for (int k = 0; k < 1000 && c.reads == 0; k++) {
		usleep(1000);
		c = counters(s, i);
	}
	cr_assert_gt(c.reads, 0);
	cr_assert_gt(c.bytes_received, 0);
	cr_assert_eq(c.failures, 0, "answers are discarded, not failures");
	mxp_sender_stop(s, 1000);
	peer_stop(&p);
	size_t wlen;
	char *want = expected(1, 3, 100, 0, &wlen);
	cr_assert_eq(p.len, wlen);
	free(want);
	mxp_sender_free(s);
	peer_free(&p);
}

static void test_stalled_receiver(void)
{
	timeout_ms = 60000;
	struct peer p;
	peer_start(&p, PEER_STALL, 0);
	unsigned i;
	struct mxp_sender *s = sender_to(p.port, 2, &i);
	/* 8 intervals of ~1.2 MB each: far past what the socket buffers hold */
	for (int iv = 1; iv <= 8; iv++)
		put_interval(s, i, iv, 10000, 100);
	struct mxp_send_counters c;
	for (int k = 0; k < 5000; k++) {
		c = counters(s, i);
		if (c.produced == 80000 && c.buffered <= 30000)
			break;
		usleep(1000);
	}
	cr_assert_gt(c.lost, 0, "a stalled receiver past buffer on failures loses the oldest");
	/* what is dropped is the oldest interval's part not yet on the wire: whole puts
	 * (5000 lines each here), at most one interval (10000) per drop */
	cr_assert_eq(c.lost % 5000, 0, "whole puts: %llu", (unsigned long long)c.lost);
	cr_assert_geq(c.discards, 1);
	cr_assert_leq(c.lost, 10000 * c.discards);
	__atomic_store_n(&p.release, 1, __ATOMIC_RELEASE);
	c = wait_settled(s, i, 80000);
	cr_assert_eq(c.delivered + c.lost, 80000);
	mxp_sender_stop(s, 2000);
	peer_stop(&p);
	size_t wlen;
	char *want = expected(1, 8, 10000, 100, &wlen);
	long lines = count_lines_in_order(p.got, p.len, want, wlen);
	cr_assert_eq(lines, (long)c.delivered, "every delivered line arrived once, in order (%ld vs %llu)", lines,
		     (unsigned long long)c.delivered);
	cr_assert_eq(p.len, c.bytes_sent);
	free(want);
	mxp_sender_free(s);
	peer_free(&p);
}

/* Destinations in order: a port nobody listens on, then "localhost" (whose first
 * address may be ::1 while the peer listens on 127.0.0.1 only): every address of each
 * is tried, and the lines arrive. */
static void test_next_destination_and_address(void)
{
	struct peer p;
	peer_start(&p, PEER_SINK, 0);
	struct mxp_destination d[2] = {{.proto = MXP_DEST_TCP}, {.proto = MXP_DEST_TCP}};
	strcpy(d[0].host, "127.0.0.1");
	snprintf(d[0].port, sizeof(d[0].port), "%d", unused_port());
	strcpy(d[1].host, "localhost");
	snprintf(d[1].port, sizeof(d[1].port), "%d", p.port);
	struct mxp_sender *s = mxp_sender_new(io_kind);
	cr_assert_not_null(s);
	struct mxp_sender_instance inst = {
		.name = "test", .destinations = d, .ndestinations = 2, .timeout_ms = 2000, .buffer_on_failures = 5};
	int i = mxp_sender_add(s, &inst);
	cr_assert_eq(i, 0);
	cr_assert_eq(mxp_sender_start(s), 0);
	put_interval(s, 0, 1, 20, 0);
	struct mxp_send_counters c = wait_settled(s, 0, 20);
	cr_assert_eq(c.delivered, 20);
	cr_assert_geq(c.reconnects, 2, "the dead destination was tried first");
	mxp_sender_stop(s, 1000);
	peer_stop(&p);
	cr_assert_eq(p.connections, 1);
	mxp_sender_free(s);
	peer_free(&p);
}

/* The seed's SO_SNDTIMEO: a receiver that takes nothing for `timeout ms` (300 here)
 * fails the connection and mxp connects again; once it reads, what was queued arrives
 * and the accounting holds. */
static void test_stall_past_timeout_reconnects(void)
{
	timeout_ms = 300;
	struct peer p;
	peer_start(&p, PEER_STALL, 0);
	unsigned i;
	struct mxp_sender *s = sender_to(p.port, 10, &i);
	for (int iv = 1; iv <= 4; iv++)
		put_interval(s, i, iv, 10000, 100);
	struct mxp_send_counters c;
	for (int k = 0; k < 5000; k++) {
		c = counters(s, i);
		if (c.failures >= 1 && c.reconnects >= 2)
			break;
		usleep(1000);
	}
	cr_assert_geq(c.failures, 1, "a stalled send fails after timeout ms");
	cr_assert_geq(c.reconnects, 2, "and mxp connects again");
	__atomic_store_n(&p.release, 1, __ATOMIC_RELEASE);
	c = wait_settled(s, i, 40000);
	cr_assert_eq(c.delivered + c.lost, 40000);
	mxp_sender_stop(s, 2000);
	peer_stop(&p);
	mxp_sender_free(s);
	peer_free(&p);
}

/* udp: a socket of the test receives the datagrams; each holds whole lines and at most
 * 1400 bytes, and together, in order, they are the stream. */
struct udp_peer {
	int fd;
	int quit;
	pthread_t thread;
	char *got;
	size_t len, cap;
	unsigned datagrams, bad;        /* bad: over 1400 bytes, or not ending in a line */
};

static void *udp_main(void *arg)
{
	struct udp_peer *u = arg;
	char buf[65536];
	struct timeval rt = {0, 20000};
	setsockopt(u->fd, SOL_SOCKET, SO_RCVTIMEO, &rt, sizeof(rt));
	while (!__atomic_load_n(&u->quit, __ATOMIC_ACQUIRE)) {
		ssize_t r = recv(u->fd, buf, sizeof(buf), 0);
		if (r <= 0)
			continue;
		if (r > 1400 || buf[r - 1] != '\n')
			u->bad++;
		u->datagrams++;
		if (u->len + (size_t)r > u->cap) {
			u->cap = (u->len + (size_t)r) * 2;
			u->got = realloc(u->got, u->cap);
		}
		memcpy(u->got + u->len, buf, (size_t)r);
		u->len += (size_t)r;
	}
	return NULL;
}

static void test_udp_datagrams_of_whole_lines(void)
{
	struct udp_peer u = {0};
	u.fd = socket(AF_INET, SOCK_DGRAM, 0);
	int big = 4 << 20;
	setsockopt(u.fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	cr_assert_eq(bind(u.fd, (struct sockaddr *)&a, sizeof(a)), 0);
	getsockname(u.fd, (struct sockaddr *)&a, &al);
	cr_assert_eq(pthread_create(&u.thread, NULL, udp_main, &u), 0);

	struct mxp_destination d = {.proto = MXP_DEST_UDP};
	strcpy(d.host, "127.0.0.1");
	snprintf(d.port, sizeof(d.port), "%d", ntohs(a.sin_port));
	struct mxp_sender *s = mxp_sender_new(io_kind);
	cr_assert_not_null(s);
	struct mxp_sender_instance inst = {
		.name = "udp", .destinations = &d, .ndestinations = 1, .timeout_ms = 2000, .buffer_on_failures = 5};
	cr_assert_eq(mxp_sender_add(s, &inst), 0);
	cr_assert_eq(mxp_sender_start(s), 0);
	for (int iv = 1; iv <= 3; iv++)
		put_interval(s, 0, iv, 200, 10);
	struct mxp_send_counters c = wait_settled(s, 0, 600);
	cr_assert_eq(c.delivered, 600);
	size_t wlen;
	char *want = expected(1, 3, 200, 10, &wlen);
	cr_assert_eq(c.bytes_sent, wlen);
	for (int k = 0; k < 1000 && u.len < wlen; k++)
		usleep(1000);
	mxp_sender_stop(s, 1000);
	/* an interval's mark may reach the sender after its last bytes went out: the
	 * count of intervals written is final once stop has drained the hand-over */
	c = counters(s, 0);
	cr_assert_eq(c.writes, 3);
	__atomic_store_n(&u.quit, 1, __ATOMIC_RELEASE);
	pthread_join(u.thread, NULL);
	close(u.fd);
	cr_assert_eq(u.len, wlen, "got %zu of %zu bytes in %u datagrams", u.len, wlen, u.datagrams);
	cr_assert(memcmp(u.got, want, wlen) == 0, "the datagrams are the stream, in order");
	cr_assert_eq(u.bad, 0, "every datagram is whole lines, at most 1400 bytes");
	cr_assert_gt(u.datagrams, wlen / 1400, "%u datagrams for %zu bytes", u.datagrams, wlen);
	free(want);
	free(u.got);
	mxp_sender_free(s);
}

static void with_io(enum mxp_io_kind k, void (*fn)(void))
{
	signal(SIGPIPE, SIG_IGN);
	io_kind = k;
	timeout_ms = 2000;
	fn();
}

#define BOTH(name)                                                   \
	Test(sender, name##_uring) { with_io(MXP_IO_URING, test_##name); } \
	Test(sender, name##_epoll) { with_io(MXP_IO_EPOLL, test_##name); }

BOTH(delivers_in_order)
BOTH(down_then_up)
BOTH(buffer_on_failures)
BOTH(stop_counts_what_is_left)
BOTH(reset_resumes_at_the_line)
BOTH(garbage_answers)
BOTH(stalled_receiver)
BOTH(next_destination_and_address)
BOTH(stall_past_timeout_reconnects)
BOTH(udp_datagrams_of_whole_lines)
