/* bench_pipeline.c — the benchmark: mxp's whole engine (collector, formatters,
 * sink, sender over io_uring or epoll) against the seed-like baseline (one thread, read
 * lock, snprintf, one blocking send()), in the same run, on the same store, the same
 * windows and the same loopback receiver, while writer threads keep collecting.
 *
 *   bench_pipeline [--hosts H] [--charts C] [--dims D] [--series N] [--runs R]
 *                  [--writers W] [--writer-hosts WH] [--writer-pause-us U]
 *                  [--json PATH] [--png PATH]
 *
 * Defaults: 1,000 hosts x 100 charts x 10 dims (1,000,000 series), 5 runs, 2 writers
 * over the charts of the first 10 hosts, pausing 1000 us between passes;
 * build/bench-results.json and .png (relative to the current directory, which is the
 * repository's root under `make bench`).
 *
 * What it measures, per configuration (formatters 1 and 2 x io_uring and epoll), medians
 * over the runs:
 *  - mxp: the wall time from mxp_exporter_export() of one 10 s window until the sender's
 *    counters say every metric of it was delivered; mxp's CPU over that time = the
 *    process's CPU minus this (main) thread's and the writer threads' (the receiver is a
 *    child process, so its CPU is not in ours); ns per metric = that CPU / metrics
 *    delivered.
 *  - the baseline: mxp_baseline_export() + mxp_baseline_send() of the same window on this
 *    thread, over its own blocking connection to the same receiver; its CPU is this
 *    thread's.
 *  - bytes per series: RSS with the exporter started and its exports done, minus RSS
 *    before it started, over the series.
 *  - the p99 of mxp_chart_done() as the writers see it, during mxp's exports, during
 *    the baseline's, and with nothing exporting for as long as mxp's export took (the
 *    reference: "added" latency is mxp's p99 less this one). The writers' charts (those of the first hosts) are moved past the
 *    history before the first export, so they are in no window: every window has the
 *    same metrics for both exporters. mxp_chart_done() takes no lock either exporter takes (the baseline
 *    read-locks the store's structure lock, which only adding or removing objects
 *    takes), so what differs is the competition for cores and caches, not blocking.
 *
 *  - remote write (then, formatters 1 and 2 on io_uring): the same windows through a
 *    prometheus_remote_write instance (average, max samples per send 10,000) to the same
 *    receiver, which answers each HTTP request "204 No Content": mxp's CPU per sample
 *    measured as above, beside graphite's ns per metric of the same configuration, and
 *    the bytes per sample on the wire (compressed bodies: bytes_sent over delivered).
 *    No baseline: the seed's remote write needed the C++ protobuf library.
 *
 * CPU clocks: clock_gettime() of CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID and
 * the writers' pthread_getcpuclockid() clocks: the same kernel accounting as
 * getrusage(RUSAGE_SELF / RUSAGE_THREAD), in ns, and the writers' clocks can be read
 * from this thread at the very moments an export starts and ends.
 *
 * Why a child process for the receiver: its CPU (reading 70 MB a window) would otherwise
 * be in the process's and would have to be subtracted thread by thread; in a child it is
 * simply not there, and it cannot take the store's cache lines or allocator with it. It
 * is forked before the store is built, so the fork is cheap.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config/simple_pattern.h"
#include "engine/baseline.h"
#include "engine/log.h"
#include "format/format.h"
#include "mxp/exporter.h"
#include "mxp/store.h"
#include "synthetic_source.h"

#define MAX_RUNS 101
#define MAX_WRITERS 64
#define UPDATE_EVERY 10            /* the exporter's `update every`: one window */
#define BASE_T 1700000000          /* simulated time of the store's start (a multiple of 10) */
#define DELIVER_TIMEOUT_S 300      /* an export not delivered by then is a failure */

/* ---- clocks ---- */

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static long rss_kib(void)
{
	long pages = -1, resident = -1;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f != NULL) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = -1;
		fclose(f);
	}
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double s[MAX_RUNS];
	memcpy(s, v, sizeof(*v) * (size_t)n);
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* ---- latency histogram: 32 sub-buckets per power of two (3% resolution) ---- */

#define HIST_SUB 32
#define HIST_BUCKETS (64 + 40 * HIST_SUB)

struct hist {
	uint64_t n;
	uint64_t b[HIST_BUCKETS];
};

static unsigned hist_index(uint64_t v)
{
	if (v < 64)
		return (unsigned)v;
	unsigned e = 63u - (unsigned)__builtin_clzll(v); /* >= 6 */
	unsigned i = 64 + (e - 6) * HIST_SUB + (unsigned)((v >> (e - 5)) & (HIST_SUB - 1));
	return i < HIST_BUCKETS ? i : HIST_BUCKETS - 1;
}

/* the upper bound of bucket i, in ns */
static double hist_value(unsigned i)
{
	if (i < 64)
		return i;
	unsigned e = (i - 64) / HIST_SUB + 6, sub = (i - 64) % HIST_SUB;
	return (double)((uint64_t)(HIST_SUB + sub + 1) << (e - 5));
}

static double hist_quantile(const struct hist *h, double q)
{
	if (h->n == 0)
		return 0;
	uint64_t rank = (uint64_t)(q * (double)h->n), seen = 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen > rank)
			return hist_value(i);
	}
	return hist_value(HIST_BUCKETS - 1);
}

/* ---- the receiver: a child process that accepts, reads and discards ---- */

/* One connection of the receiver. A stream that starts with "POST " is HTTP (remote
 * write): each request's head is read up to its empty line, its Content-Length bytes
 * of body skipped, and "204 No Content" answered, as Prometheus answers; any other
 * stream (graphite lines) is read and discarded. */
