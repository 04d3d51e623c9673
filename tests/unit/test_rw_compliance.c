/* test_rw_compliance.c — the remote-write sender's duties of the Remote-Write 1.0 spec,
 * checked end to end (config, pipeline, sender) against a FAKE receiver in this test: a
 * loopback HTTP/1.1 server that decodes every request (snappy block, WriteRequest of
 * remote.proto), checks what the spec asks of a sender, answers after a random delay
 * with the status its script gives (200/204, 500, 429 with Retry-After, 400), and keeps
 * the samples of the requests it accepted. No real receiver answers 500 or 429 on
 * demand; the real ones (Prometheus, VictoriaMetrics) are in tests/integration.
 *
 * Checked: the headers (Content-Encoding: snappy, Content-Type: application/x-protobuf,
 * X-Prometheus-Remote-Write-Version: 0.1.0, User-Agent: mxp/...), labels sorted, unique,
 * not empty, valid names, __name__ present and valid, at most `max samples per send`
 * series per request, timestamps in the window; a 500 and a 429 are sent again, the 429
 * after its Retry-After; a 400 is not sent again and its samples count lost; every
 * series' samples arrive exactly once, in timestamp order; the counters add up. */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "format/prometheus/remote.pb-c.h"
#include "mxp/exporter.h"
#include "mxp/send_counters.h"
#include "mxp/store.h"

#define MAX_SERIES 256
#define MAX_REQUESTS 1024
#define BATCH 7 /* max samples per send */

struct series_seen {
	char key[512];   /* the sorted labels, as text */
	int64_t ts[64];  /* timestamps of accepted samples, in arrival order */
	unsigned n;
};

struct fake_rw {
	int lfd, port, quit;
	pthread_t thread;
	pthread_mutex_t lock;
	unsigned requests;             /* requests answered */
	int status[MAX_REQUESTS];      /* what each got */
	int64_t at_ms[MAX_REQUESTS];   /* when each arrived */
	unsigned series_in[MAX_REQUESTS];
	struct series_seen seen[MAX_SERIES];
	unsigned nseen;
	unsigned accepted_samples, rejected_samples;
	char problem[512];             /* the first spec violation seen, "" none */
	int64_t window_lo_ms, window_hi_ms;
	uint64_t rng;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The script: request n's status (and Retry-After for a 429). */
static int status_of(unsigned n, int *retry_after)
{
	*retry_after = 0;
	switch (n) {
	case 2:
	case 3:
		return 500; /* twice: the same request comes a third time */
	case 6:
		*retry_after = 1;
		return 429;
	case 9:
		return 400;
	default:
		return n % 2 ? 204 : 200;
	}
}

static void note_problem(struct fake_rw *f, const char *fmt, const char *a, const char *b)
{
	if (f->problem[0] == '\0')
		snprintf(f->problem, sizeof(f->problem), fmt, a, b);
}

static bool valid_name(const char *s, bool metric)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' || (metric && *s == ':')))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      (metric && *s == ':')))
			return false;
	return true;
}

static const char *header(const char *head, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = strstr(head, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n"))
		if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':')
			return p + 3 + n + strspn(p + 3 + n, " ");
	return NULL;
}

static bool header_is(const char *head, const char *name, const char *value)
{
	const char *v = header(head, name);
	return v != NULL && strncmp(v, value, strlen(value)) == 0 && v[strlen(value)] == '\r';
}

