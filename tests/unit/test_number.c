/* test_number.c — mxp_num_* must write what glibc's snprintf writes, byte for byte, so
 * each test compares the two over many values (fixed seeds: a failure reproduces).
 * MXP_NUMBER_TEST_COUNT sets the total number of compared values (default 10^7), so
 * that the sanitizer build can run fewer. */
#include <criterion/criterion.h>

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/number_fast.h"

/* The tests that build long doubles from their bits need the x87 extended format. */
#if LDBL_MANT_DIG == 64 && LDBL_MAX_EXP == 16384 && defined(__BYTE_ORDER__) && \
	__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TEST_X87 1
#else
#define TEST_X87 0
#endif

#define TEST_COUNT_DEFAULT 10000000ull
/* Mismatches printed before a test stops listing them. */
#define TEST_REPORT_MAX 10

/* Returns the total number of values to compare, from MXP_NUMBER_TEST_COUNT or the default. */
static unsigned long long test_total(void)
{
	const char *s = getenv("MXP_NUMBER_TEST_COUNT");
	char *end;
	unsigned long long n;

	if (s == NULL || *s == '\0')
		return TEST_COUNT_DEFAULT;
	n = strtoull(s, &end, 10);
	if (*end != '\0' || n == 0)
		return TEST_COUNT_DEFAULT;
	return n;
}

/* Returns this test's share (percent of the total), at least 1. */
static unsigned long long test_share(unsigned percent)
{
	unsigned long long n = test_total() / 100 * percent;

	return n ? n : 1;
}

