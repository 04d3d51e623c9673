/* bench_number.c — ns per number of mxp_num_ld7_at / mxp_num_lld against the snprintf
 * calls they replace, over the same values, so a speed claim about them carries a figure.
 * The value is passed by address, as the formatters do (read where the record holds it:
 * by value, the x87 store and the integer loads of it cost a third more).
 * Usage: bench_number [runs]   (default 7; the median run is reported) */
/* clock_gettime is POSIX, hidden by -std=c11 without this. */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format/number.h"

/* Values per set: larger than L1 so the bench does not time one hot cache line. */
#define BENCH_VALUES 100000
#define BENCH_RUNS_DEFAULT 7
#define BENCH_RUNS_MAX 101

/* Everything written is summed here, so no call can be dropped as dead. */
static volatile uint64_t bench_sink;

static uint64_t bench_rand(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Metric-like: what netdata stores, a collected integer 0..1e6 times multiplier over
 * divisor, so 0..1e6 with a few or many decimals. */
static long double bench_metric(uint64_t *seed)
{
	static const long double div[] = {1, 10, 100, 1000, 1024, 3, 7, 60};
	uint64_t r = bench_rand(seed);

	return (long double)(r % 1000001) / div[(r >> 32) % 8];
}

/* Random in the fast range: any magnitude from 2^-20 to 2^63, either sign. */
static long double bench_fast_range(uint64_t *seed)
{
	uint64_t r = bench_rand(seed), m = bench_rand(seed) | (UINT64_C(1) << 63);
	long double v = (long double)m / 18446744073709551616.0L; /* [0.5, 1) */
	int e = (int)(r % 84) - 20;

	for (; e > 0; e--)
		v *= 2;
	for (; e < 0; e++)
		v /= 2;
	return (r >> 63) ? -v : v;
}

/* One measurement: ns per value, the median run and the fastest (the fastest is the one
 * least disturbed by whatever else the machine runs). */
struct bench_result {
	double median;
	double best;
};

/* Sorts the per-run times and returns their median and minimum. */
static struct bench_result bench_summarise(double *t, int runs)
{
	struct bench_result r;

	qsort(t, (size_t)runs, sizeof t[0], bench_cmp_double);
	r.median = t[runs / 2];
	r.best = t[0];
	return r;
}

/* Returns the ns per value over runs of formatting vals with ld7 (which = 0) or snprintf
 * (which = 1). */
static struct bench_result bench_ld(const long double *vals, size_t n, int which, int runs)
{
	static char buf[MXP_NUM_MAX];
	double t[BENCH_RUNS_MAX];

	for (int run = 0; run < runs; run++) {
		uint64_t sum = 0;
		double t0 = bench_now_ns();

		for (size_t i = 0; i < n; i++) {
			size_t len = which == 0 ? mxp_num_ld7_at(buf, &vals[i])
						: (size_t)snprintf(buf, sizeof buf, "%0.7Lf", vals[i]);

			sum += len + (unsigned char)buf[len - 1];
		}
		t[run] = (bench_now_ns() - t0) / (double)n;
		bench_sink += sum;
	}
	return bench_summarise(t, runs);
}

/* As bench_ld, for "%lld". */
static struct bench_result bench_ll(const long long *vals, size_t n, int which, int runs)
{
	static char buf[32];
	double t[BENCH_RUNS_MAX];

	for (int run = 0; run < runs; run++) {
		uint64_t sum = 0;
		double t0 = bench_now_ns();

		for (size_t i = 0; i < n; i++) {
			size_t len = which == 0 ? mxp_num_lld(buf, vals[i])
						: (size_t)snprintf(buf, sizeof buf, "%lld", vals[i]);

			sum += len + (unsigned char)buf[len - 1];
		}
		t[run] = (bench_now_ns() - t0) / (double)n;
		bench_sink += sum;
	}
	return bench_summarise(t, runs);
}

static void bench_print(const char *what, struct bench_result fast, struct bench_result slow)
{
	printf("%-26s %7.1f ns %7.1f ns %8.1f ns %8.1f ns %6.1fx %6.1fx\n", what, fast.median,
	       fast.best, slow.median, slow.best, slow.median / fast.median, slow.best / fast.best);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : BENCH_RUNS_DEFAULT;
	long double *metric = malloc(BENCH_VALUES * sizeof *metric);
	long double *fast = malloc(BENCH_VALUES * sizeof *fast);
	long double *mix = malloc(BENCH_VALUES * sizeof *mix);
	long long *ints = malloc(BENCH_VALUES * sizeof *ints);
	uint64_t seed = 42;
	int rc = 1;

	if (runs < 1 || runs > BENCH_RUNS_MAX) {
		fprintf(stderr, "runs must be 1..%d\n", BENCH_RUNS_MAX);
		goto out;
	}
	if (metric == NULL || fast == NULL || mix == NULL || ints == NULL) {
		fprintf(stderr, "out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < BENCH_VALUES; i++) {
		uint64_t r = bench_rand(&seed);

		metric[i] = bench_metric(&seed);
		fast[i] = bench_fast_range(&seed);
		mix[i] = (r & 1) ? metric[i] : fast[i];
		/* collected integers: mostly counters of any size, some small gauges, some negative */
		if ((r >> 1) & 1)
			ints[i] = (long long)(bench_rand(&seed) % 1000001);
		else
			ints[i] = (long long)(bench_rand(&seed) >> (1 + (r >> 8) % 63));
		if (((r >> 16) & 7) == 0)
			ints[i] = -ints[i];
	}

	printf("%d runs of %d values, ns per number (median and best run)\n", runs, BENCH_VALUES);
	printf("%-26s%11s%11s%12s%12s%8s%8s\n", "", "mxp med", "mxp best", "printf med",
	       "printf best", "x med", "x best");
	bench_print("ld7 metric-like 0..1e6", bench_ld(metric, BENCH_VALUES, 0, runs),
		    bench_ld(metric, BENCH_VALUES, 1, runs));
	bench_print("ld7 random 2^-20..2^63", bench_ld(fast, BENCH_VALUES, 0, runs),
		    bench_ld(fast, BENCH_VALUES, 1, runs));
	bench_print("ld7 mix (half each)", bench_ld(mix, BENCH_VALUES, 0, runs),
		    bench_ld(mix, BENCH_VALUES, 1, runs));
	bench_print("lld counters/gauges mix", bench_ll(ints, BENCH_VALUES, 0, runs),
		    bench_ll(ints, BENCH_VALUES, 1, runs));
	rc = 0;
out:
	free(metric);
	free(fast);
	free(mix);
	free(ints);
	return rc;
}