struct rconn {
	int fd;
	int http;                  /* -1 not known yet, 0 lines, 1 HTTP */
	char head[8192];
	size_t hlen;
	size_t body_left;
};

/* Consumes n bytes of an HTTP connection; -1 when it must be closed. */
static int http_consume(struct rconn *c, const char *p, size_t n)
{
	static const char answer[] = "HTTP/1.1 204 No Content\r\n\r\n";
	while (n > 0) {
		if (c->body_left > 0) {
			size_t k = n < c->body_left ? n : c->body_left;
			c->body_left -= k;
			p += k;
			n -= k;
			if (c->body_left == 0 && write(c->fd, answer, sizeof(answer) - 1) != (ssize_t)sizeof(answer) - 1)
				return -1;
			continue;
		}
		if (c->hlen == sizeof(c->head))
			return -1;
		c->head[c->hlen++] = *p++;
		n--;
		if (c->hlen >= 4 && memcmp(c->head + c->hlen - 4, "\r\n\r\n", 4) == 0) {
			c->head[c->hlen] = '\0';
			const char *cl = strcasestr(c->head, "\r\nContent-Length:");
			c->body_left = cl != NULL ? strtoul(cl + 17, NULL, 10) : 0;
			c->hlen = 0;
			if (c->body_left == 0 && write(c->fd, answer, sizeof(answer) - 1) != (ssize_t)sizeof(answer) - 1)
				return -1;
		}
	}
	return 0;
}

static void receiver_main(int lfd)
{
	enum { MAXFD = 64 };
	static char sink[1 << 20];
	static struct rconn conns[MAXFD];
	struct pollfd fds[MAXFD];
	int n = 1;
	fds[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
	for (;;) {
		if (poll(fds, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		for (int i = n - 1; i >= 1; i--) {
			if (fds[i].revents == 0)
				continue;
			ssize_t r;
			int bad = 0;
			while (!bad && (r = read(fds[i].fd, sink, sizeof(sink))) > 0) {
				struct rconn *c = &conns[i];
				if (c->http < 0)
					c->http = r >= 5 && memcmp(sink, "POST ", 5) == 0;
				if (c->http)
					bad = http_consume(c, sink, (size_t)r) != 0;
			}
			if (bad || r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
				close(fds[i].fd);
				fds[i] = fds[--n];
				conns[i] = conns[n];
			}
		}
		if (fds[0].revents & POLLIN) {
			int c;
			while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
				if (n == MAXFD) {
					close(c);
					continue;
				}
				conns[n] = (struct rconn){.fd = c, .http = -1};
				fds[n++] = (struct pollfd){.fd = c, .events = POLLIN};
			}
		}
	}
}

/* Forks the receiver on 127.0.0.1, an ephemeral port. Returns its pid, or -1. */
static pid_t receiver_start(int *port)
{
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(lfd, 64) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) != 0) {
		perror("bench_pipeline: receiver socket");
		return -1;
	}
	*port = ntohs(a.sin_port);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives the benchmark */
		receiver_main(lfd);
	}
	close(lfd);
	return pid;
}