/* splitmix64: one 64-bit state, full period, good enough to spread bit patterns. */
static uint64_t test_rand(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* One test's comparison state: buffers sized exactly as the API promises, so that
 * ASan sees any write past them. */
struct test_run {
	const char *name;
	char *got;
	char *want;
	size_t got_size;
	unsigned long long compared;
	unsigned long long failed;
};

static void test_run_init(struct test_run *run, const char *name, size_t got_size)
{
	run->name = name;
	run->got = malloc(got_size);
	run->want = malloc(MXP_NUM_MAX);
	run->got_size = got_size;
	run->compared = 0;
	run->failed = 0;
	cr_assert(run->got != NULL && run->want != NULL);
}

/* Prints the count, frees the buffers and fails the test if any value mismatched. */
static void test_run_finish(struct test_run *run)
{
	fprintf(stderr, "number/%s: %llu values compared, %llu mismatches\n", run->name,
		run->compared, run->failed);
	free(run->got);
	free(run->want);
	cr_assert_eq(run->failed, 0, "%s: %llu of %llu values differ from snprintf", run->name,
		     run->failed, run->compared);
	cr_assert_gt(run->compared, 0);
}

/* Returns the sign+exponent word and the mantissa of v, for failure reports. */
static void test_ld_bits(long double v, unsigned *se, unsigned long long *m)
{
	unsigned char b[sizeof(long double)];
	uint16_t s16 = 0;
	uint64_t m64 = 0;

	memcpy(b, &v, sizeof b);
#if TEST_X87
	memcpy(&m64, b, 8);
	memcpy(&s16, b + 8, 2);
#endif
	*se = s16;
	*m = m64;
}

/* Compares both writers of "%0.7Lf" with snprintf: the out-of-line mxp_num_ld7 and the
 * inline one the formatters' loop uses (number_fast.h). */
static void test_ld7(struct test_run *run, long double v)
{
	int wn = snprintf(run->want, MXP_NUM_MAX, "%0.7Lf", v);

	run->compared++;
	for (int inl = 0; inl <= 1; inl++) {
		size_t gn;

		memset(run->got, 0x5a, 32);
		gn = inl ? mxp_num_ld7_at_inline(run->got, &v) : mxp_num_ld7(run->got, v);
		if (wn >= 0 && gn == (size_t)wn && memcmp(run->got, run->want, gn + 1) == 0)
			continue;
		if (run->failed++ < TEST_REPORT_MAX) {
			unsigned se;
			unsigned long long m;

			test_ld_bits(v, &se, &m);
			fprintf(stderr,
				"%s: mismatch for se=0x%04x m=0x%016llx (%La): snprintf \"%.80s\" (%d), "
				"%s \"%.80s\" (%zu)\n",
				run->name, se, m, v, run->want, wn, inl ? "mxp_num_ld7_at_inline" : "mxp_num_ld7",
				gn < MXP_NUM_MAX && run->got[gn] == '\0' ? run->got : "(no NUL)", gn);
		}
	}
}

static void test_lld(struct test_run *run, long long v)
{
	int wn = snprintf(run->want, MXP_NUM_MAX, "%lld", v);
	size_t gn = mxp_num_lld(run->got, v);

	run->compared++;
	if (wn >= 0 && gn == (size_t)wn && memcmp(run->got, run->want, gn + 1) == 0)
		return;
	if (run->failed++ < TEST_REPORT_MAX)
		fprintf(stderr, "%s: mismatch for 0x%016llx: snprintf \"%s\", mxp_num_lld \"%.21s\" (%zu)\n",
			run->name, (unsigned long long)v, run->want, run->got, gn);
}

static void test_llu(struct test_run *run, unsigned long long v)
{
	int wn = snprintf(run->want, MXP_NUM_MAX, "%llu", v);
	size_t gn = mxp_num_llu(run->got, v);

	run->compared++;
	if (wn >= 0 && gn == (size_t)wn && memcmp(run->got, run->want, gn + 1) == 0)
		return;
	if (run->failed++ < TEST_REPORT_MAX)
		fprintf(stderr, "%s: mismatch for 0x%016llx: snprintf \"%s\", mxp_num_llu \"%.21s\" (%zu)\n",
			run->name, v, run->want, run->got, gn);
}

#if TEST_X87
/* Returns the long double with this sign, biased exponent and mantissa (any encoding,
 * including the invalid ones a corrupt value could carry). */
static long double test_ld_make(int neg, unsigned bexp, uint64_t m)
{
	unsigned char b[sizeof(long double)] = {0};
	uint16_t se = (uint16_t)((neg ? 0x8000u : 0) | (bexp & 0x7fffu));
	long double v;

	memcpy(b, &m, 8);
	memcpy(b + 8, &se, 2);
	memcpy(&v, b, sizeof v);
	return v;
}

/* Returns v moved by one ulp away from zero (dir > 0) or towards it (dir < 0); v is a
 * finite normal number. Done on the bits because nextafterl lives in libm. */
static long double test_ld_step(long double v, int dir)
{
	unsigned se;
	unsigned long long m;
	unsigned bexp;

	test_ld_bits(v, &se, &m);
	bexp = se & 0x7fff;
	if (dir > 0) {
		if (m == UINT64_MAX) {
			m = UINT64_C(1) << 63;
			bexp++;
		} else {
			m++;
		}
	} else {
		if (m == UINT64_C(1) << 63 && bexp > 1) {
			m = UINT64_MAX;
			bexp--;
		} else {
			m--;
		}
	}
	return test_ld_make(se >> 15, bexp, m);
}
#endif

/* Strings written out by hand, so a broken harness (or a glibc that changed) cannot make
 * the comparisons pass by agreeing with itself. */
Test(number, ld7_known)
{
	static const struct {
		long double v;
		const char *s;
	} cases[] = {
		{0.0L, "0.0000000"},
		{-0.0L, "-0.0000000"},
		{1.0L, "1.0000000"},
		{-1.0L, "-1.0000000"},
		{0.5L, "0.5000000"},
		{1.0L / 256, "0.0039062"},          /* exact tie, 2 is even: down */
		{3.0L / 256, "0.0117188"},          /* exact tie, 7 is odd: up */
		{-5.0L / 256, "-0.0195312"},        /* exact tie, 2 is even: down */
		{1.0L / 512, "0.0019531"},          /* 0.001953125: below the tie */
		{1e-8L, "0.0000000"},
		{-1e-8L, "-0.0000000"},             /* rounds to zero but keeps its sign */
		{0.99999999L, "1.0000000"},         /* carry into the integer part */
		{-9.99999996L, "-10.0000000"},
		{123456.789L, "123456.7890000"},
		{0.1L, "0.1000000"},
		{9223372036854775807.5L, "9223372036854775807.5000000"},
		{9223372036854775808.0L, "9223372036854775808.0000000"},
		{18446744073709551615.0L, "18446744073709551615.0000000"},
		{18446744073709551616.0L, "18446744073709551616.0000000"},
		{1e20L, "100000000000000000000.0000000"},
		{(long double)__builtin_inf(), "inf"},
		{-(long double)__builtin_inf(), "-inf"},
		{(long double)__builtin_nan(""), "nan"},
		{-(long double)__builtin_nan(""), "-nan"},
	};
	char *got = malloc(MXP_NUM_MAX);

	cr_assert(got != NULL);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = mxp_num_ld7(got, cases[i].v);

		cr_expect_str_eq(got, cases[i].s, "case %zu (%La)", i, cases[i].v);
		cr_expect_eq(n, strlen(cases[i].s), "case %zu length", i);
	}
	/* the longest output there is: sign, 4933 digits, point, 7 decimals */
	cr_expect_eq(mxp_num_ld7(got, -LDBL_MAX), 4942);
	cr_expect_eq(strlen(got), 4942);
	cr_expect(strncmp(got, "-118973149535723176502", 22) == 0 &&
		  strcmp(got + 4934, ".0000000") == 0, "-LDBL_MAX: %.30s...%s", got, got + 4930);
	free(got);
}