/* Checks one decoded request; with keep, adds its samples to what was accepted. */
static void check_request(struct fake_rw *f, const Prometheus__WriteRequest *wr, bool keep)
{
	if (wr->n_timeseries == 0 || wr->n_timeseries > BATCH)
		note_problem(f, "a request with %s series%s", wr->n_timeseries == 0 ? "no" : "too many", "");
	for (size_t i = 0; i < wr->n_timeseries; i++) {
		const Prometheus__TimeSeries *ts = wr->timeseries[i];
		char key[512] = "";
		bool has_name = false;
		for (size_t l = 0; l < ts->n_labels; l++) {
			const Prometheus__Label *lb = ts->labels[l];
			if (lb->value[0] == '\0')
				note_problem(f, "label %s has an empty value%s", lb->name, "");
			if (!valid_name(lb->name, false))
				note_problem(f, "invalid label name '%s'%s", lb->name, "");
			if (l > 0 && strcmp(ts->labels[l - 1]->name, lb->name) >= 0)
				note_problem(f, "labels not sorted or repeated: %s, %s", ts->labels[l - 1]->name, lb->name);
			if (strcmp(lb->name, "__name__") == 0) {
				has_name = true;
				if (!valid_name(lb->value, true))
					note_problem(f, "invalid metric name '%s'%s", lb->value, "");
			}
			size_t k = strlen(key);
			snprintf(key + k, sizeof(key) - k, "%s=%s,", lb->name, lb->value);
		}
		if (!has_name)
			note_problem(f, "a series without __name__: %s%s", key, "");
		if (ts->n_samples != 1) {
			note_problem(f, "a series with other than one sample: %s%s", key, "");
			continue;
		}
		int64_t t = ts->samples[0]->timestamp;
		if (t < f->window_lo_ms || t > f->window_hi_ms)
			note_problem(f, "a timestamp outside the windows: %s%s", key, "");
		if (!keep) {
			f->rejected_samples++;
			continue;
		}
		struct series_seen *s = NULL;
		for (unsigned k = 0; k < f->nseen && s == NULL; k++)
			if (strcmp(f->seen[k].key, key) == 0)
				s = &f->seen[k];
		if (s == NULL && f->nseen < MAX_SERIES) {
			s = &f->seen[f->nseen++];
			snprintf(s->key, sizeof(s->key), "%s", key);
		}
		if (s != NULL && s->n < 64)
			s->ts[s->n++] = t;
		f->accepted_samples++;
	}
}

static bool read_full(int fd, char *buf, size_t n)
{
	while (n > 0) {
		ssize_t r = recv(fd, buf, n, 0);
		if (r <= 0)
			return false;
		buf += r;
		n -= (size_t)r;
	}
	return true;
}

/* Serves one connection until the client closes it. */
static void serve(struct fake_rw *f, int fd)
{
	char head[4096];
	for (;;) {
		size_t hl = 0;
		while (hl < sizeof(head) - 1 && (hl < 4 || memcmp(head + hl - 4, "\r\n\r\n", 4) != 0)) {
			if (recv(fd, head + hl, 1, 0) != 1)
				return;
			hl++;
		}
		head[hl] = '\0';
		const char *cl = header(head, "Content-Length");
		size_t len = cl != NULL ? strtoul(cl, NULL, 10) : 0;
		char *body = malloc(len + 1);
		if (body == NULL || !read_full(fd, body, len)) {
			free(body);
			return;
		}
		pthread_mutex_lock(&f->lock);
		unsigned n = f->requests;
		int retry_after;
		int status = status_of(n, &retry_after);
		if (strncmp(head, "POST /api/v1/write HTTP/1.1\r\n", 29) != 0)
			note_problem(f, "a request line other than POST /api/v1/write%s%s", "", "");
		if (!header_is(head, "Content-Encoding", "snappy") ||
		    !header_is(head, "Content-Type", "application/x-protobuf") ||
		    !header_is(head, "X-Prometheus-Remote-Write-Version", "0.1.0") || header(head, "User-Agent") == NULL ||
		    strncmp(header(head, "User-Agent"), "mxp/", 4) != 0)
			note_problem(f, "a header is missing or wrong (%.400s)%s", head, "");
		size_t plen = 0;
		char *plain = NULL;
		Prometheus__WriteRequest *wr = NULL;
		if (snappy_uncompressed_length(body, len, &plen) == SNAPPY_OK && (plain = malloc(plen + 1)) != NULL &&
		    snappy_uncompress(body, len, plain, &plen) == SNAPPY_OK)
			wr = prometheus__write_request__unpack(NULL, plen, (const uint8_t *)plain);
		if (wr == NULL) {
			note_problem(f, "request %s is not a snappy WriteRequest%s", "", "");
		} else {
			/* a 400 refuses the request: its samples are lost, and must not come again */
			check_request(f, wr, status / 100 == 2);
			f->series_in[n < MAX_REQUESTS ? n : MAX_REQUESTS - 1] = (unsigned)wr->n_timeseries;
			prometheus__write_request__free_unpacked(wr, NULL);
		}
		if (n < MAX_REQUESTS) {
			f->status[n] = status;
			f->at_ms[n] = mono_ms();
		}
		f->requests++;
		f->rng = f->rng * 6364136223846793005ull + 1442695040888963407ull;
		unsigned delay_us = (unsigned)(f->rng >> 33) % 30000; /* 0..30 ms before answering */
		pthread_mutex_unlock(&f->lock);
		free(plain);
		free(body);
		usleep(delay_us);
		char resp[256];
		int rn = status == 204 ? snprintf(resp, sizeof(resp), "HTTP/1.1 204 No Content\r\n\r\n")
			 : retry_after ? snprintf(resp, sizeof(resp),
						  "HTTP/1.1 %d Too Many\r\nRetry-After: %d\r\nContent-Length: 4\r\n\r\nslow",
						  status, retry_after)
				       : snprintf(resp, sizeof(resp), "HTTP/1.1 %d X\r\nContent-Length: 5\r\n\r\nfake\n",
						  status);
		if (send(fd, resp, (size_t)rn, MSG_NOSIGNAL) != rn)
			return;
	}
}

