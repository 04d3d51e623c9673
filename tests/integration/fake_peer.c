/* fake_peer.c — a FAKE receiver for integration tests. It exists only for the
 * behaviours no real receiver can be made to produce on demand: a zero window
 * (stall), a reset after N bytes (reset), bytes a receiver should never send back
 * (garbage). Everything a real receiver can do is tested against the real one
 * (tests/integration/receivers.sh).
 *
 *   fake_peer MODE --out FILE [--split] [--port N] [--bytes N] [--resets K] [--rcvbuf N]
 *
 * It listens on 127.0.0.1 (an ephemeral port unless --port), prints the port as
 * stdout's first line, then serves any number of connections, one poll loop, no
 * threads. Every byte it reads is appended to FILE (O_APPEND, unbuffered, so a
 * test may read FILE while it runs; concurrent connections may interleave). With
 * --split, connection N appends to FILE.N instead, so none interleaves.
 * Events go to stderr as "fake_peer: ..." lines. SIGTERM / SIGINT: exit 0.
 *
 *   sink     read everything, never reply.
 *   stall    SO_RCVBUF --rcvbuf (default 4096) on the listening socket, so accepted
 *            sockets get a small window; never read until SIGUSR1, then act as sink
 *            (a connection the client closed meanwhile is read to its end then, as a
 *            receiver would: what the client's kernel took is not thrown away).
 *   reset    for the first K connections (--resets, default 1): read exactly
 *            --bytes N bytes (default 0), then close with SO_LINGER {1, 0} so the
 *            client gets a RST; later connections act as sink.
 *   garbage  act as sink, and after every read send FAKE_PEER_GARBAGE back.
 *
 * Exit status: 0 on SIGTERM / SIGINT, 1 on a system error, 2 on a usage error.
 */
#ifndef _GNU_SOURCE /* the build defines it; alone, ppoll and accept4 need it */
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FAKE_PEER_MAX_CONNS 64 /* concurrent connections; more wait in the backlog */
/* What garbage mode answers each read with: text, CRLF, control bytes, a NUL, 0xff. */
static const char FAKE_PEER_GARBAGE[] = "garbage\r\n\x01\x02\x03\x00\xff\xfe\n";

enum mode { SINK, STALL, RESET, GARBAGE };

struct conn {
	int fd;                   /* -1: free slot */
	int out;                  /* where its bytes go (the shared FILE, or FILE.id) */
	int shared_out;           /* the shared FILE */
	unsigned long id;         /* 1, 2, ... in accept order */
	int resetting;            /* this connection gets a RST after `limit` bytes */
	unsigned long long got;   /* bytes read so far */
};

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t released; /* stall: SIGUSR1 seen */

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		released = 1;
	else
		stop_requested = 1;
}

static void usage(const char *why)
{
	fprintf(stderr, "fake_peer: %s\n"
		"usage: fake_peer sink|stall|reset|garbage --out FILE [--split] [--port N] [--bytes N]"
		" [--resets K] [--rcvbuf N]\n", why);
	exit(2);
}

static unsigned long long number(const char *opt, const char *s)
{
	char *end;

	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "fake_peer: %s: not a number: '%s'\n", opt, s);
		exit(2);
	}
	return v;
}

/* Writes all of buf to fd, resuming after partial writes and EINTR; 0 or -1. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Closes c; with rst, SO_LINGER {1, 0} makes close() send a RST instead of a FIN. */
static void conn_close(struct conn *c, int rst, const char *why)
{
	if (rst) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		if (setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) < 0)
			perror("fake_peer: SO_LINGER");
	}
	fprintf(stderr, "fake_peer: connection %lu %s after %llu bytes\n", c->id, why, c->got);
	close(c->fd);
	c->fd = -1;
	if (c->out != c->shared_out)
		close(c->out);
}