Test(number, int_known)
{
	char *got = malloc(21);

	cr_assert(got != NULL);
	cr_expect_eq(mxp_num_lld(got, LLONG_MIN), 20);
	cr_expect_str_eq(got, "-9223372036854775808");
	cr_expect_eq(mxp_num_lld(got, LLONG_MAX), 19);
	cr_expect_str_eq(got, "9223372036854775807");
	cr_expect_eq(mxp_num_lld(got, 0), 1);
	cr_expect_str_eq(got, "0");
	cr_expect_eq(mxp_num_lld(got, -10), 3);
	cr_expect_str_eq(got, "-10");
	cr_expect_eq(mxp_num_llu(got, ULLONG_MAX), 20);
	cr_expect_str_eq(got, "18446744073709551615");
	cr_expect_eq(mxp_num_llu(got, 10000000000000000000ull), 20);
	cr_expect_str_eq(got, "10000000000000000000");
	cr_expect_eq(mxp_num_llu(got, 9999999999999999999ull), 19);
	cr_expect_str_eq(got, "9999999999999999999");
	cr_expect_eq(mxp_num_llu(got, 7), 1);
	cr_expect_str_eq(got, "7");
	free(got);
}

/* Random encodings with |v| below 2^64 (the fast path) and a little beyond, down to
 * values that round to zero; short mantissas make exact ties and exact decimals likely. */
Test(number, ld7_random_bits)
{
#if TEST_X87
	struct test_run run;
	uint64_t seed = 1;
	unsigned long long n = test_share(30);

	test_run_init(&run, "ld7_random_bits", MXP_NUM_MAX);
	for (unsigned long long i = 0; i < n; i++) {
		uint64_t r = test_rand(&seed), m = test_rand(&seed);
		unsigned s, bexp;

		/* shift below 2^64: 0..99 covers the integers, the decimals and the cut to zero;
		 * one in 256 anywhere down to the subnormals (snprintf is slow there). */
		if ((r >> 1) & 255)
			s = (unsigned)((r >> 16) % 100);
		else
			s = (unsigned)((r >> 16) % 16447);
		bexp = 16446 - s;
		if ((r >> 9) & 1)
			m &= UINT64_MAX << ((r >> 10) % 64);
		if (bexp != 0)
			m |= UINT64_C(1) << 63;
		else
			m &= ~(UINT64_C(1) << 63);
		/* a few just past 2^64, where the fast path must hand over */
		if (((r >> 48) & 1023) == 0)
			bexp = 16447 + (unsigned)((r >> 58) & 7);
		test_ld7(&run, test_ld_make((int)(r & 1), bexp, m));
	}
	test_run_finish(&run);
#else
	cr_skip_test("not the x87 long double format");
#endif
}