static int connect_blocking(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror("bench_pipeline: connect to the receiver");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* ---- writers: the agent's collection threads, timing mxp_chart_done() ---- */

/* QUIET: the writers alone, as long as mxp's export took: the reference p99 that
 * "added latency" is measured against */
enum phase { PHASE_IDLE, PHASE_MXP, PHASE_BASELINE, PHASE_QUIET };

struct wchart {
	struct mxp_chart *chart;
	struct mxp_dim **dims;
	time_t t;                  /* the chart's next simulated time */
};

struct writer {
	pthread_t tid;
	clockid_t cpu_clock;
	struct wchart *charts;     /* this writer's charts: no other thread writes them */
	size_t ncharts;
	unsigned ndims;
	long pause_us;
	uint64_t rnd;
	_Atomic unsigned ack;      /* the generation it saw while idle */
	_Atomic long tid_os;       /* the kernel's id of the thread */
	struct hist h[4];          /* per phase; written only while the phase is on */
};

static _Atomic int g_phase = PHASE_IDLE;
static _Atomic unsigned g_gen;
static _Atomic int g_quit;

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	atomic_store(&w->tid_os, (long)gettid()); /* for a profile: `perf report --tids` */
	while (!atomic_load(&g_quit)) {
		unsigned gen = atomic_load(&g_gen);
		int ph = atomic_load(&g_phase);
		if (ph == PHASE_IDLE) {
			/* the phase was switched off before gen moved, so the owner, seeing this ack,
			 * knows every sample of the previous phase is in (release of the stores) */
			atomic_store_explicit(&w->ack, gen, memory_order_release);
			struct timespec ts = {0, 50000};
			nanosleep(&ts, NULL);
			continue;
		}
		struct hist *h = &w->h[ph];
		for (size_t i = 0; i < w->ncharts && atomic_load_explicit(&g_phase, memory_order_relaxed) == ph; i++) {
			struct wchart *c = &w->charts[i];
			for (unsigned d = 0; d < w->ndims; d++) {
				w->rnd = w->rnd * 6364136223846793005ull + 1442695040888963407ull;
				mxp_dim_set(c->dims[d], (long long)(w->rnd >> 44));
			}
			struct timeval tv = {.tv_sec = c->t++, .tv_usec = 0};
			int64_t t0 = mono_ns();
			mxp_chart_done(c->chart, &tv);
			int64_t dt = mono_ns() - t0;
			h->b[hist_index((uint64_t)dt)]++;
			h->n++;
		}
		if (w->pause_us > 0) {
			struct timespec ts = {0, w->pause_us * 1000};
			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

/* Switches the writers to phase ph; switching to idle waits until every writer has
 * stopped recording. */
static void writers_phase(struct writer *w, unsigned nw, int ph)
{
	if (ph != PHASE_IDLE) {
		atomic_store(&g_phase, ph);
		return;
	}
	atomic_store(&g_phase, PHASE_IDLE);
	unsigned gen = atomic_fetch_add(&g_gen, 1) + 1;
	for (unsigned i = 0; i < nw; i++)
		while (atomic_load_explicit(&w[i].ack, memory_order_acquire) != gen) {
			struct timespec ts = {0, 20000};
			nanosleep(&ts, NULL);
		}
}

static int64_t writers_cpu_ns(const struct writer *w, unsigned nw)
{
	int64_t s = 0;
	for (unsigned i = 0; i < nw; i++)
		s += clock_ns(w[i].cpu_clock);
	return s;
}

/* p99 over every writer's histogram of phase ph, then clears them (writers idle). */
static double writers_p99(struct writer *w, unsigned nw, int ph, uint64_t *samples)
{
	static struct hist all;
	memset(&all, 0, sizeof(all));
	for (unsigned i = 0; i < nw; i++) {
		all.n += w[i].h[ph].n;
		for (unsigned b = 0; b < HIST_BUCKETS; b++)
			all.b[b] += w[i].h[ph].b[b];
		memset(&w[i].h[ph], 0, sizeof(w[i].h[ph]));
	}
	*samples = all.n;
	return hist_quantile(&all, 0.99);
}

/* ---- options ---- */

struct options {
	unsigned hosts, charts, dims;
	int runs;
	unsigned writers, writer_hosts;
	long pause_us;
	const char *json, *png;
};

static void usage(void)
{
	fprintf(stderr, "usage: bench_pipeline [--hosts H] [--charts C] [--dims D] [--series N] [--runs R]\n"
			"                      [--writers W] [--writer-hosts WH] [--writer-pause-us U]\n"
			"                      [--json PATH] [--png PATH]\n"
			"  defaults: 1000 hosts x 100 charts x 10 dims, 5 runs, 2 writers over the first 10 hosts,\n"
			"  1000 us between writer passes, build/bench-results.json and build/bench-results.png\n");
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	*o = (struct options){.hosts = 1000, .charts = 100, .dims = 10, .runs = 5, .writers = 2,
			      .writer_hosts = 10, .pause_us = 1000,
			      .json = "build/bench-results.json", .png = NULL};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage();
			exit(0);
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "bench_pipeline: %s needs a value\n", a);
			return -1;
		}
		const char *v = argv[++i];
		unsigned long n = 0;
		if (strcmp(a, "--json") == 0) {
			o->json = v;
			continue;
		}
		if (strcmp(a, "--png") == 0) {
			o->png = v;
			continue;
		}
		if (parse_ulong(v, 100000000ul, &n) != 0) {
			fprintf(stderr, "bench_pipeline: %s: not a count: '%s'\n", a, v);
			return -1;
		}
		if (strcmp(a, "--hosts") == 0)
			o->hosts = (unsigned)n;
		else if (strcmp(a, "--charts") == 0)
			o->charts = (unsigned)n;
		else if (strcmp(a, "--dims") == 0)
			o->dims = (unsigned)n;
		else if (strcmp(a, "--series") == 0) {
			/* 100 charts x 10 dims per host, as the default; fewer charts below 1,000 */
			o->charts = 100, o->dims = 10;
			o->hosts = (unsigned)(n / 1000);
			if (o->hosts == 0) {
				o->hosts = 1;
				o->charts = (unsigned)(n / 10);
			}
		} else if (strcmp(a, "--runs") == 0)
			o->runs = (int)n;
		else if (strcmp(a, "--writers") == 0)
			o->writers = (unsigned)n;
		else if (strcmp(a, "--writer-hosts") == 0)
			o->writer_hosts = (unsigned)n;
		else if (strcmp(a, "--writer-pause-us") == 0)
			o->pause_us = (long)n;
		else {
			fprintf(stderr, "bench_pipeline: unknown option %s\n", a);
			return -1;
		}
	}
	if (o->hosts == 0 || o->charts == 0 || o->dims == 0 ||
	    (unsigned long long)o->hosts * o->charts * o->dims > MXP_SYNTHETIC_MAX_SERIES) {
		fprintf(stderr, "bench_pipeline: hosts, charts and dims must be >= 1 (at most %llu series)\n",
			MXP_SYNTHETIC_MAX_SERIES);
		return -1;
	}
	if (o->runs < 1 || o->runs > MAX_RUNS) {
		fprintf(stderr, "bench_pipeline: --runs must be 1..%d\n", MAX_RUNS);
		return -1;
	}
	if (o->writers > MAX_WRITERS || o->pause_us > 999999) {
		fprintf(stderr, "bench_pipeline: at most %d writers, a pause below 1 s\n", MAX_WRITERS);
		return -1;
	}
	if (o->writer_hosts > o->hosts / 10) {
		/* the writers' charts leave the windows: keep at least 90% of the store in them */
		o->writer_hosts = o->hosts / 10;
		fprintf(stderr, "bench_pipeline: the writers take the charts of %u host%s (a tenth of the store)\n",
			o->writer_hosts, o->writer_hosts == 1 ? "" : "s");
	}
	return 0;
}

/* ---- the store ---- */

/* Hands the charts of the first writer_hosts hosts to the writers, round robin, each
 * starting at time t. Returns 0 or -1. */
