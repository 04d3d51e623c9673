/* synthetic_source.c — many hosts, charts and dims with made-up values, for benchmarks.
 *
 * Built to be collected at a million series a second: the generator keeps one flat array
 * of series (dim pointer + value state) in the order the charts are published, so that a
 * collection is one linear pass over it, one PRNG draw per series, and no allocation.
 */
#include "synthetic_source.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* Absolute dims walk within [0, SYN_ABS_MAX] hundredths (0 to 1000.00) ... */
#define SYN_ABS_MAX 100000
/* ... by at most SYN_ABS_STEP hundredths per collection either way. */
#define SYN_ABS_STEP 500
/* Incremental dims grow by [0, SYN_INC_STEP) per collection. */
#define SYN_INC_STEP 10000
/* Divisor of absolute dims: their collected integers are hundredths. */
#define SYN_ABS_DIVISOR 100
/* Host counts above this get six-digit names, so that names still sort as numbers. */
#define SYN_HOSTS_FOUR_DIGITS 10000u

/* One dim and what the generator last gave it. */
struct syn_series {
	struct mxp_dim *dim;
	long long value;          /* absolute: hundredths in [0, SYN_ABS_MAX]; else the counter */
	bool incremental;
};

struct mxp_synthetic {
	struct mxp_host **hosts;  /* what new() added, removed again if it fails */
	size_t nhosts;
	struct mxp_chart **charts; /* host-major: chart c of host h is [h * charts + c] */
	size_t ncharts;
	unsigned dims;            /* per chart: chart i owns series [i * dims, (i + 1) * dims) */
	struct syn_series *series;
	size_t nseries;
	uint64_t rng;             /* xorshift64* state, never 0 */
};

/* splitmix64: turns any seed (0 included) into a well-mixed non-zero xorshift state. */
static uint64_t syn_seed(uint64_t seed)
{
	uint64_t z = seed + UINT64_C(0x9e3779b97f4a7c15);

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	z ^= z >> 31;
	return z != 0 ? z : UINT64_C(0x2545f4914f6cdd1d);
}

/* xorshift64*: one multiply and three shifts per draw, plenty for made-up metrics.
 * Returns the next 64 random bits; the high ones are the better, so callers reduce by
 * modulo of the top 32. */
static uint64_t syn_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * UINT64_C(0x2545f4914f6cdd1d);
}

/* Returns a random integer in [0, n), n <= 2^32. */
static uint32_t syn_below(uint64_t *state, uint32_t n)
{
	return (uint32_t)((syn_rand(state) >> 32) % n);
}

/* Moves a series to its next value. */
static void syn_step(struct syn_series *s, uint64_t *rng)
{
	if (s->incremental) {
		s->value += syn_below(rng, SYN_INC_STEP);
		return;
	}
	long long v = s->value + (long long)syn_below(rng, 2 * SYN_ABS_STEP + 1) - SYN_ABS_STEP;
	/* reflect at the bounds, so the walk stays spread over the range */
	if (v < 0)
		v = -v;
	else if (v > SYN_ABS_MAX)
		v = 2 * SYN_ABS_MAX - v;
	s->value = v;
}

/* Adds host number h with its charts and dims, appending them to syn. Returns 0 or
 * -errno; what was added before a failure stays listed in syn for the caller to undo. */
static int syn_add_host(struct mxp_synthetic *syn, struct mxp_store *store, unsigned h,
			unsigned nhosts, unsigned charts, int update_every)
{
	char name[32];
	struct mxp_host *host;

	snprintf(name, sizeof(name), nhosts > SYN_HOSTS_FOUR_DIGITS ? "synthetic-%06u"
								     : "synthetic-%04u", h);
	host = mxp_host_add(store, name, NULL, NULL, 0);
	if (host == NULL)
		return -errno;
	syn->hosts[syn->nhosts++] = host;

	for (unsigned c = 0; c < charts; c++) {
		char id[32];
		snprintf(id, sizeof(id), "chart%u", c);
		struct mxp_chart_def def = {
			.type = "synthetic",
			.id = id,
			.family = "synthetic",
			.context = "synthetic.chart",
			.units = "value",
			.title = "Synthetic values",
			.chart_type = "line",
			.update_every = update_every,
		};
		struct mxp_chart *chart = mxp_chart_add(host, &def);
		if (chart == NULL)
			return -errno;
		syn->charts[syn->ncharts++] = chart;

		for (unsigned d = 0; d < syn->dims; d++) {
			struct syn_series *s = &syn->series[syn->nseries];
			char dim_id[32];
			snprintf(dim_id, sizeof(dim_id), "dim%u", d);
			s->incremental = (c + d) % 4 == 3;
			s->dim = mxp_dim_add(chart, dim_id, NULL, 1,
					     s->incremental ? 1 : SYN_ABS_DIVISOR,
					     s->incremental ? MXP_ALG_INCREMENTAL : MXP_ALG_ABSOLUTE);
			if (s->dim == NULL)
				return -errno;
			/* counters start anywhere below 2^32, as a long-running one would be */
			s->value = s->incremental ? (long long)(syn_rand(&syn->rng) >> 32)
						  : (long long)syn_below(&syn->rng, SYN_ABS_MAX + 1);
			syn->nseries++;
		}
	}
	return 0;
}

