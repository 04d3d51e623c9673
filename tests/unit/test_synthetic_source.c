/* test_synthetic_source.c — the synthetic generator: its "H,C,D" parser, the shape and
 * names of what it adds to the store, and the values it sets. */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "collect/store_internal.h"
#include "synthetic_source.h"

/* ---- mxp_synthetic_parse ---- */

Test(synthetic_parse, accepts)
{
	unsigned h = 0, c = 0, d = 0;

	cr_assert_eq(mxp_synthetic_parse("2,3,4", &h, &c, &d), 0);
	cr_expect_eq(h, 2);
	cr_expect_eq(c, 3);
	cr_expect_eq(d, 4);
	cr_assert_eq(mxp_synthetic_parse("1,1,100000000", &h, &c, &d), 0);
	cr_expect_eq(d, 100000000);
	cr_assert_eq(mxp_synthetic_parse("100,100,10000", &h, &c, &d), 0);
	cr_assert_eq(mxp_synthetic_parse("0010,1,1", &h, &c, &d), 0);
	cr_expect_eq(h, 10);
}

Test(synthetic_parse, rejects)
{
	static const char *const bad[] = {
		"0,1,1", "1,0,1", "1,1,0", "1,1", "1", "", "a,b,c", "1,1,1,1", "1,1,1,",
		",1,1", "1,,1", "-1,1,1", "+1,1,1", " 1,1,1", "1 ,1,1", "1,1,1 ", "1.5,1,1",
		"1,1,1x",
		/* each alone fits, the product does not */
		"100,100,10001", "10001,10000,1", "100000000,2,1",
		/* overflow of 32 and 64 bits */
		"4294967296,1,1", "4294967297,1,1", "18446744073709551617,1,1",
		"99999999999999999999999999,1,1", "65536,65536,65536",
	};
	unsigned h = 7, c = 7, d = 7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(mxp_synthetic_parse(bad[i], &h, &c, &d), -EINVAL, "accepted \"%s\"",
			     bad[i]);
	cr_expect_eq(mxp_synthetic_parse(NULL, &h, &c, &d), -EINVAL);
	cr_expect(h == 7 && c == 7 && d == 7, "a rejected argument changed the outputs");
}

/* ---- the generator ---- */

/* Returns dim d of chart c of host h, failing the test if any is missing. */
static struct mxp_dim *find_dim(struct mxp_store *store, const char *host, unsigned c, unsigned d)
{
	char id[64];
	struct mxp_host *hp = mxp_host_find(store, host);

	cr_assert_not_null(hp, "host %s missing", host);
	snprintf(id, sizeof(id), "synthetic.chart%u", c);
	struct mxp_chart *cp = mxp_chart_find(hp, id);
	cr_assert_not_null(cp, "%s: chart %s missing", host, id);
	snprintf(id, sizeof(id), "dim%u", d);
	struct mxp_dim *dp = mxp_dim_find(cp, id);
	cr_assert_not_null(dp, "%s: chart%u: %s missing", host, c, id);
	return dp;
}

Test(synthetic, shape_and_values)
{
	static const char *const hosts[] = {"synthetic-0000", "synthetic-0001"};
	struct mxp_store *store = mxp_store_new(NULL);
	cr_assert_not_null(store);
	struct mxp_synthetic *syn = mxp_synthetic_new(store, 2, 3, 4, 1, 42);
	cr_assert_not_null(syn, "new: %s", strerror(errno));
	cr_expect_eq(mxp_synthetic_series(syn), 24);

	/* walked without an epoch section: this thread is the only one, and removes nothing */
	size_t nhosts = 0, ncharts = 0, ndims = 0, nincremental = 0;
	for (struct mxp_host *h = mxp_store_hosts(store); h != NULL; h = mxp_host_next(h)) {
		nhosts++;
		for (struct mxp_chart *c = mxp_host_charts(h); c != NULL; c = mxp_chart_next(c)) {
			ncharts++;
			cr_expect_str_eq(c->family, "synthetic");
			cr_expect_str_eq(c->units, "value");
			cr_expect_str_eq(c->context, "synthetic.chart");
			cr_expect_eq(c->update_every, 1);
			for (struct mxp_dim *d = mxp_chart_dims(c); d != NULL; d = mxp_dim_next(d)) {
				ndims++;
				nincremental += d->algorithm == MXP_ALG_INCREMENTAL;
			}
		}
	}
	cr_expect_eq(nhosts, 2);
	cr_expect_eq(ncharts, 6);
	cr_expect_eq(ndims, 24);
	cr_expect_eq(nincremental, 6, "a quarter of the dims are counters");
	cr_expect_null(mxp_host_find(store, "synthetic-0002"));

	struct timeval t0 = {.tv_sec = 1700000000};
	struct timeval t1 = {.tv_sec = 1700000001};
	int64_t first[2][3][4];
	mxp_synthetic_collect(syn, &t0);
	for (unsigned h = 0; h < 2; h++)
		for (unsigned c = 0; c < 3; c++)
			for (unsigned d = 0; d < 4; d++)
				first[h][c][d] =
					mxp_dim_last_collected_value(find_dim(store, hosts[h], c, d));
	mxp_synthetic_collect(syn, &t1);

	for (unsigned h = 0; h < 2; h++) {
		for (unsigned c = 0; c < 3; c++) {
			for (unsigned d = 0; d < 4; d++) {
				struct mxp_dim *dim = find_dim(store, hosts[h], c, d);
				int64_t v = mxp_dim_last_collected_value(dim);
				cr_expect_eq(mxp_dim_collections(dim), 2, "%s chart%u dim%u", hosts[h],
					     c, d);
				cr_expect_geq(v, 0);
				if (dim->algorithm == MXP_ALG_INCREMENTAL)
					cr_expect_geq(v, first[h][c][d],
						      "%s chart%u dim%u went back: %lld -> %lld",
						      hosts[h], c, d, (long long)first[h][c][d],
						      (long long)v);
			}
		}
	}

	mxp_synthetic_free(syn);
	/* the hosts stay in the store after the generator goes */
	cr_expect_not_null(mxp_host_find(store, "synthetic-0001"));
	mxp_store_free(store);
}