static int writers_setup(struct mxp_store *store, const struct options *o, struct writer *w, time_t t)
{
	for (unsigned i = 0; i < o->writers; i++) {
		w[i].charts = calloc((size_t)o->writer_hosts * o->charts / o->writers + 1, sizeof(*w[i].charts));
		w[i].ndims = o->dims;
		w[i].pause_us = o->pause_us;
		w[i].rnd = 0x9e3779b97f4a7c15ull * (i + 1);
		if (w[i].charts == NULL)
			return -1;
	}
	unsigned k = 0;
	for (unsigned h = 0; h < o->writer_hosts; h++) {
		char name[64], id[64], dim[32];
		snprintf(name, sizeof(name), o->hosts > 10000 ? "synthetic-%06u" : "synthetic-%04u", h);
		struct mxp_host *host = mxp_host_find(store, name);
		for (unsigned c = 0; host != NULL && c < o->charts; c++, k++) {
			snprintf(id, sizeof(id), "synthetic.chart%u", c);
			struct writer *wr = &w[k % o->writers];
			struct wchart *wc = &wr->charts[wr->ncharts];
			wc->chart = mxp_chart_find(host, id);
			wc->dims = calloc(o->dims, sizeof(*wc->dims));
			wc->t = t;
			if (wc->chart == NULL || wc->dims == NULL)
				return -1;
			for (unsigned d = 0; d < o->dims; d++) {
				snprintf(dim, sizeof(dim), "dim%u", d);
				if ((wc->dims[d] = mxp_dim_find(wc->chart, dim)) == NULL)
					return -1;
				mxp_dim_set(wc->dims[d], 1);
			}
			/* the jump, now: the chart leaves every window before the first export (this
			 * thread is its writer until the writers start) */
			struct timeval tv = {.tv_sec = wc->t++, .tv_usec = 0};
			mxp_chart_done(wc->chart, &tv);
			wr->ncharts++;
		}
		if (host == NULL) {
			fprintf(stderr, "bench_pipeline: host %s not found\n", name);
			return -1;
		}
	}
	return 0;
}

/* ---- one configuration ---- */

/* What a configuration exports: graphite lines (against the baseline) or remote write
 * (against graphite's figures of the same run). */
enum kind { KIND_GRAPHITE, KIND_REMOTE_WRITE };

struct result {
	enum kind kind;
	unsigned formatters;
	const char *io;
	double ns_mxp, ns_base, ratio, cycle_ms, base_cycle_ms, bytes_per_series, p99, base_p99, quiet_p99;
	double bytes_per_metric;        /* on the wire: lines, or compressed request bodies */
	double graphite_ns, to_graphite; /* remote write: graphite's ns/metric of the same run and
					  * configuration, and this one's ns over it */
	long metrics, base_metrics;
	bool ok;
};

static int write_conf(char *path, size_t size, int port, enum kind kind)
{
	snprintf(path, size, "/tmp/bench_pipeline-XXXXXX.conf");
	int fd = mkstemps(path, 5);
	if (fd < 0)
		return -1;
	FILE *f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		return -1;
	}
	fprintf(f, "[exporting:global]\n"
		   "    enabled = yes\n"
		   "\n"
		   "[%s:bench]\n"
		   "    enabled = yes\n"
		   "    destination = 127.0.0.1:%d\n"
		   "    update every = %d\n"
		   "    data source = average\n"
		   "    buffer on failures = 100\n"
		   "    prefix = netdata\n"
		   "    hostname = bench\n"
		   "%s",
		kind == KIND_REMOTE_WRITE ? "prometheus_remote_write" : "graphite", port, UPDATE_EVERY,
		kind == KIND_REMOTE_WRITE ? "    remote write URL path = /api/v1/write\n" : "");
	return fclose(f) == 0 ? 0 : -1;
}

struct bench {
	struct options o;
	struct mxp_store *store;
	size_t series;
	struct writer *w;
	struct mxp_baseline base;
	struct mxp_buf out;
	int base_fd;
	const char *conf, *conf_rw;
};

static time_t window_after(int run)
{
	return BASE_T + (time_t)UPDATE_EVERY * (run + 1);
}

/* The baseline's export of run `run`'s window: fills cpu (ns), wall (ms), the metrics. */
static int baseline_once(struct bench *b, int run, double *cpu_ns, double *wall_ms, long *metrics,
			 size_t *bytes)
{
	time_t after = window_after(run);
	mxp_buf_reset(&b->out);
	int64_t c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID), t0 = mono_ns();
	long n = mxp_baseline_export(&b->base, after, after + UPDATE_EVERY, &b->out);
	ssize_t sent = n >= 0 ? mxp_baseline_send(b->base_fd, &b->out) : -1;
	int64_t t1 = mono_ns(), c1 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	if (n < 0 || sent != (ssize_t)b->out.len) {
		fprintf(stderr, "bench_pipeline: baseline export %ld, sent %zd of %zu bytes\n", n, sent, b->out.len);
		return -1;
	}
	*cpu_ns = (double)(c1 - c0);
	*wall_ms = (double)(t1 - t0) / 1e6;
	*metrics = n;
	*bytes = b->out.len;
	return 0;
}

/* One configuration: `runs` windows through mxp, each followed (graphite only) by the
 * baseline's export of the same window and a quiet phase. */
