/* stress_exporter.c — the whole engine under load, for TSan: mxp_exporter_start() with
 * three instances (graphite average, opentsdb sum, Prometheus remote write average over
 * HTTP) over a store that a writer keeps collecting, exporting window after window
 * through the pipelines and the sender to a loopback receiver thread in this program
 * (it counts lines, and decodes each remote-write request, counts its series and
 * answers 204), while a third thread reads the counters all the time and checks the
 * accounting equation on every copy.
 *
 *   stress_exporter [--seconds S] [--series H,C,D] [--formatters F]
 *
 * At the end: every instance delivered everything it produced, nothing was lost, and
 * the receiver counted exactly the delivered lines (series) of each instance. Exits 0 when all
 * checks held, 1 otherwise. MXP_IO picks the sender's I/O as usual. */
#include <ck_pr.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <snappy-c.h>

#include "format/prometheus/remote.pb-c.h"
#include "mxp/exporter.h"
#include "synthetic_source.h"

static unsigned opt_seconds = 3, opt_h = 4, opt_c = 10, opt_d = 10, opt_formatters = 2;
static int stop;
static uint64_t clock_now;      /* the writer's simulated second (ck_pr) */
static const time_t BASE_T = 1600000000;
static int failures;

static void fail(const char *what)
{
	fprintf(stderr, "stress_exporter: FAIL: %s\n", what);
	ck_pr_inc_int(&failures);
}

/* ---- the writer: collects on a fake clock, one second per round ---- */

static void *writer_main(void *arg)
{
	struct mxp_synthetic *syn = arg;
	uint64_t n = 0;
	while (!ck_pr_load_int(&stop)) {
		n++;
		struct timeval tv = {.tv_sec = BASE_T + (time_t)n, .tv_usec = 0};
		mxp_synthetic_collect(syn, &tv);
		ck_pr_store_64(&clock_now, (uint64_t)tv.tv_sec);
		struct timespec ts = {0, 200000};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* ---- the receiver: accepts the two connections, counts lines by kind ---- */

struct receiver {
	int lfd;
	int port;
	uint64_t graphite_lines, put_lines, other;  /* ck_pr: read by main after join */
	uint64_t rw_series, rw_requests, rw_bad;
};

/* An HTTP connection's bytes not handled yet (remote write). */
struct http_in {
	char *data;
	size_t len, cap;
};

/* Handles every complete request in h: decodes it, counts its series, answers 204.
 * Returns -1 when the connection must go. */
static int http_requests(struct receiver *r, int fd, struct http_in *h)
{
	for (;;) {
		char *end = h->len >= 4 ? memmem(h->data, h->len, "\r\n\r\n", 4) : NULL;
		if (end == NULL)
			return 0;
		size_t head = (size_t)(end - h->data) + 4;
		char *cl = memmem(h->data, head, "Content-Length: ", 16);
		size_t body = cl != NULL ? strtoul(cl + 16, NULL, 10) : 0;
		if (h->len < head + body)
			return 0;
		size_t plen = 0;
		char *plain = NULL;
		Prometheus__WriteRequest *wr = NULL;
		if (snappy_uncompressed_length(h->data + head, body, &plen) == SNAPPY_OK &&
		    (plain = malloc(plen + 1)) != NULL && snappy_uncompress(h->data + head, body, plain, &plen) == SNAPPY_OK)
			wr = prometheus__write_request__unpack(NULL, plen, (const uint8_t *)plain);
		if (wr != NULL) {
			ck_pr_add_64(&r->rw_series, wr->n_timeseries);
			prometheus__write_request__free_unpacked(wr, NULL);
		} else {
			ck_pr_inc_64(&r->rw_bad);
		}
		free(plain);
		ck_pr_inc_64(&r->rw_requests);
		memmove(h->data, h->data + head + body, h->len - head - body);
		h->len -= head + body;
		static const char ok[] = "HTTP/1.1 204 No Content\r\n\r\n";
		if (send(fd, ok, sizeof(ok) - 1, MSG_NOSIGNAL) != (ssize_t)sizeof(ok) - 1)
			return -1;
	}
}

static int http_take(struct receiver *r, int fd, struct http_in *h, const char *buf, size_t n)
{
	if (h->cap - h->len < n) {
		size_t cap = (h->len + n) * 2;
		char *d = realloc(h->data, cap);
		if (d == NULL)
			return -1;
		h->data = d;
		h->cap = cap;
	}
	memcpy(h->data + h->len, buf, n);
	h->len += n;
	return http_requests(r, fd, h);
}

static void count_lines(struct receiver *r, const char *buf, size_t n, char *carry, size_t *clen)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (*clen < 511)
				carry[(*clen)++] = buf[i];
			continue;
		}
		carry[*clen] = '\0';
		if (strncmp(carry, "put ", 4) == 0)
			ck_pr_inc_64(&r->put_lines);
		else if (strncmp(carry, "netdata.", 8) == 0)
			ck_pr_inc_64(&r->graphite_lines);
		else
			ck_pr_inc_64(&r->other);
		*clen = 0;
	}
}

