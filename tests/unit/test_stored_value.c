/* test_stored_value.c — the seed's backend_calculate_value_from_stored_data (FORMATS.md
 * §7), through a query interface over a plain array, so the arithmetic is tested apart
 * from the ring store (and the interface is shown to take an agent's own database). */
#include <criterion/criterion.h>
#include <math.h>

#include "collect/stored_value.h"

/* A toy database: one series with points at first..last every U, value[t] or a gap. */
struct toy_db {
	time_t first, last;
	int U;
	double values[256]; /* indexed by (t - first) / U */
	unsigned calls;
};

static time_t toy_oldest(void *db, const struct mxp_dim *d)
{
	(void)d;
	return ((struct toy_db *)db)->first;
}

static time_t toy_latest(void *db, const struct mxp_dim *d)
{
	(void)d;
	return ((struct toy_db *)db)->last;
}

static void toy_foreach(void *db, const struct mxp_dim *d, time_t after, time_t before, mxp_query_point_fn fn,
			void *arg)
{
	(void)d;
	struct toy_db *t = db;
	t->calls++;
	cr_assert_geq(after, t->first, "the calculation asks only for what the db holds");
	cr_assert_leq(before, t->last);
	for (time_t x = after; x <= before; x += t->U)
		fn(arg, x, t->values[(x - t->first) / t->U]);
}

static const struct mxp_query_ops toy_ops = {toy_oldest, toy_latest, toy_foreach};

/* The worked example's database: U=1, data for 995..1012, v(t) = t - 990. */
static void worked_db(struct toy_db *db)
{
	*db = (struct toy_db){.first = 995, .last = 1012, .U = 1};
	for (time_t t = 995; t <= 1012; t++)
		db->values[t - 995] = (double)(t - 990);
}

static long double calc(struct toy_db *db, enum mxp_source src, time_t after, time_t before, time_t *first,
			time_t *last)
{
	return mxp_stored_value(&toy_ops, db, NULL, db->U, src, after, before, first, last);
}

Test(stored_value, worked_example_average_and_sum)
{
	struct toy_db db;
	worked_db(&db);
	time_t first = 0, last = 0;
	long double avg = calc(&db, MXP_SOURCE_AVERAGE, 1000, 1010, &first, &last);
	cr_assert_eq(first, 998);
	cr_assert_eq(last, 1007, "the reported timestamp is the window's last point");
	cr_assert_eq(avg, 12.5L);
	long double sum = calc(&db, MXP_SOURCE_SUM, 1000, 1010, &first, &last);
	cr_assert_eq(sum, 125.0L, "points 998..1007 hold 8..17");
}

Test(stored_value, a_gap_is_skipped_not_counted)
{
	struct toy_db db;
	worked_db(&db);
	db.values[1003 - 995] = NAN;
	time_t first, last;
	long double avg = calc(&db, MXP_SOURCE_AVERAGE, 1000, 1010, &first, &last);
	cr_assert_eq(avg, 112.0L / 9.0L, "count 9, sum 112");
	cr_assert_eq(calc(&db, MXP_SOURCE_SUM, 1000, 1010, &first, &last), 112.0L);
}

Test(stored_value, consecutive_windows_tile_without_gap_or_overlap)
{
	struct toy_db db;
	worked_db(&db);
	time_t f1, l1, f2, l2;
	calc(&db, MXP_SOURCE_SUM, 1000, 1010, &f1, &l1);
	db.last = 1030;
	for (time_t t = 1013; t <= 1030; t++)
		db.values[t - 995] = (double)(t - 990);
	calc(&db, MXP_SOURCE_SUM, 1010, 1020, &f2, &l2);
	cr_assert_eq(f2, 1008);
	cr_assert_eq(l2, 1017);
	cr_assert_eq(f2, l1 + 1);
}

Test(stored_value, update_every_larger_than_the_window_gives_one_point)
{
	struct toy_db db = {.first = 900, .last = 1010, .U = 10};
	for (int i = 0; i <= 11; i++)
		db.values[i] = 100 + i; /* value at 900 + 10 i */
	time_t first, last;
	long double v = calc(&db, MXP_SOURCE_AVERAGE, 1000, 1010, &first, &last);
	cr_assert_eq(first, 980);
	cr_assert_eq(last, 980, "A=980, B=990-10=980: a single point");
	cr_assert_eq(v, 108.0L);
}

Test(stored_value, after_greater_than_before_is_clamped_to_before)
{
	struct toy_db db;
	worked_db(&db);
	time_t first, last;
	/* after > before: A is set to B, one point */
	long double v = calc(&db, MXP_SOURCE_SUM, 1009, 1005, &first, &last);
	cr_assert_eq(first, 1002);
	cr_assert_eq(last, 1002);
	cr_assert_eq(v, 12.0L);
}

Test(stored_value, window_clamped_to_the_database)
{
	struct toy_db db;
	worked_db(&db);
	db.first = 1003; /* the db starts inside the window */
	for (time_t t = 1003; t <= 1012; t++)
		db.values[t - 1003] = (double)(t - 990);
	time_t first, last;
	long double v = calc(&db, MXP_SOURCE_SUM, 1000, 1010, &first, &last);
	cr_assert_eq(first, 1003);
	cr_assert_eq(last, 1007);
	cr_assert_eq(v, 13.0L + 14 + 15 + 16 + 17);

	db.last = 1005; /* and ends inside it */
	v = calc(&db, MXP_SOURCE_SUM, 1000, 1010, &first, &last);
	cr_assert_eq(last, 1005);
	cr_assert_eq(v, 13.0L + 14 + 15);
}

Test(stored_value, out_of_range_is_nan_without_reading)
{
	struct toy_db db;
	worked_db(&db);
	db.first = 1009; /* data only from 1009: A raised to 1009, B=1007 < F */
	time_t first = -1, last = -1;
	cr_assert(isnan(calc(&db, MXP_SOURCE_AVERAGE, 1000, 1010, &first, &last)));
	cr_assert_eq(db.calls, 0);
	cr_assert_eq(first, -1, "timestamps untouched on NaN");

	worked_db(&db);
	db.last = 990; /* data ended before the window */
	cr_assert(isnan(calc(&db, MXP_SOURCE_AVERAGE, 1000, 1010, &first, &last)));

	struct toy_db empty = {.first = 0, .last = 0, .U = 1};
	cr_assert(isnan(calc(&empty, MXP_SOURCE_SUM, 1000, 1010, &first, &last)), "an empty db");
}

Test(stored_value, all_gaps_is_nan)
{
	struct toy_db db;
	worked_db(&db);
	for (int i = 0; i < 256; i++)
		db.values[i] = NAN;
	time_t first, last;
	cr_assert(isnan(calc(&db, MXP_SOURCE_AVERAGE, 1000, 1010, &first, &last)));
	cr_assert(isnan(calc(&db, MXP_SOURCE_SUM, 1000, 1010, &first, &last)));
	cr_assert_eq(db.calls, 2, "it did read before finding nothing");
}

Test(stored_value, alignment_to_the_chart_grid)
{
	/* U=5, after=1003, before=1028: A=993->990, B=1018->1015-5=1010 */
	struct toy_db db = {.first = 900, .last = 1100, .U = 5};
	for (int i = 0; i <= 40; i++)
		db.values[i] = 1;
	time_t first, last;
	long double v = calc(&db, MXP_SOURCE_SUM, 1003, 1028, &first, &last);
	cr_assert_eq(first, 990);
	cr_assert_eq(last, 1010);
	cr_assert_eq(v, 5.0L, "990, 995, 1000, 1005, 1010");
}
