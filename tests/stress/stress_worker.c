/* stress_worker.c — the worker hand-over (send/worker.h) under load, for TSan: this
 * thread plays the sender (submit, wait on the I/O layer's wake-up, poll), the worker
 * thread runs a send that checks every job's body (a sequence number and a checksum
 * written just before the submit) and answers with numbers derived from it, which this
 * side checks. A job's fields published out of order, or a result read before it was
 * written, shows as a mismatch (and as a race under TSan).
 *
 *   stress_worker [--seconds S] [--io io_uring|epoll]
 *
 * Exits 0 when every job and result matched, 1 otherwise. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "send/io.h"
#include "send/worker.h"

static long mismatches;     /* worker thread only, read after the join */

static void *fake_open(const void *conf, char *why, size_t whylen)
{
	(void)conf;
	(void)why;
	(void)whylen;
	return &mismatches;
}

static uint64_t checksum(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
	return h;
}

/* body: seq (8 bytes), length L (8), L bytes of pattern, checksum of those (8) */
static void fake_send(void *state, const char *body, size_t len, long records, struct mxp_worker_result *r)
{
	long *bad = state;
	uint64_t seq, l, sum;
	memcpy(&seq, body, 8);
	memcpy(&l, body + 8, 8);
	if (l + 24 != len || (long)seq != records) {
		(*bad)++;
		return;
	}
	memcpy(&sum, body + 16 + l, 8);
	if (sum != checksum(body + 16, l))
		(*bad)++;
	r->delivered = (long)(seq * 3 + 1);
	r->rejected = (long)l;
	snprintf(r->why, sizeof(r->why), "job %llu", (unsigned long long)seq);
}

static void fake_close(void *state)
{
	(void)state;
}

static const struct mxp_worker_ops ops = {.name = "stress", .open = fake_open, .send = fake_send, .close = fake_close};

int main(int argc, char **argv)
{
	double seconds = 2;
	enum mxp_io_kind kind = MXP_IO_EPOLL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--io") == 0 && i + 1 < argc)
			kind = strcmp(argv[++i], "io_uring") == 0 ? MXP_IO_URING : MXP_IO_EPOLL;
		else {
			fprintf(stderr, "usage: stress_worker [--seconds S] [--io io_uring|epoll]\n");
			return 2;
		}
	}
	struct mxp_io *io = mxp_io_new(kind);
	if (io == NULL) {
		perror("stress_worker: io");
		return 2;
	}
	char why[256];
	struct mxp_worker *w = mxp_worker_new(&ops, NULL, io, why, sizeof(why));
	if (w == NULL) {
		fprintf(stderr, "stress_worker: %s\n", why);
		return 2;
	}
	char *body = malloc(24 + 4096);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint64_t jobs = 0;
	long bad = 0;
	unsigned seed = 7;
	do {
		/* a fresh body each job, written right before the hand-over */
		uint64_t l = (uint64_t)(rand_r(&seed) % 4096);
		memcpy(body, &jobs, 8);
		memcpy(body + 8, &l, 8);
		for (uint64_t i = 0; i < l; i++)
			body[16 + i] = (char)(jobs + i);
		uint64_t sum = checksum(body + 16, l);
		memcpy(body + 16 + l, &sum, 8);
		if (mxp_worker_submit(w, body, l + 24, (long)jobs) != 0) {
			fprintf(stderr, "stress_worker: FAIL: a submit while idle was refused\n");
			bad++;
			break;
		}
		if (mxp_worker_submit(w, body, l + 24, (long)jobs) != -EBUSY)
			bad++; /* one job at a time */
		struct mxp_worker_result r;
		while (!mxp_worker_poll(w, &r)) {
			struct mxp_io_req *done[4];
			mxp_io_wait(io, done, 4, 100); /* the worker's result wakes it */
		}
		char want[64];
		snprintf(want, sizeof(want), "job %llu", (unsigned long long)jobs);
		if (r.delivered != (long)(jobs * 3 + 1) || r.rejected != (long)l || strcmp(r.why, want) != 0)
			bad++;
		jobs++;
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} while ((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
	mxp_worker_free(w); /* joins: mismatches is final */
	mxp_io_free(io);
	free(body);
	bad += mismatches;
	fprintf(stderr, "stress_worker: %llu jobs handed over and answered, %ld mismatches\n", (unsigned long long)jobs,
		bad);
	return bad == 0 && jobs > 0 ? 0 : 1;
}
