/* synthetic_plugin.c — a netdata external plugin (plugins.d protocol) of N dimensions,
 * for `make bench-netdata`: the same program feeds netdata 1.37 and mxpd, so that both
 * export exactly the same metrics.
 *
 *   synthetic_plugin [--charts C] [--dims D] [--seed S] UPDATE_EVERY
 *
 * C charts "synth.cN" of D dims "dM" each (absolute, divisor 100; a quarter
 * incremental counters, as mxp's synthetic source), defined once, then updated every
 * UPDATE_EVERY seconds on the wall clock's multiples, each BEGIN giving the
 * microseconds since the last update. Values are a cheap reproducible random walk.
 * Output goes through one large buffer, flushed after each update round. On a write
 * error (the reader went away) it exits 0.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng_state;

static inline uint64_t rng(void)
{
	rng_state ^= rng_state << 13; /* xorshift64 */
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int64_t now_usec(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* Appends the decimal form of v (no sign) to p; returns the end. */
static char *put_u64(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

int main(int argc, char **argv)
{
	unsigned charts = 100, dims = 1000;
	uint64_t seed = 42;
	int update_every = 1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--charts") == 0 && i + 1 < argc)
			charts = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--dims") == 0 && i + 1 < argc)
			dims = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 10);
		else
			update_every = atoi(argv[i]);
	}
	if (charts == 0 || dims == 0 || update_every < 1) {
		fprintf(stderr, "usage: synthetic_plugin [--charts C] [--dims D] [--seed S] UPDATE_EVERY\n");
		return 1;
	}
	rng_state = seed ? seed : 1;
	size_t n = (size_t)charts * dims;
	int64_t *value = malloc(n * sizeof(*value));
	/* a SET line is at most "SET d4294967295 = 18446744073709551615\n" */
	size_t cap = (size_t)charts * (64 + (size_t)dims * 48);
	char *buf = malloc(cap);
	if (value == NULL || buf == NULL)
		return 1;
	for (size_t i = 0; i < n; i++)
		value[i] = (int64_t)(rng() % 100000);

	char *p = buf;
	for (unsigned c = 0; c < charts; c++) {
		p += sprintf(p, "CHART synth.c%u '' 'Synthetic chart %u' 'value' synth synth.chart line %u %d\n", c, c,
			     100000 + c, update_every);
		for (unsigned d = 0; d < dims; d++)
			p += sprintf(p, "DIMENSION d%u '' %s 1 100\n", d, (c + d) % 4 == 3 ? "incremental" : "absolute");
	}
	if (fwrite(buf, 1, (size_t)(p - buf), stdout) != (size_t)(p - buf) || fflush(stdout) != 0)
		return 0;

	int64_t last = 0;
	for (;;) {
		int64_t now = now_usec(), step = (int64_t)update_every * 1000000;
		int64_t next = (now / step + 1) * step;
		struct timespec ts = {.tv_sec = (time_t)((next - now) / 1000000), .tv_nsec = (long)((next - now) % 1000000) * 1000};
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		now = now_usec();
		p = buf;
		for (unsigned c = 0; c < charts; c++) {
			p += sprintf(p, "BEGIN synth.c%u", c);
			if (last != 0) {
				*p++ = ' ';
				p = put_u64(p, (uint64_t)(now - last));
			}
			*p++ = '\n';
			for (unsigned d = 0; d < dims; d++) {
				int64_t *v = &value[(size_t)c * dims + d];
				uint64_t r = rng();
				if ((c + d) % 4 == 3)
					*v += (int64_t)(r % 1000);                   /* a counter */
				else
					*v += (int64_t)(r % 201) - 100;              /* a walk */
				memcpy(p, "SET d", 5);
				p = put_u64(p + 5, d);
				memcpy(p, " = ", 3);
				p += 3;
				if (*v < 0) {
					*p++ = '-';
					p = put_u64(p, (uint64_t)-*v);
				} else {
					p = put_u64(p, (uint64_t)*v);
				}
				*p++ = '\n';
			}
			memcpy(p, "END\n", 4);
			p += 4;
		}
		last = now;
		if (fwrite(buf, 1, (size_t)(p - buf), stdout) != (size_t)(p - buf) || fflush(stdout) != 0)
			return 0;
	}
}