static int run_config(struct bench *b, enum kind kind, unsigned formatters, enum mxp_exporter_io io,
		      struct result *res)
{
	const struct options *o = &b->o;
	double ns_m[MAX_RUNS], ns_b[MAX_RUNS], cyc_m[MAX_RUNS], cyc_b[MAX_RUNS], p99_m[MAX_RUNS], p99_b[MAX_RUNS];
	double p99_q[MAX_RUNS];
	double bpm[MAX_RUNS];
	*res = (struct result){
		.kind = kind, .formatters = formatters, .io = io == MXP_EXPORTER_IO_URING ? "io_uring" : "epoll"};
	const bool with_baseline = kind == KIND_GRAPHITE;

	malloc_trim(0); /* what a previous exporter freed is not counted against this one */
	long rss0 = rss_kib();
	struct mxp_exporter_options opt = {.formatters = formatters, .io = io, .manual = 1, .self_charts = 0};
	struct mxp_exporter *e = mxp_exporter_start(b->store, kind == KIND_REMOTE_WRITE ? b->conf_rw : b->conf, &opt);
	const char *what = kind == KIND_REMOTE_WRITE ? "remote write" : "graphite";
	if (e == NULL) {
		fprintf(stderr, "bench_pipeline: %s, formatters %u, %s: cannot start the exporter: %s (skipped)\n", what,
			formatters, res->io, strerror(errno));
		return -1;
	}
	res->io = mxp_exporter_io_name(e);

	int rc = 0;
	for (int r = 0; r < o->runs && rc == 0; r++) {
		fprintf(stderr, "bench_pipeline: %s, formatters %u, %s: run %d/%d\n", what, formatters, res->io, r + 1,
			o->runs);
		time_t after = window_after(r);
		struct mxp_send_counters c0, c1;
		mxp_exporter_counters(e, 0, &c0);

		/* mxp */
		writers_phase(b->w, o->writers, PHASE_MXP);
		int64_t p0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID), m0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		int64_t w0 = writers_cpu_ns(b->w, o->writers), t0 = mono_ns();
		long n = mxp_exporter_export(e, after, after + UPDATE_EVERY);
		for (;;) {
			mxp_exporter_counters(e, 0, &c1);
			/* the sender counts a buffer as produced when its thread takes it, after
			 * the export returned: wait for all n, then for their delivery */
			if (n < 0 || (c1.produced - c0.produced >= (uint64_t)n && c1.delivered + c1.lost >= c1.produced))
				break;
			if (mono_ns() - t0 > (int64_t)DELIVER_TIMEOUT_S * 1000000000) {
				fprintf(stderr, "bench_pipeline: not delivered after %d s\n", DELIVER_TIMEOUT_S);
				n = -ETIMEDOUT;
				break;
			}
			struct timespec ts = {0, 100000};
			nanosleep(&ts, NULL);
		}
		int64_t t1 = mono_ns(), w1 = writers_cpu_ns(b->w, o->writers);
		int64_t m1 = clock_ns(CLOCK_THREAD_CPUTIME_ID), p1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		writers_phase(b->w, o->writers, PHASE_IDLE);
		uint64_t samples_m, samples_b;
		p99_m[r] = writers_p99(b->w, o->writers, PHASE_MXP, &samples_m);
		long delivered = (long)(c1.delivered - c0.delivered);
		if (n < 0 || c1.lost != c0.lost || delivered <= 0) {
			fprintf(stderr, "bench_pipeline: mxp export: %ld records, %ld delivered, %llu lost\n", n,
				delivered, (unsigned long long)(c1.lost - c0.lost));
			rc = -1;
			break;
		}
		if (delivered != n)
			fprintf(stderr, "bench_pipeline: warning: %ld records formatted, %ld delivered\n", n, delivered);
		double cpu = (double)((p1 - p0) - (m1 - m0) - (w1 - w0));
		ns_m[r] = cpu / (double)delivered;
		cyc_m[r] = (double)(t1 - t0) / 1e6;
		bpm[r] = (double)(c1.bytes_sent - c0.bytes_sent) / (double)delivered;
		res->metrics = delivered;

		if (!with_baseline) {
			fprintf(stderr, "  mxp %s %.1f ms %.0f ns/metric (%ld metrics, %.1f B/metric on the wire)\n", what,
				cyc_m[r], ns_m[r], delivered, bpm[r]);
			continue;
		}
		/* the baseline, same window */
		double bcpu, bwall;
		long bn;
		size_t bbytes;
		writers_phase(b->w, o->writers, PHASE_BASELINE);
		rc = baseline_once(b, r, &bcpu, &bwall, &bn, &bbytes);
		writers_phase(b->w, o->writers, PHASE_IDLE);
		p99_b[r] = writers_p99(b->w, o->writers, PHASE_BASELINE, &samples_b);
		if (rc != 0)
			break;