/* Doubles as a collector would produce them, cast to long double: mostly within the
 * fast range, one in 256 any bit pattern at all (huge, tiny, NaN, inf). */
Test(number, ld7_random_doubles)
{
	struct test_run run;
	uint64_t seed = 2;
	unsigned long long n = test_share(18);

	test_run_init(&run, "ld7_random_doubles", MXP_NUM_MAX);
	for (unsigned long long i = 0; i < n; i++) {
		uint64_t bits = test_rand(&seed);
		double d;

		if ((i & 255) != 0) {
			uint64_t e = 1023 - 40 + (bits >> 52) % 106;

			bits = (bits & ~(UINT64_C(0x7ff) << 52)) | (e << 52);
		}
		memcpy(&d, &bits, sizeof d);
		test_ld7(&run, (long double)d);
	}
	test_run_finish(&run);
}

/* Values as netdata computes them: collected integers times multiplier over divisor,
 * and rates over an elapsed time in microseconds. */
Test(number, ld7_metric_like)
{
	static const long long mul[] = {1, -1, 8, -8, 100, 1000, 1024};
	static const long long div[] = {1, 3, 7, 10, 100, 1000, 1024, 1000000, 1048576, 86400};
	struct test_run run;
	uint64_t seed = 3;
	unsigned long long n = test_share(15);

	test_run_init(&run, "ld7_metric_like", MXP_NUM_MAX);
	for (unsigned long long i = 0; i < n; i++) {
		uint64_t r = test_rand(&seed), c = test_rand(&seed);
		unsigned digits = 1 + (unsigned)(r % 15);
		long long collected = (long long)(c % 1000000000000000ull);
		long double v;

		for (unsigned d = digits; d < 15; d++)
			collected /= 10;
		v = (long double)collected * mul[(r >> 8) % 7] / div[(r >> 16) % 10];
		if ((r >> 32) & 1) {
			long long usec = 900000 + (long long)((r >> 33) % 200001);

			v = v * 1000000 / usec;
		}
		test_ld7(&run, v);
	}
	test_run_finish(&run);
}

/* Values within a few ulps of x.xxxxxxx5 (where rounding turns) and of exact 7-decimal
 * values (where a wrong rounding shows as a changed last digit). */
Test(number, ld7_rounding_boundaries)
{
#if TEST_X87
	struct test_run run;
	uint64_t seed = 4;
	unsigned long long n = test_share(16) / 9 + 1;

	test_run_init(&run, "ld7_rounding_boundaries", MXP_NUM_MAX);
	for (unsigned long long i = 0; i < n; i++) {
		uint64_t r = test_rand(&seed), ipr = test_rand(&seed);
		unsigned ipbits = (unsigned)(r % 48);
		uint64_t ip = ipbits ? ipr >> (64 - ipbits) : 0;
		uint64_t f = (r >> 8) % 10000000;
		long double sign = (r >> 63) ? -1.0L : 1.0L;
		long double tie = sign * ((long double)ip + (long double)(2 * f + 1) / 20000000.0L);
		long double dec = sign * ((long double)ip + (long double)f / 10000000.0L);

		test_ld7(&run, tie);
		test_ld7(&run, test_ld_step(tie, 1));
		test_ld7(&run, test_ld_step(tie, -1));
		test_ld7(&run, test_ld_step(test_ld_step(tie, 1), 1));
		test_ld7(&run, test_ld_step(test_ld_step(tie, -1), -1));
		if (dec != 0) {
			test_ld7(&run, dec);
			test_ld7(&run, test_ld_step(dec, 1));
			test_ld7(&run, test_ld_step(dec, -1));
		}
		test_ld7(&run, (long double)ip * sign);
	}
	test_run_finish(&run);
#else
	cr_skip_test("not the x87 long double format");
#endif
}