struct mxp_synthetic *mxp_synthetic_new(struct mxp_store *store, unsigned hosts, unsigned charts,
					unsigned dims, int update_every, uint64_t seed)
{
	struct mxp_synthetic *syn;
	int err = 0;

	if (store == NULL || hosts == 0 || charts == 0 || dims == 0 || update_every < 1 ||
	    (uint64_t)hosts * charts > MXP_SYNTHETIC_MAX_SERIES ||
	    (uint64_t)hosts * charts * dims > MXP_SYNTHETIC_MAX_SERIES) {
		errno = EINVAL;
		return NULL;
	}
	syn = calloc(1, sizeof(*syn));
	if (syn == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	syn->dims = dims;
	syn->rng = syn_seed(seed);
	syn->hosts = calloc(hosts, sizeof(*syn->hosts));
	syn->charts = calloc((size_t)hosts * charts, sizeof(*syn->charts));
	syn->series = calloc((size_t)hosts * charts * dims, sizeof(*syn->series));
	if (syn->hosts == NULL || syn->charts == NULL || syn->series == NULL) {
		err = ENOMEM;
		goto fail;
	}
	for (unsigned h = 0; h < hosts; h++) {
		int ret = syn_add_host(syn, store, h, hosts, charts, update_every);
		if (ret != 0) {
			err = -ret;
			goto fail;
		}
	}
	return syn;
fail:
	/* removing a host takes its charts and dims with it */
	for (size_t i = 0; i < syn->nhosts; i++)
		mxp_host_remove(syn->hosts[i]);
	mxp_synthetic_free(syn);
	errno = err;
	return NULL;
}

void mxp_synthetic_collect(struct mxp_synthetic *syn, const struct timeval *now)
{
	struct timeval tv;
	struct syn_series *s = syn->series;
	uint64_t rng = syn->rng;

	if (now == NULL) {
		gettimeofday(&tv, NULL);
		now = &tv;
	}
	for (size_t c = 0; c < syn->ncharts; c++) {
		for (unsigned d = 0; d < syn->dims; d++, s++) {
			syn_step(s, &rng);
			mxp_dim_set(s->dim, s->value);
		}
		mxp_chart_done(syn->charts[c], now);
	}
	syn->rng = rng;
}

size_t mxp_synthetic_series(const struct mxp_synthetic *syn)
{
	return syn->nseries;
}

void mxp_synthetic_free(struct mxp_synthetic *syn)
{
	if (syn == NULL)
		return;
	free(syn->hosts);
	free(syn->charts);
	free(syn->series);
	free(syn);
}

/* Parses the decimal count at *p up to the next ',' or the end, moving *p past it.
 * Returns false when it is empty, holds anything but digits, or exceeds
 * MXP_SYNTHETIC_MAX_SERIES (no single count can be more than the product). */
static bool parse_count(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > MXP_SYNTHETIC_MAX_SERIES)
			return false;
	}
	*p = s;
	*out = v;
	return true;
}

int mxp_synthetic_parse(const char *arg, unsigned *hosts, unsigned *charts, unsigned *dims)
{
	uint64_t v[3];
	const char *p = arg;

	if (arg == NULL)
		return -EINVAL;
	for (int i = 0; i < 3; i++) {
		if (!parse_count(&p, &v[i]) || v[i] == 0)
			return -EINVAL;
		if (*p != (i < 2 ? ',' : '\0'))
			return -EINVAL;
		if (i < 2)
			p++;
	}
	/* each is <= 10^8, so neither product can overflow 64 bits before it is checked */
	if (v[0] * v[1] > MXP_SYNTHETIC_MAX_SERIES ||
	    v[0] * v[1] * v[2] > MXP_SYNTHETIC_MAX_SERIES)
		return -EINVAL;
	*hosts = (unsigned)v[0];
	*charts = (unsigned)v[1];
	*dims = (unsigned)v[2];
	return 0;
}