		/* the writers alone, as long as mxp's export took: the reference */
		uint64_t samples_q;
		writers_phase(b->w, o->writers, PHASE_QUIET);
		int64_t quiet_ns = t1 - t0;
		struct timespec qs = {.tv_sec = quiet_ns / 1000000000, .tv_nsec = quiet_ns % 1000000000};
		nanosleep(&qs, NULL);
		writers_phase(b->w, o->writers, PHASE_IDLE);
		p99_q[r] = writers_p99(b->w, o->writers, PHASE_QUIET, &samples_q);
		ns_b[r] = bcpu / (double)bn;
		cyc_b[r] = bwall;
		res->base_metrics = bn;
		fprintf(stderr, "  mxp %.1f ms %.0f ns/metric (%ld metrics, %.1f B/metric, writer p99 %.0f ns of %llu); "
				"baseline %.1f ms %.0f ns/metric (%ld metrics, %.1f B/metric, writer p99 %.0f ns of %llu)\n",
			cyc_m[r], ns_m[r], delivered, bpm[r], p99_m[r], (unsigned long long)samples_m, cyc_b[r], ns_b[r],
			bn, (double)bbytes / (double)bn, p99_b[r], (unsigned long long)samples_b);
	}
	long rss1 = rss_kib();
	unsigned long long lost = mxp_exporter_stop(e, 10000);
	if (rc != 0 || lost != 0) {
		fprintf(stderr, "bench_pipeline: %s, formatters %u, %s: failed (%llu lost at stop)\n", what, formatters,
			res->io, lost);
		return -1;
	}
	int R = o->runs;
	res->ns_mxp = median(ns_m, R);
	res->cycle_ms = median(cyc_m, R);
	res->p99 = median(p99_m, R);
	if (with_baseline) {
		res->ns_base = median(ns_b, R);
		res->ratio = res->ns_base / res->ns_mxp;
		res->base_cycle_ms = median(cyc_b, R);
		res->base_p99 = median(p99_b, R);
		res->quiet_p99 = median(p99_q, R);
	}
	res->bytes_per_metric = median(bpm, R);
	res->bytes_per_series = (double)(rss1 - rss0) * 1024.0 / (double)b->series;
	res->ok = true;
	return 0;
}

/* ---- output ---- */

static int mkdir_parent(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0777) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(dir, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

static int write_json(const char *path, size_t series, const struct result *r, int n)
{
	if (mkdir_parent(path) != 0)
		return -1;
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "[\n");
	int first = 1;
	for (int i = 0; i < n; i++) {
		if (!r[i].ok)
			continue;
		if (r[i].kind == KIND_REMOTE_WRITE)
			fprintf(f, "%s  {\"format\": \"remote_write\", \"series\": %zu, \"formatters\": %u, \"io\": \"%s\", "
				   "\"mxp_ns_per_metric\": %.1f, \"graphite_ns_per_metric\": %.1f, \"ratio_to_graphite\": %.3f, "
				   "\"cycle_ms\": %.2f, \"bytes_per_metric\": %.2f, \"bytes_per_series\": %.1f, "
				   "\"writer_p99_ns\": %.0f}",
				first ? "" : ",\n", series, r[i].formatters, r[i].io, r[i].ns_mxp, r[i].graphite_ns,
				r[i].to_graphite, r[i].cycle_ms, r[i].bytes_per_metric, r[i].bytes_per_series, r[i].p99);
		else
			fprintf(f, "%s  {\"format\": \"graphite\", \"series\": %zu, \"formatters\": %u, \"io\": \"%s\", "
				   "\"mxp_ns_per_metric\": %.1f, \"baseline_ns_per_metric\": %.1f, \"ratio\": %.3f, "
				   "\"cycle_ms\": %.2f, \"baseline_cycle_ms\": %.2f, \"bytes_per_series\": %.1f, "
				   "\"bytes_per_metric\": %.2f, \"writer_p99_ns\": %.0f, \"baseline_writer_p99_ns\": %.0f, "
				   "\"quiet_writer_p99_ns\": %.0f, \"writer_added_p99_ns\": %.0f}",
				first ? "" : ",\n", series, r[i].formatters, r[i].io, r[i].ns_mxp, r[i].ns_base, r[i].ratio,
				r[i].cycle_ms, r[i].base_cycle_ms, r[i].bytes_per_series, r[i].bytes_per_metric, r[i].p99,
				r[i].base_p99, r[i].quiet_p99, r[i].p99 - r[i].quiet_p99);
		first = 0;
	}
	fprintf(f, "\n]\n");
	return fclose(f) == 0 ? 0 : -1;
}

/* Two panels, one cluster per configuration: ns per metric and cycle ms, mxp against
 * the baseline. Returns 0, 1 when gnuplot is not installed, -1 on failure. */
static int plot(const char *png, size_t series, const struct result *r, int n)
{
	int ok = 0;
	for (int i = 0; i < n; i++)
		ok += r[i].ok;
	if (ok == 0)
		return -1;
	if (system("command -v gnuplot >/dev/null 2>&1") != 0)
		return 1;
	char dat[] = "/tmp/bench_pipeline-XXXXXX.dat";
	int fd = mkstemps(dat, 4);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL)
		return -1;
	for (int i = 0; i < n; i++)
		if (r[i].ok && r[i].kind == KIND_GRAPHITE)
			fprintf(f, "\"%u fmt\\n%s\" %.1f %.1f %.2f %.2f\n", r[i].formatters, r[i].io, r[i].ns_mxp,
				r[i].ns_base, r[i].cycle_ms, r[i].base_cycle_ms);
	fclose(f);
	FILE *g = popen("gnuplot", "w");
	if (g == NULL) {
		unlink(dat);
		return -1;
	}
	fprintf(g, "set terminal pngcairo size 1200,500 font ',10' noenhanced\n"
		   "set output '%s'\n"
		   "set multiplot layout 1,2 title 'mxp vs seed-like baseline, %zu series, graphite, average (medians)'\n"
		   "set style data histograms\n"
		   "set style histogram clustered gap 1\n"
		   "set style fill solid 0.8 border -1\n"
		   "set boxwidth 0.9\n"
		   "set bmargin 4\n"
		   "set grid ytics\n"
		   "set yrange [0:*]\n"
		   "set key horizontal top center outside\n"
		   "set title 'CPU ns per metric (lower is better)'\n"
		   "plot '%s' using 2:xtic(1) title 'mxp', '' using 3 title 'baseline'\n"
		   "set title 'wall ms per export cycle (lower is better)'\n"
		   "plot '%s' using 4:xtic(1) title 'mxp', '' using 5 title 'baseline'\n"
		   "unset multiplot\n",
		png, series, dat, dat);
	int st = pclose(g);
	unlink(dat);
	return st == 0 ? 0 : -1;
}