/* Many collections: counters never go back, absolute dims stay within 0..1000.00. */
Test(synthetic, values_stay_plausible)
{
	struct mxp_store *store = mxp_store_new(NULL);
	struct mxp_synthetic *syn = mxp_synthetic_new(store, 1, 8, 8, 1, 7);
	cr_assert_not_null(syn);
	struct mxp_host *host = mxp_host_find(store, "synthetic-0000");
	int64_t prev[64] = {0};

	for (int round = 0; round < 500; round++) {
		struct timeval t = {.tv_sec = 1700000000 + round};
		mxp_synthetic_collect(syn, &t);
		size_t i = 0;
		for (struct mxp_chart *c = mxp_host_charts(host); c != NULL; c = mxp_chart_next(c)) {
			for (struct mxp_dim *d = mxp_chart_dims(c); d != NULL;
			     d = mxp_dim_next(d), i++) {
				int64_t v = mxp_dim_last_collected_value(d);
				if (d->algorithm == MXP_ALG_INCREMENTAL) {
					cr_assert_geq(v, prev[i], "counter %s went back", d->id);
				} else {
					cr_assert_geq(v, 0);
					cr_assert_leq(v, 100000);
					cr_assert_eq(d->divisor, 100);
				}
				prev[i] = v;
			}
		}
		cr_assert_eq(i, 64);
	}
	mxp_synthetic_free(syn);
	mxp_store_free(store);
}

/* The same seed gives the same values; another seed, others. */
Test(synthetic, seeded)
{
	struct mxp_store *a = mxp_store_new(NULL), *b = mxp_store_new(NULL), *c = mxp_store_new(NULL);
	struct mxp_synthetic *sa = mxp_synthetic_new(a, 1, 2, 8, 1, 1234);
	struct mxp_synthetic *sb = mxp_synthetic_new(b, 1, 2, 8, 1, 1234);
	struct mxp_synthetic *sc = mxp_synthetic_new(c, 1, 2, 8, 1, 1235);
	struct timeval t = {.tv_sec = 1700000000};
	int differ = 0;

	cr_assert(sa && sb && sc);
	mxp_synthetic_collect(sa, &t);
	mxp_synthetic_collect(sb, &t);
	mxp_synthetic_collect(sc, &t);
	for (unsigned ch = 0; ch < 2; ch++) {
		for (unsigned d = 0; d < 8; d++) {
			int64_t va = mxp_dim_last_collected_value(find_dim(a, "synthetic-0000", ch, d));
			int64_t vb = mxp_dim_last_collected_value(find_dim(b, "synthetic-0000", ch, d));
			int64_t vc = mxp_dim_last_collected_value(find_dim(c, "synthetic-0000", ch, d));
			cr_expect_eq(va, vb);
			differ += va != vc;
		}
	}
	cr_expect_gt(differ, 0);
	mxp_synthetic_free(sa);
	mxp_synthetic_free(sb);
	mxp_synthetic_free(sc);
	mxp_store_free(a);
	mxp_store_free(b);
	mxp_store_free(c);
}

Test(synthetic, host_names_widen_past_9999)
{
	struct mxp_store *store = mxp_store_new(NULL);
	struct mxp_synthetic *syn = mxp_synthetic_new(store, 10001, 1, 1, 1, 0);

	cr_assert_not_null(syn, "new: %s", strerror(errno));
	cr_expect_not_null(mxp_host_find(store, "synthetic-000000"));
	cr_expect_not_null(mxp_host_find(store, "synthetic-010000"));
	cr_expect_null(mxp_host_find(store, "synthetic-0000"));
	cr_expect_eq(mxp_synthetic_series(syn), 10001);
	mxp_synthetic_free(syn);
	mxp_store_free(store);
}

Test(synthetic, failures)
{
	struct mxp_store *store = mxp_store_new(NULL);

	errno = 0;
	cr_expect_null(mxp_synthetic_new(store, 0, 1, 1, 1, 0));
	cr_expect_eq(errno, EINVAL);
	cr_expect_null(mxp_synthetic_new(store, 1, 1, 1, 0, 0));
	cr_expect_null(mxp_synthetic_new(store, 10000, 10000, 2, 1, 0));
	cr_expect_null(mxp_synthetic_new(store, 65536, 65536, 65536, 1, 0));
	cr_expect_null(mxp_store_hosts(store));

	/* a name clash half-way: what was added before it is removed again */
	cr_assert_not_null(mxp_host_add(store, "synthetic-0002", NULL, NULL, 0));
	errno = 0;
	cr_expect_null(mxp_synthetic_new(store, 4, 2, 2, 1, 0));
	cr_expect_eq(errno, EEXIST);
	cr_expect_null(mxp_host_find(store, "synthetic-0000"));
	cr_expect_null(mxp_host_find(store, "synthetic-0001"));
	cr_expect_not_null(mxp_host_find(store, "synthetic-0002"));
	cr_expect_null(mxp_host_find(store, "synthetic-0003"));
	mxp_synthetic_free(NULL);
	mxp_store_free(store);
}