/* Around every power of ten the integer part can reach: the digit writer switches from
 * one 8-digit store to two at 10^8 and to the loop at 10^16, and a fraction that rounds
 * up to 1 carries the integer part across a power (99999999.99999996 -> 100000000). */
Test(number, ld7_powers_of_ten)
{
#if TEST_X87
	struct test_run run;
	long double p = 1;

	test_run_init(&run, "ld7_powers_of_ten", MXP_NUM_MAX);
	for (int k = 0; k <= 19; k++, p *= 10) {
		const long double near[] = {p, p - 1, p + 1, p - 0.00000004L, p - 0.00000005L, p - 0.00000006L,
					    p - 0.5L, p + 0.5L, p - 0.99999999L};
		for (size_t i = 0; i < sizeof(near) / sizeof(near[0]); i++)
			for (int sign = -1; sign <= 1; sign += 2) {
				long double v = sign * near[i];
				test_ld7(&run, v);
				for (int step = 1; step <= 3; step++) {
					v = test_ld_step(v, 1);
					test_ld7(&run, v);
				}
				v = sign * near[i];
				for (int step = 1; step <= 3; step++) {
					v = test_ld_step(v, -1);
					test_ld7(&run, v);
				}
			}
	}
	cr_expect_eq(run.compared, 20ull * 9 * 2 * 7, "every value compared");
	test_run_finish(&run);
#else
	cr_skip_test("not the x87 long double format");
#endif
}

/* k / 2^n: exact binary fractions. n = 8 with k odd is an exact decimal tie at the 8th
 * digit (the only n where one occurs); larger n give long exact tails. */
Test(number, ld7_dyadic)
{
#if TEST_X87
	struct test_run run;
	uint64_t seed = 5;
	unsigned long long n = test_share(3);

	test_run_init(&run, "ld7_dyadic", MXP_NUM_MAX);
	for (unsigned long long i = 0; i < n; i++) {
		uint64_t r = test_rand(&seed), k = test_rand(&seed);
		unsigned p = (r & 1) ? 8 : (unsigned)((r >> 1) % 96);

		k >>= (r >> 8) % 64;
		if (p == 8)
			k |= 1;
		test_ld7(&run, (long double)k * test_ld_make((int)(r >> 63), 16383 - p, UINT64_C(1) << 63));
	}
	test_run_finish(&run);
#else
	cr_skip_test("not the x87 long double format");
#endif
}

/* The edges: zeros, subnormals, invalid encodings, NaNs, infinities, the largest
 * values, both sides of 2^63 and 2^64, every exponent around the fast range. */