static void *receiver_main(void *arg)
{
	struct receiver *r = arg;
	int fds[8];
	char carry[8][512];
	size_t clen[8] = {0};
	int http[8];                    /* -1: not known yet; 1: remote write */
	struct http_in hin[8];
	memset(hin, 0, sizeof(hin));
	unsigned nfd = 0;
	char buf[65536];
	for (;;) {
		fd_set rs;
		FD_ZERO(&rs);
		FD_SET(r->lfd, &rs);
		int maxfd = r->lfd;
		for (unsigned i = 0; i < nfd; i++) {
			if (fds[i] < 0)
				continue;
			FD_SET(fds[i], &rs);
			if (fds[i] > maxfd)
				maxfd = fds[i];
		}
		struct timeval tv = {0, 50000};
		int n = select(maxfd + 1, &rs, NULL, NULL, &tv);
		bool open = false;
		for (unsigned i = 0; i < nfd; i++)
			open |= fds[i] >= 0;
		if (n <= 0) {
			if (ck_pr_load_int(&stop) == 2 && !open) {
				for (unsigned i = 0; i < nfd; i++)
					free(hin[i].data);
				return NULL;
			}
			continue;
		}
		if (FD_ISSET(r->lfd, &rs) && nfd < 8) {
			fds[nfd] = accept(r->lfd, NULL, NULL);
			clen[nfd] = 0;
			http[nfd] = -1;
			nfd++;
		}
		for (unsigned i = 0; i < nfd; i++) {
			if (fds[i] < 0 || !FD_ISSET(fds[i], &rs))
				continue;
			ssize_t got = recv(fds[i], buf, sizeof(buf), 0);
			if (got <= 0) {
				close(fds[i]);
				fds[i] = -1;
				continue;
			}
			if (http[i] < 0)
				http[i] = got >= 5 && memcmp(buf, "POST ", 5) == 0;
			if (!http[i]) {
				count_lines(r, buf, (size_t)got, carry[i], &clen[i]);
			} else if (http_take(r, fds[i], &hin[i], buf, (size_t)got) != 0) {
				close(fds[i]);
				fds[i] = -1;
			}
		}
	}
}

/* ---- the counters' reader: the equation on every copy ---- */

static void *reader_main(void *arg)
{
	struct mxp_exporter *e = arg;
	uint64_t copies = 0;
	while (!ck_pr_load_int(&stop)) {
		for (size_t i = 0; i < mxp_exporter_instances(e); i++) {
			struct mxp_send_counters c;
			mxp_exporter_counters(e, i, &c);
			copies++;
			if (c.produced != c.delivered + c.buffered + c.lost ||
			    c.bytes_produced != c.bytes_sent + c.bytes_buffered + c.bytes_lost) {
				fail("a copy of the counters broke produced = delivered + buffered + lost");
				return NULL;
			}
		}
	}
	fprintf(stderr, "stress_exporter: %" PRIu64 " copies of the counters read, the equation held in each\n", copies);
	return NULL;
}