static void *fake_main(void *arg)
{
	struct fake_rw *f = arg;
	while (!__atomic_load_n(&f->quit, __ATOMIC_ACQUIRE)) {
		int fd = accept(f->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		serve(f, fd);
		close(fd);
	}
	return NULL;
}

static void fake_start(struct fake_rw *f)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	f->rng = 42;
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof(a);
	cr_assert_eq(bind(f->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(f->lfd, 8), 0);
	getsockname(f->lfd, (struct sockaddr *)&a, &l);
	f->port = ntohs(a.sin_port);
	cr_assert_eq(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

static void fake_stop(struct fake_rw *f)
{
	__atomic_store_n(&f->quit, 1, __ATOMIC_RELEASE);
	shutdown(f->lfd, SHUT_RDWR);
	close(f->lfd);
	pthread_join(f->thread, NULL);
}

static void compliance(const char *io)
{
	struct fake_rw f;
	fake_start(&f);

	/* 2 hosts x 3 charts x 3 dims, collected every second, 1000 .. 1060 */
	struct mxp_store *store = mxp_store_new(NULL);
	struct mxp_dim *dims[18];
	struct mxp_chart *charts[6];
	unsigned nd = 0;
	for (int h = 0; h < 2; h++) {
		struct mxp_host *host = mxp_host_add(store, h ? "child" : "local", h ? "env=test" : NULL, NULL, 0);
		for (int c = 0; c < 3; c++) {
			char id[16];
			snprintf(id, sizeof(id), "c%d", c);
			struct mxp_chart_def def = {.type = "rw", .id = id, .units = "x/s", .update_every = 1};
			charts[h * 3 + c] = mxp_chart_add(host, &def);
			for (int d = 0; d < 3; d++) {
				char did[16];
				snprintf(did, sizeof(did), "d%d", d);
				dims[nd++] = mxp_dim_add(charts[h * 3 + c], did, NULL, 1, d + 1, MXP_ALG_ABSOLUTE);
			}
		}
	}
	cr_assert_eq(nd, 18);

	char path[] = "/tmp/test_rw_compliance.XXXXXX";
	int fd = mkstemp(path);
	char text[1024];
	int n = snprintf(text, sizeof(text),
			 "[exporting:global]\n enabled = yes\n hostname = local\n"
			 "[prometheus_remote_write:fake]\n enabled = yes\n destination = 127.0.0.1:%d\n"
			 " remote write URL path = /api/v1/write\n data source = as collected\n update every = 10\n"
			 " max samples per send = %d\n retry backoff min ms = 20\n retry backoff max ms = 200\n"
			 " buffer on failures = 100\n",
			 f.port, BATCH);
	cr_assert_eq(write(fd, text, (size_t)n), n);
	close(fd);

	setenv("MXP_IO", io, 1);
	struct mxp_exporter_options opt = {.manual = 1, .formatters = 2};
	struct mxp_exporter *e = mxp_exporter_start(store, path, &opt);
	cr_assert_not_null(e, "mxp_exporter_start: %s", strerror(errno));
	f.window_lo_ms = 1000 * 1000;
	f.window_hi_ms = 1060 * 1000 + 999;
	/* six windows of as-collected samples: (1000,1010], (1010,1020], ... each series'
	 * last collection in the window, 10 s apart */
	long produced = 0;
	for (time_t w = 1000; w < 1060; w += 10) {
		/* collected every second up to the window's end, as time goes: as collected,
		 * the seed sends each dim's last collection since the window's start */
		for (time_t t = w == 1000 ? 1000 : w + 1; t <= w + 10; t++) {
			for (unsigned i = 0; i < 18; i++)
				mxp_dim_set(dims[i], (long long)(t * 10 + i));
			for (int ch = 0; ch < 6; ch++)
				mxp_chart_done(charts[ch], &(struct timeval){.tv_sec = t, .tv_usec = 250000});
		}
		long r = mxp_exporter_export(e, w, w + 10);
		cr_assert_gt(r, 0);
		produced += r;
	}
	cr_assert_eq(mxp_exporter_flush(e, 20000), 0, "the sender did not finish");
	struct mxp_send_counters c;
	cr_assert_eq(mxp_exporter_counters(e, 0, &c), 0);
	mxp_exporter_stop(e, 1000);
	fake_stop(&f);
	unlink(path);

	cr_assert_str_eq(f.problem, "", "spec violation: %s", f.problem);
	cr_assert_eq((long)c.produced, produced);
	cr_assert_eq(c.produced, c.delivered + c.lost + c.buffered);
	cr_assert_eq(c.buffered, 0);
	/* the 400: refused, counted lost with its reason, never sent again */
	cr_assert_eq(c.lost, c.lost_rejected);
	cr_assert_eq(c.lost_rejected, f.series_in[9], "the 400'd request held %u series, lost %llu", f.series_in[9],
		     (unsigned long long)c.lost_rejected);
	cr_assert_eq(c.delivered, f.accepted_samples, "delivered %llu, the receiver kept %u",
		     (unsigned long long)c.delivered, f.accepted_samples);
	/* the two 500s and the 429 were sent again: the same series, the next request */
	cr_assert_eq(f.series_in[3], f.series_in[2]);
	cr_assert_eq(f.series_in[4], f.series_in[3]);
	cr_assert_eq(f.series_in[7], f.series_in[6]);
	cr_assert_neq(f.series_in[10], 0);
	cr_assert_geq(c.failures, 3);
	/* the 429's Retry-After (1 s) was waited */
	cr_assert_geq(f.at_ms[7] - f.at_ms[6], 990, "the retry of the 429 came after %lld ms",
		      (long long)(f.at_ms[7] - f.at_ms[6]));
	/* every series (18 + 2 netdata_info + 1 tags info) got one sample per window, in
	 * timestamp order, none twice; the 400'd request's samples are missing */
	cr_assert_eq(f.nseen, 21);
	unsigned total = 0;
	for (unsigned s = 0; s < f.nseen; s++) {
		for (unsigned k = 1; k < f.seen[s].n; k++)
			cr_assert_gt(f.seen[s].ts[k], f.seen[s].ts[k - 1], "series %s: %lld after %lld", f.seen[s].key,
				     (long long)f.seen[s].ts[k], (long long)f.seen[s].ts[k - 1]);
		total += f.seen[s].n;
	}
	cr_assert_eq(total + c.lost_rejected, (unsigned)produced, "%u arrived, %llu refused, %ld produced", total,
		     (unsigned long long)c.lost_rejected, produced);
	mxp_store_free(store);
}

Test(rw_compliance, the_senders_duties_io_uring, .timeout = 60)
{
	compliance("io_uring");
}

Test(rw_compliance, the_senders_duties_epoll, .timeout = 60)
{
	compliance("epoll");
}