Test(number, ld7_specials)
{
#if TEST_X87
	struct test_run run;
	uint64_t seed = 6;
	long double fixed[] = {
		0.0L, LDBL_MIN, LDBL_MAX, LDBL_TRUE_MIN, LDBL_EPSILON,
		(long double)__builtin_inf(), (long double)__builtin_nan(""),
		(long double)__builtin_nan("0x1234"), (long double)__builtin_nans(""),
		(long double)DBL_MAX, (long double)DBL_MIN, (long double)DBL_TRUE_MIN,
		(long double)FLT_MAX, 0.00000005L, 0.00000015L, 0.00000025L, 2.5e-7L, 0.99999995L,
	};

	test_run_init(&run, "ld7_specials", MXP_NUM_MAX);
	for (int neg = 0; neg <= 1; neg++) {
		long double sign = neg ? -1.0L : 1.0L;

		/* negated, not multiplied by -1: x87 multiplication keeps a NaN operand's sign */
		for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
			test_ld7(&run, neg ? -fixed[i] : fixed[i]);
		/* subnormals and pseudo-denormals (exponent 0, integer bit set) */
		for (int i = 0; i < 2000; i++) {
			uint64_t m = test_rand(&seed);

			test_ld7(&run, test_ld_make(neg, 0, m & ~(UINT64_C(1) << 63)));
			test_ld7(&run, test_ld_make(neg, 0, m | (UINT64_C(1) << 63)));
		}
		/* unnormals, pseudo-infinities, pseudo-NaNs and NaN payloads */
		for (int i = 0; i < 2000; i++) {
			uint64_t m = test_rand(&seed);
			unsigned bexp = 1 + (unsigned)(m % 16460);

			test_ld7(&run, test_ld_make(neg, bexp, m & ~(UINT64_C(1) << 63)));
			test_ld7(&run, test_ld_make(neg, 0x7fff, m & ~(UINT64_C(1) << 63)));
			test_ld7(&run, test_ld_make(neg, 0x7fff, m | (UINT64_C(1) << 63)));
		}
		/* both sides of 2^63 and 2^64 */
		for (unsigned b = 63; b <= 64; b++) {
			long double up = test_ld_make(neg, 16383 + b, UINT64_C(1) << 63);
			long double down = up;

			for (int i = 0; i < 3000; i++) {
				test_ld7(&run, up);
				test_ld7(&run, down);
				up = test_ld_step(up, 1);
				down = test_ld_step(down, -1);
			}
		}
		/* every exponent from where everything rounds to zero to past the fast range,
		 * with the smallest, largest and a random mantissa */
		for (unsigned bexp = 16383 - 120; bexp <= 16383 + 80; bexp++) {
			test_ld7(&run, test_ld_make(neg, bexp, UINT64_C(1) << 63));
			test_ld7(&run, test_ld_make(neg, bexp, UINT64_MAX));
			test_ld7(&run, test_ld_make(neg, bexp, test_rand(&seed) | (UINT64_C(1) << 63)));
		}
		/* powers of two over the whole range (the huge ones are slow in snprintf) */
		for (unsigned bexp = 1; bexp < 0x7fff; bexp += 127)
			test_ld7(&run, test_ld_make(neg, bexp, UINT64_C(1) << 63));
		/* powers of ten and their neighbours */
		for (long double p = 1e-30L; p < 1e30L; p *= 10) {
			test_ld7(&run, sign * p);
			test_ld7(&run, sign * test_ld_step(p, 1));
			test_ld7(&run, sign * test_ld_step(p, -1));
		}
		/* small integers */
		for (int i = 0; i <= 100000; i++)
			test_ld7(&run, sign * (long double)i);
	}
	test_run_finish(&run);
#else
	cr_skip_test("not the x87 long double format");
#endif
}

/* mxp_num_ld_isnan_at (and its inline form) reads the bits where it can: it must agree with isnan() on every
 * class of encoding, the ones the x87 takes as invalid (and so as NaN) included. */
Test(number, ld_isnan_at_agrees_with_isnan)
{
#if TEST_X87
	uint64_t seed = 11;
	unsigned long checked = 0, nans = 0;
	for (int neg = 0; neg <= 1; neg++) {
		for (int i = 0; i < 20000; i++) {
			uint64_t r = test_rand(&seed), m = test_rand(&seed);
			unsigned bexp;
			switch (r % 4) {
			case 0: bexp = 0; break;                                 /* (pseudo-)denormals, 0 */
			case 1: bexp = 0x7fff; break;                            /* inf, NaN, pseudo-* */
			default: bexp = 1 + (unsigned)((r >> 8) % 0x7ffe); break; /* normals, unnormals */
			}
			if ((r >> 40) & 1)
				m |= UINT64_C(1) << 63;
			else if ((r >> 41) & 1)
				m &= ~(UINT64_C(1) << 63);
			if (((r >> 42) & 7) == 0)
				m &= UINT64_C(1) << 63; /* 0, inf, pseudo-inf, exact powers of two */
			long double v = test_ld_make(neg, bexp, m);
			int want = isnan(v) != 0;
			cr_assert_eq(mxp_num_ld_isnan_at(&v) != 0, want, "sign %d exponent %#x mantissa %#llx", neg, bexp,
				     (unsigned long long)m);
			cr_assert_eq(mxp_num_ld_isnan_at_inline(&v) != 0, want, "inline: sign %d exponent %#x mantissa %#llx",
				     neg, bexp, (unsigned long long)m);
			checked++;
			nans += (unsigned long)want;
		}
	}
	cr_assert_gt(nans, 1000, "the NaN-like encodings were drawn (%lu of %lu)", nans, checked);
	cr_assert_gt(checked - nans, 1000);
#else
	cr_skip_test("not the x87 long double format");
#endif
}