static int parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			opt_seconds = (unsigned)atoi(argv[++i]);
		else if (strcmp(argv[i], "--formatters") == 0 && i + 1 < argc)
			opt_formatters = (unsigned)atoi(argv[++i]);
		else if (strcmp(argv[i], "--series") == 0 && i + 1 < argc) {
			if (sscanf(argv[++i], "%u,%u,%u", &opt_h, &opt_c, &opt_d) != 3)
				return -1;
		} else
			return -1;
	}
	return opt_seconds > 0 && opt_formatters > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (parse_args(argc, argv) != 0) {
		fprintf(stderr, "usage: stress_exporter [--seconds S] [--series H,C,D] [--formatters F]\n");
		return 2;
	}
	struct receiver rcv = {0};
	rcv.lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	if (bind(rcv.lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(rcv.lfd, 8) != 0 ||
	    getsockname(rcv.lfd, (struct sockaddr *)&a, &al) != 0) {
		perror("stress_exporter: listen");
		return 2;
	}
	rcv.port = ntohs(a.sin_port);

	char conf[] = "/tmp/stress_exporter.XXXXXX";
	int cfd = mkstemp(conf);
	FILE *cf = cfd >= 0 ? fdopen(cfd, "w") : NULL;
	if (cf == NULL) {
		perror("stress_exporter: config");
		return 2;
	}
	/* buffer on failures: above what a run can queue. Windows come back to back, and
	 * the pipeline makes them faster than remote write's one request in flight sends
	 * them (2,700-3,200 windows in 3 s since its waits went by batches, 2026-12-07):
	 * at 1,000 the oldest were dropped — counted lost, rightly, but this test checks
	 * that everything produced is delivered */
	fprintf(cf,
		"[exporting:global]\n    enabled = yes\n    update every = 10\n    buffer on failures = 1000000\n"
		"[graphite:g]\n    enabled = yes\n    destination = 127.0.0.1:%d\n    data source = average\n"
		"[opentsdb:o]\n    enabled = yes\n    destination = 127.0.0.1:%d\n    data source = sum\n"
		"[prometheus_remote_write:r]\n    enabled = yes\n    destination = 127.0.0.1:%d\n"
		"    data source = average\n    max samples per send = 50\n",
		rcv.port, rcv.port, rcv.port);
	fclose(cf);

	struct mxp_store_options so = {.history = 64};
	struct mxp_store *store = mxp_store_new(&so);
	struct mxp_synthetic *syn = store ? mxp_synthetic_new(store, opt_h, opt_c, opt_d, 1, 11) : NULL;
	if (syn == NULL) {
		perror("stress_exporter: store");
		return 2;
	}
	struct mxp_exporter_options opt = {.manual = 1, .formatters = opt_formatters, .self_charts = 1};
	struct mxp_exporter *e = mxp_exporter_start(store, conf, &opt);
	unlink(conf);
	if (e == NULL) {
		perror("stress_exporter: mxp_exporter_start");
		return 2;
	}

	pthread_t w, rt, ct;
	pthread_create(&rt, NULL, receiver_main, &rcv);
	pthread_create(&w, NULL, writer_main, syn);
	pthread_create(&ct, NULL, reader_main, e);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint64_t windows = 0;
	long records = 0;
	do {
		time_t now = (time_t)ck_pr_load_64(&clock_now);
		if (now < BASE_T + 12) {
			sched_yield();
			clock_gettime(CLOCK_MONOTONIC, &t1);
			continue;
		}
		long n = mxp_exporter_export(e, now - 10, now);
		if (n < 0)
			fail("an export failed");
		else
			records += n;
		windows++;
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} while ((t1.tv_sec - t0.tv_sec) < (time_t)opt_seconds && !ck_pr_load_int(&failures));

	ck_pr_store_int(&stop, 1);
	pthread_join(w, NULL);
	pthread_join(ct, NULL);

	/* everything handed to the sender is written before stop's deadline */
	struct mxp_send_counters c[3];
	size_t ni = mxp_exporter_instances(e);
	if (ni != 3)
		fail("not three instances");
	if (mxp_exporter_flush(e, 20000) != 0)
		fail("the sender did not write everything within 20 s");
	for (size_t i = 0; i < ni && i < 3; i++)
		mxp_exporter_counters(e, i, &c[i]);
	unsigned long long lost = mxp_exporter_stop(e, 10000);
	ck_pr_store_int(&stop, 2);
	pthread_join(rt, NULL);
	close(rcv.lfd);

	uint64_t produced = c[0].produced + c[1].produced + c[2].produced;
	if (lost != 0 || c[0].lost != 0 || c[1].lost != 0 || c[2].lost != 0)
		fail("metrics were lost");
	if (c[0].delivered != c[0].produced || c[1].delivered != c[1].produced || c[2].delivered != c[2].produced)
		fail("not everything produced was delivered");
	if (ck_pr_load_64(&rcv.rw_series) != c[2].delivered || ck_pr_load_64(&rcv.rw_bad) != 0)
		fail("the receiver's remote-write series differ from what the instance delivered");
	if (ck_pr_load_64(&rcv.graphite_lines) != c[0].delivered)
		fail("the receiver's graphite lines differ from what the graphite instance delivered");
	if (ck_pr_load_64(&rcv.put_lines) != c[1].delivered)
		fail("the receiver's opentsdb lines differ from what the opentsdb instance delivered");
	if (ck_pr_load_64(&rcv.other) != 0)
		fail("the receiver got lines of neither kind");
	if (produced != (uint64_t)records)
		fail("the sender's produced differs from the records the pipelines formatted");
	fprintf(stderr,
		"stress_exporter: %" PRIu64 " windows, %ld records (%.0f/s); graphite %" PRIu64 " lines, opentsdb %" PRIu64
		" lines, remote write %" PRIu64 " series in %" PRIu64 " requests; sender I/O as logged above\n",
		windows, records, (double)records / opt_seconds, ck_pr_load_64(&rcv.graphite_lines),
		ck_pr_load_64(&rcv.put_lines), ck_pr_load_64(&rcv.rw_series), ck_pr_load_64(&rcv.rw_requests));
	mxp_synthetic_free(syn);
	mxp_store_free(store);
	if (failures) {
		fprintf(stderr, "stress_exporter: %d check(s) failed\n", failures);
		return 1;
	}
	fprintf(stderr, "stress_exporter: every check held\n");
	return 0;
}