static char *png_path(const char *json)
{
	size_t n = strlen(json);
	char *p = malloc(n + 5);
	if (p == NULL)
		return NULL;
	memcpy(p, json, n + 1);
	if (n > 5 && strcmp(p + n - 5, ".json") == 0)
		p[n - 5] = '\0';
	strcat(p, ".png");
	return p;
}

int main(int argc, char **argv)
{
	struct bench b = {.base_fd = -1};
	if (parse_options(argc, argv, &b.o) != 0) {
		usage();
		return 2;
	}
	struct options *o = &b.o;
	signal(SIGPIPE, SIG_IGN);
	mxp_log_configure(NULL, NULL, MXP_LOG_WARNING);

	int port = 0;
	pid_t receiver = receiver_start(&port);
	if (receiver < 0)
		return 1;

	/* every window (after, after + 10] of the runs, with the seed's step back (3 slots)
	 * before the first, must still be in each dim's history at the end of the fill */
	const int fill = UPDATE_EVERY * (o->runs + 1);
	struct mxp_store_options sopt = {.history = (unsigned)(fill + 16 > 32 ? fill + 16 : 32)};
	int64_t t_start = mono_ns();
	b.store = mxp_store_new(&sopt);
	struct mxp_synthetic *syn = b.store ? mxp_synthetic_new(b.store, o->hosts, o->charts, o->dims, 1, 1) : NULL;
	if (syn == NULL) {
		fprintf(stderr, "bench_pipeline: cannot build the store: %s\n", strerror(errno));
		kill(receiver, SIGKILL);
		return 1;
	}
	b.series = mxp_synthetic_series(syn);
	fprintf(stderr, "bench_pipeline: %zu series built in %.1f s; collecting %d simulated seconds (history %u)\n",
		b.series, (double)(mono_ns() - t_start) / 1e9, fill, sopt.history);
	for (int k = 1; k <= fill; k++) {
		struct timeval tv = {.tv_sec = BASE_T + k, .tv_usec = 0};
		mxp_synthetic_collect(syn, &tv);
		if (k % 10 == 0)
			fprintf(stderr, "bench_pipeline: collected %d/%d s (%.1f s)\n", k, fill,
				(double)(mono_ns() - t_start) / 1e9);
	}
	mxp_synthetic_free(syn); /* the writers take over some charts from here on */

	static struct writer w[MAX_WRITERS];
	b.w = w;
	/* the writers' charts jump past the history at once, so that they are in no window
	 * and every window holds the same metrics for mxp and the baseline */
	if (writers_setup(b.store, o, w, BASE_T + fill + (time_t)sopt.history + 1) != 0) {
		fprintf(stderr, "bench_pipeline: cannot set up the writers\n");
		kill(receiver, SIGKILL);
		return 1;
	}
	for (unsigned i = 0; i < o->writers; i++) {
		if (pthread_create(&w[i].tid, NULL, writer_main, &w[i]) != 0 ||
		    pthread_getcpuclockid(w[i].tid, &w[i].cpu_clock) != 0) {
			fprintf(stderr, "bench_pipeline: cannot start writer %u\n", i);
			kill(receiver, SIGKILL);
			return 1;
		}
	}

	fprintf(stderr, "bench_pipeline: pid %ld (main thread, baseline), receiver pid %ld, writer tids", (long)getpid(),
		(long)receiver);
	for (unsigned i = 0; i < o->writers; i++) {
		while (atomic_load(&w[i].tid_os) == 0)
			sched_yield();
		fprintf(stderr, " %ld", atomic_load(&w[i].tid_os));
	}
	fprintf(stderr, "\n");

	/* the baseline: its settings are the config's, its own blocking connection */
	struct mxp_pattern *all = NULL;
	mxp_pattern_create("*", &all);
	const struct mxp_export_settings set = {
		.format = &mxp_format_graphite,
		.source = MXP_SOURCE_AVERAGE,
		.prefix = "netdata",
		.hostname = "bench",
		.send_names = true,
		.update_every = UPDATE_EVERY,
		.charts = all,
	};
	char conf[64], conf_rw[64];
	b.base_fd = connect_blocking(port);
	if (b.base_fd < 0 || mxp_baseline_init(&b.base, b.store, &set) != 0 ||
	    write_conf(conf, sizeof(conf), port, KIND_GRAPHITE) != 0 ||
	    write_conf(conf_rw, sizeof(conf_rw), port, KIND_REMOTE_WRITE) != 0) {
		fprintf(stderr, "bench_pipeline: cannot set up the baseline or the config\n");
		kill(receiver, SIGKILL);
		return 1;
	}
	b.conf = conf;
	b.conf_rw = conf_rw;
	/* a first baseline export sizes its buffer, so that the RSS the exporters add is theirs */
	{
		double c, wl;
		long n;
		size_t bytes;
		if (baseline_once(&b, 0, &c, &wl, &n, &bytes) != 0) {
			kill(receiver, SIGKILL);
			return 1;
		}
	}

	printf("bench_pipeline: %zu series (%u hosts x %u charts x %u dims), graphite, average, update every %d, "
	       "%d runs, medians; %u writers over %u hosts' charts, %ld us between passes\n",
	       b.series, o->hosts, o->charts, o->dims, UPDATE_EVERY, o->runs, o->writers, o->writer_hosts, o->pause_us);
	fflush(stdout);

	const unsigned fmts[] = {1, 2};
	const enum mxp_exporter_io ios[] = {MXP_EXPORTER_IO_URING, MXP_EXPORTER_IO_EPOLL};
	struct result res[6];
	int nres = 0, failed = 0;
	for (size_t fi = 0; fi < 2; fi++)
		for (size_t ii = 0; ii < 2; ii++)
			failed |= run_config(&b, KIND_GRAPHITE, fmts[fi], ios[ii], &res[nres++]) != 0;
	/* remote write on io_uring, 1 and 2 formatters, beside graphite's figures of the
	 * same configuration in this run */
	for (size_t fi = 0; fi < 2; fi++) {
		struct result *rw = &res[nres++];
		failed |= run_config(&b, KIND_REMOTE_WRITE, fmts[fi], MXP_EXPORTER_IO_URING, rw) != 0;
		for (int i = 0; i < 4; i++)
			if (res[i].ok && res[i].formatters == rw->formatters && strcmp(res[i].io, rw->io) == 0) {
				rw->graphite_ns = res[i].ns_mxp;
				rw->to_graphite = rw->ns_mxp / res[i].ns_mxp;
			}
	}

	printf("%9s %4s %-8s %11s %11s %6s %9s %9s %8s %9s %9s %9s %9s\n", "series", "fmt", "io", "mxp ns/m",
	       "base ns/m", "ratio", "mxp ms", "base ms", "B/series", "wr p99", "base p99", "quiet p99", "B/metric");
	for (int i = 0; i < nres; i++) {
		const struct result *r = &res[i];
		if (r->kind != KIND_GRAPHITE)
			continue;
		if (!r->ok) {
			printf("%9zu %4u %-8s   (failed or skipped)\n", b.series, r->formatters, r->io);
			continue;
		}
		printf("%9zu %4u %-8s %11.1f %11.1f %5.2fx %9.1f %9.1f %8.1f %9.0f %9.0f %9.0f %9.1f\n", b.series,
		       r->formatters, r->io, r->ns_mxp, r->ns_base, r->ratio, r->cycle_ms, r->base_cycle_ms,
		       r->bytes_per_series, r->p99, r->base_p99, r->quiet_p99, r->bytes_per_metric);
	}
	printf("  metrics per window (last run): mxp %ld, baseline %ld; ratio = baseline ns / mxp ns;\n"
	       "  wr p99 / base p99 / quiet p99: mxp_chart_done() p99 in ns while mxp / the baseline\n"
	       "  exported / nothing exported (as long as mxp's export took); added = wr - quiet\n",
	       res[0].metrics, res[0].base_metrics);
	printf("\nremote write (average, max samples per send 10000, snappy, HTTP to a receiver answering 204) vs\n"
	       "graphite, same run, same configuration:\n");
	printf("%9s %4s %-8s %12s %12s %9s %9s %11s %11s\n", "series", "fmt", "io", "rw ns/smpl", "gr ns/m",
	       "rw/gr", "rw ms", "rw B/smpl", "gr B/m");
	for (int i = 0; i < nres; i++) {
		const struct result *r = &res[i];
		if (r->kind != KIND_REMOTE_WRITE)
			continue;
		if (!r->ok) {
			printf("%9zu %4u %-8s   (failed or skipped)\n", b.series, r->formatters, r->io);
			continue;
		}
		double gr_bpm = 0;
		for (int k = 0; k < nres; k++)
			if (res[k].kind == KIND_GRAPHITE && res[k].ok && res[k].formatters == r->formatters &&
			    strcmp(res[k].io, r->io) == 0)
				gr_bpm = res[k].bytes_per_metric;
		printf("%9zu %4u %-8s %12.1f %12.1f %8.2fx %9.1f %11.2f %11.2f\n", b.series, r->formatters, r->io,
		       r->ns_mxp, r->graphite_ns, r->to_graphite, r->cycle_ms, r->bytes_per_metric, gr_bpm);
	}
	printf("  rw samples per window (last run): %ld (the series and one netdata_info per host); B/smpl:\n"
	       "  compressed request bodies over samples (the HTTP heads, ~200 B a request, not counted)\n",
	       res[4].ok ? res[4].metrics : res[5].metrics);

	if (write_json(o->json, b.series, res, nres) != 0) {
		fprintf(stderr, "bench_pipeline: cannot write %s: %s\n", o->json, strerror(errno));
		failed = 1;
	} else
		printf("  results: %s\n", o->json);
	char *png = o->png != NULL ? strdup(o->png) : png_path(o->json);
	int pr = png != NULL ? plot(png, b.series, res, nres) : -1;
	if (pr == 0)
		printf("  plot: %s\n", png);
	else if (pr == 1)
		printf("  plot skipped: gnuplot is not installed (Debian: gnuplot-nox)\n");
	else
		printf("  plot failed: gnuplot could not write %s\n", png ? png : "(no path)");
	free(png);
	fflush(stdout);

	atomic_store(&g_quit, 1);
	for (unsigned i = 0; i < o->writers; i++)
		pthread_join(w[i].tid, NULL);
	for (unsigned i = 0; i < o->writers; i++) {
		for (size_t c = 0; c < w[i].ncharts; c++)
			free(w[i].charts[c].dims);
		free(w[i].charts);
	}
	unlink(conf);
	unlink(conf_rw);
	close(b.base_fd);
	kill(receiver, SIGTERM);
	waitpid(receiver, NULL, 0);
	mxp_baseline_fini(&b.base);
	mxp_buf_free(&b.out);
	mxp_pattern_free(all);
	mxp_store_free(b.store);
	return failed ? 1 : 0;
}