/* Beyond the fast path: magnitudes from 2^64 up to LDBL_MAX and below 2^-100. These go
 * to snprintf, so this checks the hand-over; it is capped because glibc needs up to
 * 2 ms for one value near LDBL_MAX. */
Test(number, ld7_large_tiny)
{
#if TEST_X87
	struct test_run run;
	uint64_t seed = 7;
	unsigned long long n = test_total() / 500;

	if (n > 20000)
		n = 20000;
	test_run_init(&run, "ld7_large_tiny", MXP_NUM_MAX);
	for (unsigned long long i = 0; i < n; i++) {
		uint64_t r = test_rand(&seed), m = test_rand(&seed) | (UINT64_C(1) << 63);
		unsigned bexp;

		if (i % 512 == 0)
			bexp = 16447 + (unsigned)(r % (0x7fff - 16447));
		else if (r & 1)
			bexp = 16447 + (unsigned)((r >> 1) % 1100);
		else
			bexp = 1 + (unsigned)((r >> 1) % (16383 - 100));
		test_ld7(&run, test_ld_make((int)(r >> 63), bexp, m));
	}
	test_run_finish(&run);
#else
	cr_skip_test("not the x87 long double format");
#endif
}

/* Powers of ten and their neighbours (digit-count boundaries), the extremes, then
 * random values of every bit length. */
Test(number, lld)
{
	struct test_run run;
	uint64_t seed = 8;
	unsigned long long n = test_share(9);
	long long p = 1;

	test_run_init(&run, "lld", 21);
	test_lld(&run, 0);
	test_lld(&run, LLONG_MIN);
	test_lld(&run, LLONG_MIN + 1);
	test_lld(&run, LLONG_MAX);
	for (int k = 0; k <= 18; k++) {
		for (long long d = -1; d <= 1; d++) {
			test_lld(&run, p + d);
			test_lld(&run, -(p + d));
		}
		if (k < 18)
			p *= 10;
	}
	for (unsigned long long i = 0; i < n; i++) {
		uint64_t r = test_rand(&seed), v = test_rand(&seed);

		v >>= r % 64;
		test_lld(&run, (r >> 6) & 1 ? -(long long)(v >> 1) : (long long)v);
	}
	test_run_finish(&run);
}

Test(number, llu)
{
	struct test_run run;
	uint64_t seed = 9;
	unsigned long long n = test_share(9);
	unsigned long long p = 1;

	test_run_init(&run, "llu", 21);
	test_llu(&run, 0);
	test_llu(&run, ULLONG_MAX);
	test_llu(&run, ULLONG_MAX - 1);
	for (int k = 0; k <= 19; k++) {
		test_llu(&run, p - 1);
		test_llu(&run, p);
		test_llu(&run, p + 1);
		if (k < 19)
			p *= 10;
	}
	for (unsigned k = 0; k < 64; k++) {
		test_llu(&run, (UINT64_C(1) << k) - 1);
		test_llu(&run, UINT64_C(1) << k);
	}
	for (unsigned long long i = 0; i < n; i++) {
		uint64_t r = test_rand(&seed), v = test_rand(&seed);

		test_llu(&run, v >> (r % 64));
	}
	test_run_finish(&run);
}