int main(int argc, char **argv)
{
	enum mode mode;
	const char *out_path = NULL;
	unsigned long long port = 0, limit = 0, resets = 1, rcvbuf = 4096;
	int split = 0;

	if (argc < 2)
		usage("no mode");
	if (!strcmp(argv[1], "sink"))
		mode = SINK;
	else if (!strcmp(argv[1], "stall"))
		mode = STALL;
	else if (!strcmp(argv[1], "reset"))
		mode = RESET;
	else if (!strcmp(argv[1], "garbage"))
		mode = GARBAGE;
	else
		usage("unknown mode");
	for (int i = 2; i < argc; i += 2) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(opt, "--split")) {
			split = 1;
			i--; /* a flag: no value */
			continue;
		}
		if (!val)
			usage("an option lacks its value");
		if (!strcmp(opt, "--out"))
			out_path = val;
		else if (!strcmp(opt, "--port"))
			port = number(opt, val);
		else if (!strcmp(opt, "--bytes"))
			limit = number(opt, val);
		else if (!strcmp(opt, "--resets"))
			resets = number(opt, val);
		else if (!strcmp(opt, "--rcvbuf"))
			rcvbuf = number(opt, val);
		else
			usage("unknown option");
	}
	if (!out_path)
		usage("--out FILE is required");
	if (port > 65535 || rcvbuf > (1u << 30))
		usage("--port or --rcvbuf out of range");

	/* Signals stay blocked except inside ppoll(), so none is lost between the
	 * flag checks and the wait. A write to a reset client must not kill us. */
	sigset_t block, wait_mask;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGUSR1);
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int out = open(out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (out < 0) {
		fprintf(stderr, "fake_peer: %s: %s\n", out_path, strerror(errno));
		return 1;
	}
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, rb = (int)rcvbuf;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t slen = sizeof sin;
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    /* before listen(): accepted sockets inherit it, and the window offered in
	     * the handshake is sized from it */
	    (mode == STALL && setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &rb, sizeof rb) < 0) ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(lfd, 128) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) < 0) {
		perror("fake_peer: listening socket");
		return 1;
	}
	printf("%u\n", ntohs(sin.sin_port));
	fflush(stdout);

	struct conn conns[FAKE_PEER_MAX_CONNS];
	struct pollfd pfd[FAKE_PEER_MAX_CONNS + 1];
	unsigned long accepted = 0;
	char buf[65536];
	int rc = 0;
	for (int i = 0; i < FAKE_PEER_MAX_CONNS; i++)
		conns[i].fd = -1;

	while (!stop_requested) {
		int reading = mode != STALL || released;
		int nfree = 0;
		pfd[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (int i = 0; i < FAKE_PEER_MAX_CONNS; i++) {
			nfree += conns[i].fd < 0;
			/* a negative fd is ignored by poll: every connection while stalled (a
			 * hangup then is seen once reading again, after the data before it) */
			pfd[i + 1] = (struct pollfd){ .fd = reading ? conns[i].fd : -1, .events = POLLIN };
		}
		if (nfree == 0)
			pfd[0].fd = -1; /* full: leave new connections in the backlog */
		if (ppoll(pfd, FAKE_PEER_MAX_CONNS + 1, NULL, &wait_mask) < 0) {
			if (errno == EINTR)
				continue;
			perror("fake_peer: ppoll");
			rc = 1;
			break;
		}
		if (pfd[0].revents & POLLIN) {
			int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd >= 0) {
				struct conn *c = conns;
				while (c->fd >= 0)
					c++;
				accepted++;
				*c = (struct conn){ .fd = fd, .id = accepted, .out = out, .shared_out = out,
						    .resetting = mode == RESET && accepted <= resets };
				if (split) {
					char path[4096];
					snprintf(path, sizeof path, "%s.%lu", out_path, c->id);
					c->out = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
					if (c->out < 0) {
						fprintf(stderr, "fake_peer: %s: %s\n", path, strerror(errno));
						c->out = out;
					}
				}
				fprintf(stderr, "fake_peer: connection %lu accepted\n", c->id);
				if (c->resetting && limit == 0)
					conn_close(c, 1, "reset");
			} else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
				perror("fake_peer: accept");
			}
		}
		for (int i = 0; i < FAKE_PEER_MAX_CONNS; i++) {
			struct conn *c = &conns[i];
			if (c->fd < 0 || pfd[i + 1].fd != c->fd || !pfd[i + 1].revents)
				continue;
			size_t want = sizeof buf;
			if (c->resetting && limit - c->got < want)
				want = (size_t)(limit - c->got); /* not one byte past --bytes */
			ssize_t n = read(c->fd, buf, want);
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				conn_close(c, 0, n == 0 ? "closed by the client" : strerror(errno));
				continue;
			}
			if (write_all(c->out, buf, (size_t)n) < 0) {
				fprintf(stderr, "fake_peer: %s: %s\n", out_path, strerror(errno));
				stop_requested = 1;
				rc = 1;
			}
			c->got += (unsigned long long)n;
			if (mode == GARBAGE) /* best effort: a client that never reads must not stop us */
				(void)send(c->fd, FAKE_PEER_GARBAGE, sizeof FAKE_PEER_GARBAGE - 1,
					   MSG_DONTWAIT | MSG_NOSIGNAL);
			if (c->resetting && c->got >= limit)
				conn_close(c, 1, "reset");
		}
	}
	for (int i = 0; i < FAKE_PEER_MAX_CONNS; i++)
		if (conns[i].fd >= 0)
			conn_close(&conns[i], 0, "closed at exit");
	close(lfd);
	if (close(out) < 0) {
		fprintf(stderr, "fake_peer: %s: %s\n", out_path, strerror(errno));
		rc = 1;
	}
	if (rc == 0)
		fprintf(stderr, "fake_peer: stopped by a signal\n");
	return rc;
}
