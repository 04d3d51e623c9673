/* test_store.c — the store: structure, netdata's algorithms, slots, gaps, removal. */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "collect/chart_read.h"
#include "collect/store_internal.h"

static struct mxp_store *store;
static struct mxp_host *host;

static void setup(void)
{
	struct mxp_store_options o = {.history = 8};
	store = mxp_store_new(&o);
	cr_assert_not_null(store);
	host = mxp_host_add(store, "h1", NULL, NULL, 0);
	cr_assert_not_null(host);
}

static void teardown(void)
{
	mxp_store_free(store);
}

static struct mxp_chart *chart(const char *type, const char *id, int ue)
{
	struct mxp_chart_def def = {.type = type, .id = id, .update_every = ue};
	struct mxp_chart *c = mxp_chart_add(host, &def);
	cr_assert_not_null(c);
	return c;
}

static void done_at(struct mxp_chart *c, time_t sec, long usec)
{
	struct timeval tv = {.tv_sec = sec, .tv_usec = usec};
	mxp_chart_done(c, &tv);
}

static double slot_at(const struct mxp_dim *d, time_t t)
{
	return mxp_dim_slot_at(d, t);
}

TestSuite(store, .init = setup, .fini = teardown);

Test(store, chart_fields_and_defaults)
{
	struct mxp_label l[] = {{"k", "v"}};
	struct mxp_chart_def def = {.type = "disk", .id = "sda", .name = "root", .family = "io", .units = "KiB/s",
				    .update_every = 2, .labels = l, .nlabels = 1};
	struct mxp_chart *c = mxp_chart_add(host, &def);
	cr_assert_not_null(c);
	cr_assert_str_eq(c->id, "disk.sda");
	cr_assert_str_eq(c->name, "disk.root");
	cr_assert_str_eq(c->type, "disk");
	cr_assert_str_eq(c->family, "io");
	cr_assert_str_eq(c->context, "disk.sda", "context defaults to the full id");
	cr_assert_str_eq(c->units, "KiB/s");
	cr_assert_str_eq(c->chart_type, "line");
	cr_assert_eq(c->update_every, 2);
	cr_assert_eq(c->nlabels, 1);
	cr_assert_str_eq(c->labels[0].value, "v");
	cr_assert(c->labels[0].name != l[0].name, "labels are copied");

	struct mxp_chart_def plain = {.type = "system", .id = "cpu", .update_every = 1};
	struct mxp_chart *p = mxp_chart_add(host, &plain);
	cr_assert_str_eq(p->name, "system.cpu", "name defaults to the id");
	cr_assert_str_eq(p->family, "cpu", "family defaults to the id");
}

Test(store, invalid_and_duplicate_objects)
{
	struct mxp_chart_def bad = {.type = "system", .id = "cpu", .update_every = 0};
	errno = 0;
	cr_assert_null(mxp_chart_add(host, &bad));
	cr_assert_eq(errno, EINVAL);

	chart("system", "cpu", 1);
	struct mxp_chart_def dup = {.type = "system", .id = "cpu", .update_every = 1};
	errno = 0;
	cr_assert_null(mxp_chart_add(host, &dup));
	cr_assert_eq(errno, EEXIST);

	errno = 0;
	cr_assert_null(mxp_host_add(store, "h1", NULL, NULL, 0));
	cr_assert_eq(errno, EEXIST);

	struct mxp_chart *c = mxp_chart_find(host, "system.cpu");
	cr_assert_not_null(mxp_dim_add(c, "user", NULL, 1, 1, MXP_ALG_ABSOLUTE));
	errno = 0;
	cr_assert_null(mxp_dim_add(c, "user", NULL, 1, 1, MXP_ALG_ABSOLUTE));
	cr_assert_eq(errno, EEXIST);
}

Test(store, objects_in_creation_order_and_found)
{
	struct mxp_host *h2 = mxp_host_add(store, "h2", "a=1", NULL, 0);
	struct mxp_host *h3 = mxp_host_add(store, "h3", "", NULL, 0);
	cr_assert(host->is_localhost, "the first host is localhost");
	cr_assert_not(h2->is_localhost);
	cr_assert_str_eq(h2->tags, "a=1");
	cr_assert_null(h3->tags, "empty tags are stored as none, as netdata");
	cr_assert_eq(mxp_store_hosts(store), host);
	cr_assert_eq(mxp_host_next(host), h2);
	cr_assert_eq(mxp_host_next(h2), h3);
	cr_assert_eq(mxp_host_find(store, "h3"), h3);
	cr_assert_null(mxp_host_find(store, "nope"));

	struct mxp_chart *a = chart("t", "a", 1), *b = chart("t", "b", 1);
	cr_assert_eq(mxp_host_charts(host), a);
	cr_assert_eq(mxp_chart_next(a), b);
	struct mxp_dim *d1 = mxp_dim_add(a, "x", "ex", 0, 0, MXP_ALG_ABSOLUTE);
	struct mxp_dim *d2 = mxp_dim_add(a, "y", NULL, -8, 1000, MXP_ALG_INCREMENTAL);
	cr_assert_eq(mxp_chart_dims(a), d1);
	cr_assert_eq(mxp_dim_next(d1), d2);
	cr_assert_eq(d1->multiplier, 1, "a zero multiplier becomes 1");
	cr_assert_eq(d1->divisor, 1, "a zero divisor becomes 1");
	cr_assert_str_eq(d1->name, "ex");
	cr_assert_str_eq(d2->name, "y");
	cr_assert_eq(mxp_dim_find(a, "y"), d2);
}

/* chart_read prefetches through `ahead`: the dim added MXP_DIM_AHEAD after, in the same
 * chart, whatever the adds to other charts in between. */
Test(store, each_dim_points_ahead_to_the_one_added_eight_after_it_in_its_chart)
{
	struct mxp_chart *a = chart("t", "a", 1), *b = chart("t", "b", 1);
	struct mxp_dim *da[20], *db[3];
	char id[16];
	for (int i = 0; i < 20; i++) {
		snprintf(id, sizeof(id), "d%d", i);
		da[i] = mxp_dim_add(a, id, NULL, 1, 1, MXP_ALG_ABSOLUTE);
		cr_assert_not_null(da[i]);
		if (i < 3) {
			db[i] = mxp_dim_add(b, id, NULL, 1, 1, MXP_ALG_ABSOLUTE);
			cr_assert_not_null(db[i]);
		}
	}
	for (int i = 0; i < 20; i++) {
		if (i + MXP_DIM_AHEAD < 20)
			cr_assert_eq(da[i]->ahead, da[i + MXP_DIM_AHEAD], "dim %d", i);
		else
			cr_assert_null(da[i]->ahead, "dim %d: nothing was added 8 after it", i);
	}
	for (int i = 0; i < 3; i++)
		cr_assert_null(db[i]->ahead, "chart b has 3 dims");
	/* a duplicate id is refused before it is linked: no `ahead` points to it */
	cr_assert_null(mxp_dim_add(a, "d3", NULL, 1, 1, MXP_ALG_ABSOLUTE));
	cr_assert_null(da[19]->ahead);
	cr_assert_null(da[12]->ahead);
}

Test(store, dims_added_one_after_another_lie_side_by_side)
{
	/* what the readers' speed rests on (dim_slab.h): a chart's dims in the order they
	 * were added, each right after the one before, whatever else was allocated */
	struct mxp_chart *a = chart("t", "a", 1);
	struct mxp_dim *prev = NULL;
	char id[32];
	for (int i = 0; i < 50; i++) {
		snprintf(id, sizeof(id), "dim-with-a-long-id-%d", i);
		struct mxp_dim *d = mxp_dim_add(a, id, NULL, 1, 1, MXP_ALG_ABSOLUTE);
		cr_assert_not_null(d);
		cr_assert_eq((uintptr_t)d % 64, 0, "dim %d on a line boundary", i);
		if (prev != NULL)
			cr_assert_eq((char *)d, (char *)prev + store->dim_slab.stride, "dim %d right after dim %d", i, i - 1);
		cr_assert_geq(store->dim_slab.stride, sizeof(struct mxp_dim));
		cr_assert_eq(d->col, (uint32_t)i, "its column: its place in the chart");
		prev = d;
	}
	/* the slot table: none until the chart's first update, which builds one of a
	 * column per dim, every cell a gap (first collections), on a line boundary */
	cr_assert_null(a->slots_own);
	cr_assert_null(mxp_chart_slots_of(prev), "no table before an update");
	done_at(a, 100, 0);
	const struct mxp_chart_slots *tab = mxp_chart_slots_of(prev);
	cr_assert_not_null(tab);
	cr_assert_eq(tab, a->slots_own);
	cr_assert_eq(tab->cap, 50);
	cr_assert_eq(tab->history, store->history);
	cr_assert_eq((uintptr_t)tab->cell % 64, 0);
	for (size_t i = 0; i < (size_t)tab->cap * tab->history; i++)
		cr_assert(isnan(tab->cell[i]), "cell %zu empty", i);
	/* and a head per column after the cells: each dim, its serial, and its times:
	 * not collected (no value set before the update), the update's slot a gap */
	cr_assert_eq((const char *)tab->cols, (const char *)&tab->cell[(size_t)tab->cap * tab->history]);
	int i = 0;
	for (const struct mxp_dim *d = a->dims; d != NULL; d = d->next, i++) {
		cr_assert_eq(tab->cols[i].dim, d, "column %d's dim", i);
		cr_assert_eq(tab->cols[i].serial, d->serial, "column %d's serial", i);
		cr_assert_eq(tab->cols[i].last_collected_usec, 0);
		cr_assert_eq(tab->cols[i].first_t, 100, "column %d: its first slot", i);
		cr_assert_eq(tab->cols[i].last_t, 100, "column %d", i);
	}
	cr_assert_eq(i, 50);
}

Test(store, times_past_2106_are_dropped_not_wrapped)
{
	/* a column's slot times are 32 bits (struct mxp_slot_col), as records' are */
	struct mxp_chart *c = chart("t", "far", 1);
	struct mxp_dim *d = mxp_dim_add(c, "x", NULL, 1, 1, MXP_ALG_ABSOLUTE);
	const time_t last = (time_t)UINT32_MAX;
	mxp_dim_set(d, 1);
	done_at(c, last - 1, 0);
	mxp_dim_set(d, 2);
	done_at(c, last, 0);
	cr_assert_eq(mxp_dim_last_t(d), last);
	cr_assert_float_eq(slot_at(d, last), 2.0, 1e-12);
	mxp_dim_set(d, 3);
	done_at(c, last + 1, 0);
	cr_assert_eq(d->collections, 2, "the update past 2106 was dropped");
	cr_assert_eq(mxp_store_updates_dropped(store), 1, "and counted");
	cr_assert_eq(mxp_dim_last_t(d), last);
	cr_assert_float_eq(slot_at(d, last), 2.0, 1e-12);
}

Test(store, a_history_past_the_bound_is_refused)
{
	struct mxp_store_options o = {.history = (1u << 24) + 1};
	errno = 0;
	cr_assert_null(mxp_store_new(&o));
	cr_assert_eq(errno, EINVAL);
	o.history = 1u << 24;
	struct mxp_store *s = mxp_store_new(&o);
	cr_assert_not_null(s, "the bound itself is taken (its dims cost 128 MiB each)");
	mxp_store_free(s);
}

Test(store, remove_unlinks_and_keeps_the_rest)
{
	struct mxp_chart *a = chart("t", "a", 1), *b = chart("t", "b", 1), *c = chart("t", "c", 1);
	mxp_dim_add(b, "x", NULL, 1, 1, MXP_ALG_ABSOLUTE);
	mxp_chart_remove(b);
	cr_assert_eq(mxp_chart_next(a), c);
	cr_assert_null(mxp_chart_find(host, "t.b"));
	mxp_chart_remove(c);
	cr_assert_null(mxp_chart_next(a));
	/* a chart added after removing the tail goes after the new tail */
	struct mxp_chart *d = chart("t", "d", 1);
	cr_assert_eq(mxp_chart_next(a), d);

	struct mxp_host *h2 = mxp_host_add(store, "h2", NULL, NULL, 0);
	mxp_host_remove(h2);
	cr_assert_null(mxp_host_next(host));
	struct mxp_host *h3 = mxp_host_add(store, "h3", NULL, NULL, 0);
	cr_assert_eq(mxp_host_next(host), h3);
	/* the store frees what is removed and what is not (ASan checks both) */
}

Test(store, algorithm_names_round_trip)
{
	const char *names[] = {"absolute", "incremental", "percentage-of-absolute-row",
			       "percentage-of-incremental-row"};
	for (int i = 0; i < 4; i++) {
		enum mxp_algorithm a;
		cr_assert_eq(mxp_algorithm_parse(names[i], &a), 0);
		cr_assert_eq((int)a, i);
		cr_assert_str_eq(mxp_algorithm_name(a), names[i]);
	}
	enum mxp_algorithm a;
	cr_assert_eq(mxp_algorithm_parse("Absolute", &a), -EINVAL);
}

Test(store, absolute_stores_from_the_second_collection)
{
	struct mxp_chart *c = chart("t", "abs", 1);
	struct mxp_dim *d = mxp_dim_add(c, "x", NULL, 3, 2, MXP_ALG_ABSOLUTE);
	mxp_dim_set(d, 10);
	done_at(c, 1000, 0);
	cr_assert(isnan(slot_at(d, 1000)), "netdata stores a dimension from its second collection on");
	cr_assert_eq(mxp_dim_first_t(d), 1000);
	cr_assert_eq(mxp_dim_last_t(d), 1000);
	cr_assert_eq(d->last_collected_value, 10);
	cr_assert_eq(d->collections, 1);

	mxp_dim_set(d, 11);
	done_at(c, 1001, 250000);
	cr_assert_float_eq(slot_at(d, 1001), 16.5, 1e-12, "11 * 3 / 2");
	cr_assert_eq(mxp_dim_last_t(d), 1001);
	cr_assert_eq(mxp_dim_last_collected_usec(d), 1001250000LL);
	cr_assert_eq(d->collections, 2);
}

Test(store, incremental_is_a_rate_per_second_and_resets_count_zero)
{
	struct mxp_chart *c = chart("net", "eth0", 1);
	struct mxp_dim *d = mxp_dim_add(c, "received", NULL, 8, 1000, MXP_ALG_INCREMENTAL);
	mxp_dim_set(d, 1000);
	done_at(c, 2000, 0);
	mxp_dim_set(d, 3000);
	done_at(c, 2001, 0);
	cr_assert_float_eq(slot_at(d, 2001), 16.0, 1e-12, "2000 bytes in 1 s * 8 / 1000");
	mxp_dim_set(d, 7000);
	done_at(c, 2003, 0);
	cr_assert_float_eq(slot_at(d, 2003), 16.0, 1e-12, "4000 bytes over 2 s");
	cr_assert(isnan(slot_at(d, 2002)), "the skipped slot is a gap");
	mxp_dim_set(d, 5);
	done_at(c, 2004, 0);
	cr_assert_float_eq(slot_at(d, 2004), 0.0, 1e-12, "a counter that went back counts 0");
}

/* Two collections of opposite signs more than LLONG_MAX apart: the change is exact (its
 * signed difference would overflow; fuzz_plugin_protocol found it), for the rate and for
 * the percentage of the row's growth. */
Test(store, a_change_past_llong_max_is_exact)
{
	struct mxp_chart *c = chart("net", "far", 1);
	struct mxp_dim *d = mxp_dim_add(c, "x", NULL, 1, 1, MXP_ALG_INCREMENTAL);
	struct mxp_dim *p = mxp_dim_add(c, "p", NULL, 1, 1, MXP_ALG_PCENT_OVER_DIFF);
	mxp_dim_set(d, -5);
	mxp_dim_set(p, -5);
	done_at(c, 3000, 0);
	mxp_dim_set(d, LLONG_MAX);
	mxp_dim_set(p, LLONG_MAX);
	done_at(c, 3001, 0);
	/* LLONG_MAX + 5 = 2^63 + 4, per second; as a double: 2^63 */
	cr_assert_eq(slot_at(d, 3001), (double)((long double)LLONG_MAX + 5), "%a", slot_at(d, 3001));
	cr_assert_eq(slot_at(d, 3001), 0x1p63);
	/* the row grew by 2 * (2^63 + 4); p's share of it is half */
	cr_assert_float_eq(slot_at(p, 3001), 50.0, 1e-12);
}

Test(store, percentages_of_the_row_and_of_its_growth)
{
	struct mxp_chart *c = chart("system", "cpu", 1);
	struct mxp_dim *a = mxp_dim_add(c, "a", NULL, 1, 1, MXP_ALG_PCENT_OVER_ROW);
	struct mxp_dim *b = mxp_dim_add(c, "b", NULL, 1, 1, MXP_ALG_PCENT_OVER_ROW);
	struct mxp_chart *c2 = chart("system", "cpu2", 1);
	struct mxp_dim *u = mxp_dim_add(c2, "user", NULL, 1, 1, MXP_ALG_PCENT_OVER_DIFF);
	struct mxp_dim *i = mxp_dim_add(c2, "idle", NULL, 1, 1, MXP_ALG_PCENT_OVER_DIFF);

	mxp_dim_set(a, 1);
	mxp_dim_set(b, 3);
	done_at(c, 100, 0);
	mxp_dim_set(a, 1);
	mxp_dim_set(b, 3);
	done_at(c, 101, 0);
	cr_assert_float_eq(slot_at(a, 101), 25.0, 1e-12);
	cr_assert_float_eq(slot_at(b, 101), 75.0, 1e-12);

	mxp_dim_set(u, 100);
	mxp_dim_set(i, 900);
	done_at(c2, 100, 0);
	mxp_dim_set(u, 130);
	mxp_dim_set(i, 1000);
	done_at(c2, 101, 0);
	cr_assert_float_eq(slot_at(u, 101), 30.0 * 100 / 130, 1e-12);
	cr_assert_float_eq(slot_at(i, 101), 100.0 * 100 / 130, 1e-12);
	mxp_dim_set(u, 130);
	mxp_dim_set(i, 1000);
	done_at(c2, 102, 0);
	cr_assert_float_eq(slot_at(u, 102), 0.0, 1e-12, "no growth: netdata stores 0");
}

Test(store, a_dim_not_set_gets_a_gap_and_keeps_its_last_collection)
{
	struct mxp_chart *c = chart("t", "g", 1);
	struct mxp_dim *x = mxp_dim_add(c, "x", NULL, 1, 1, MXP_ALG_ABSOLUTE);
	struct mxp_dim *y = mxp_dim_add(c, "y", NULL, 1, 1, MXP_ALG_ABSOLUTE);
	for (time_t t = 10; t <= 12; t++) {
		mxp_dim_set(x, t);
		if (t != 12)
			mxp_dim_set(y, t);
		done_at(c, t, 0);
	}
	cr_assert_float_eq(slot_at(x, 12), 12.0, 1e-12);
	cr_assert(isnan(slot_at(y, 12)));
	cr_assert_eq(mxp_dim_last_t(y), 12, "the gap is a slot too");
	cr_assert_eq(y->last_collected_value, 11);
	cr_assert_eq(mxp_dim_last_collected_usec(y), 11000000LL);
}

Test(store, ring_wraps_and_oldest_follows)
{
	struct mxp_chart *c = chart("t", "w", 2);
	struct mxp_dim *d = mxp_dim_add(c, "x", NULL, 1, 1, MXP_ALG_ABSOLUTE);
	for (time_t t = 1000; t < 1040; t += 2) {
		mxp_dim_set(d, t);
		done_at(c, t + 1, 0); /* odd times align down to the 2 s slot grid */
	}
	cr_assert_eq(mxp_ring_query_ops.latest_time(NULL, d), 1038);
	cr_assert_eq(mxp_ring_query_ops.oldest_time(NULL, d), 1038 - 7 * 2, "8 slots of history");
	cr_assert_float_eq(slot_at(d, 1024), 1024.0, 1e-12);

	/* a jump longer than the history leaves only gaps behind the new point */
	mxp_dim_set(d, 5);
	done_at(c, 2000, 0);
	for (time_t t = 2000 - 14; t < 2000; t += 2)
		cr_assert(isnan(slot_at(d, t)), "slot %ld should be a gap", (long)t);
	cr_assert_float_eq(slot_at(d, 2000), 5.0, 1e-12);
}

/* The chart_read tests' own store (their windows reach further back than the suite's
 * history): the default history, a host, and the chart t.<id> of update every 1. */
static struct mxp_chart *own_store_chart(const char *id, struct mxp_store **out)
{
	struct mxp_store *s = mxp_store_new(NULL);
	cr_assert_not_null(s);
	struct mxp_host *h = mxp_host_add(s, "h", NULL, NULL, 0);
	cr_assert_not_null(h);
	struct mxp_chart *c = mxp_chart_add(h, &(const struct mxp_chart_def){.type = "t", .id = id, .update_every = 1});
	cr_assert_not_null(c);
	*out = s;
	return c;
}

/* c's window read twice: by chart_read's path for mxp's ring (fast: the slot table's
 * columns), and by the generic one (slow: the same ops at another address, the dims'
 * list), each of ndims dims at most: the same dims, in the same order, with their
 * serials. Returns how many were read. */
static size_t read_fast_and_generic(const struct mxp_chart *c, enum mxp_source source, time_t after, time_t before,
				    size_t ndims, struct mxp_chart_reading *fast, struct mxp_chart_reading *slow)
{
	const struct mxp_query_ops generic = mxp_ring_query_ops;
	cr_assert_eq(mxp_chart_read(c, source, after, before, &mxp_ring_query_ops, NULL, fast), 0);
	cr_assert_eq(mxp_chart_read(c, source, after, before, &generic, NULL, slow), 0);
	cr_assert_eq(fast->ndims, slow->ndims);
	cr_assert_leq(fast->ndims, ndims);
	for (size_t i = 0; i < fast->ndims; i++) {
		cr_assert_eq(fast->dims[i].dim, slow->dims[i].dim, "reading %zu", i);
		cr_assert_eq(fast->dims[i].serial, fast->dims[i].dim->serial, "reading %zu", i);
		cr_assert_eq(slow->dims[i].serial, slow->dims[i].dim->serial, "reading %zu", i);
	}
	return fast->ndims;
}

Test(store, an_update_trims_the_slot_table_to_its_dims)
{
	/* the first update builds a table of the chart's 3 dims; dims added after it
	 * double the table (6, 12 ... 96 columns for 50); the next update fits it to the
	 * dims, keeping the values */
	struct mxp_chart *c = chart("t", "trim", 1);
	struct mxp_dim *dims[50];
	char id[16];
	for (int i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "d%d", i);
		dims[i] = mxp_dim_add(c, id, NULL, 1, 1, MXP_ALG_ABSOLUTE);
		cr_assert_not_null(dims[i]);
	}
	cr_assert_null(c->slots, "no table before the first update");
	for (time_t t = 100; t <= 102; t++) {
		for (int i = 0; i < 3; i++)
			mxp_dim_set(dims[i], 10 * i + t);
		done_at(c, t, 0);
	}
	cr_assert_eq(c->slots->cap, 3, "as many columns as dims");
	for (int i = 3; i < 50; i++) {
		snprintf(id, sizeof(id), "d%d", i);
		dims[i] = mxp_dim_add(c, id, NULL, 1, 1, MXP_ALG_ABSOLUTE);
		cr_assert_not_null(dims[i]);
	}
	cr_assert_eq(c->slots->cap, 96, "doubled from 3 as the dims came");
	for (int i = 0; i < 96; i++) {
		/* the heads: the first 3 copied, with their times; the added dims' published
		 * in the wide table, times 0 until stored; the rest empty */
		const struct mxp_slot_col *h = &c->slots->cols[i];
		cr_assert_eq(h->dim, i < 50 ? dims[i] : NULL, "column %d", i);
		cr_assert_eq(h->serial, i < 50 ? dims[i]->serial : 0, "column %d", i);
		cr_assert_eq(h->last_t, i < 3 ? 102u : 0u, "column %d", i);
		cr_assert_eq(h->first_t, i < 3 ? 100u : 0u, "column %d", i);
	}
	for (int i = 0; i < 50; i++)
		mxp_dim_set(dims[i], 10 * i + 103);
	done_at(c, 103, 0);
	cr_assert_eq(c->slots->cap, 50);
	for (int i = 0; i < 3; i++)
		for (time_t t = 101; t <= 103; t++)
			cr_assert_eq(mxp_dim_slot_at(dims[i], t), 10.0 * i + t, "dim %d at %ld", i, (long)t);
	for (int i = 3; i < 50; i++)
		cr_assert(isnan(mxp_dim_slot_at(dims[i], 103)), "dim %d: its first collection is a gap", i);
	for (int i = 0; i < 50; i++) {
		cr_assert_eq(c->slots->cols[i].dim, dims[i], "column %d kept its dim", i);
		cr_assert_eq(mxp_dim_first_t(dims[i]), i < 3 ? 100 : 103, "dim %d", i);
		cr_assert_eq(mxp_dim_last_t(dims[i]), 103, "dim %d", i);
	}
}

Test(store, dims_added_between_updates_keep_every_stored_value)
{
	/* the slot table widens at columns 1, 2, 4 and 8 and is fitted back at each update:
	 * each time every stored value is copied to the new table, and new columns start
	 * as gaps. Dim i is added
	 * before update i and set to 1000 * i + t from then on; netdata stores a dim from
	 * its second collection, so its cell at t holds that for t > 100 + i. */
	enum { NDIMS = 9 };
	struct mxp_chart *c = chart("t", "widen", 1);
	struct mxp_dim *dims[NDIMS];
	char id[16];
	const struct mxp_chart_slots *first = NULL;
	for (int i = 0; i < NDIMS; i++) {
		snprintf(id, sizeof(id), "d%d", i);
		dims[i] = mxp_dim_add(c, id, NULL, 1, 1, MXP_ALG_ABSOLUTE);
		cr_assert_not_null(dims[i]);
		for (int k = 0; k <= i; k++)
			mxp_dim_set(dims[k], 1000 * k + 100 + i);
		done_at(c, 100 + i, 0);
		if (i == 0)
			first = c->slots;
	}
	cr_assert_eq(c->slots->cap, NDIMS);
	cr_assert_neq(c->slots, first, "a wider table replaced the first");
	/* history 8: times 101..108 are in the ring */
	for (int k = 0; k < NDIMS; k++)
		for (time_t t = 101; t <= 100 + NDIMS - 1; t++) {
			double v = mxp_dim_slot_at(dims[k], t);
			if (t > 100 + k)
				cr_assert_eq(v, 1000.0 * k + t, "dim %d at %ld: %g", k, (long)t, v);
			else
				cr_assert(isnan(v), "dim %d at %ld: a gap before its second collection, not %g", k,
					  (long)t, v);
		}
	/* and the readers find the same: sums over the window, fast and generic */
	struct mxp_chart_reading fast = {0}, slow = {0};
	read_fast_and_generic(c, MXP_SOURCE_SUM, 103, 110, NDIMS, &fast, &slow);
	for (int k = 0; k < NDIMS; k++) {
		/* the window steps back two slots and leaves its newest out: 101..107 */
		long double want = 0;
		int points = 0;
		for (time_t t = 101; t <= 107; t++)
			if (t > 100 + k) {
				want += 1000.0L * k + t;
				points++;
			}
		if (points == 0) {
			cr_assert(isnan(fast.dims[k].v.value), "dim %d has nothing in the window", k);
			cr_assert(isnan(slow.dims[k].v.value), "dim %d has nothing in the window (generic)", k);
		} else {
			cr_assert_eq(fast.dims[k].v.value, want, "dim %d: %Lg, want %Lg", k, fast.dims[k].v.value, want);
			cr_assert_eq(slow.dims[k].v.value, want, "dim %d (generic)", k);
		}
	}
	mxp_chart_reading_free(&fast);
	mxp_chart_reading_free(&slow);
}

Test(store, chart_read_as_collected_and_stored)
{
	/* this test's window reaches 14 s back */
	struct mxp_store *big;
	struct mxp_chart *c = own_store_chart("r", &big);
	struct mxp_dim *x = mxp_dim_add(c, "x", NULL, 1, 1, MXP_ALG_ABSOLUTE);
	struct mxp_dim *y = mxp_dim_add(c, "y", NULL, 1, 1, MXP_ALG_ABSOLUTE);
	for (time_t t = 995; t <= 1012; t++) {
		mxp_dim_set(x, t - 990);
		if (t < 1000)
			mxp_dim_set(y, 1); /* y stops being collected at 1000 */
		done_at(c, t, 500000);
	}
	struct mxp_chart_reading r = {0};
	cr_assert_eq(mxp_chart_read(c, MXP_SOURCE_AS_COLLECTED, 1000, 1010, &mxp_ring_query_ops, NULL, &r), 0);
	cr_assert_eq(r.ndims, 1, "y left out: not collected since the window's start");
	cr_assert_eq(r.dims[0].dim, x);
	cr_assert_eq(r.dims[0].v.collected.value, 22);
	cr_assert_eq(r.dims[0].t, 1012, "its own collection time, whole seconds");

	cr_assert_eq(mxp_chart_read(c, MXP_SOURCE_AVERAGE, 1000, 1010, &mxp_ring_query_ops, NULL, &r), 0);
	cr_assert_eq(r.ndims, 1, "y left out");
	cr_assert_eq(r.dims[0].dim, x);
	cr_assert_eq(r.dims[0].serial, x->serial);
	cr_assert_float_eq((double)r.dims[0].v.value, 12.5, 1e-12, "FORMATS.md §7 worked example");
	cr_assert_eq(r.dims[0].t, 1007);
	mxp_chart_reading_free(&r);
	mxp_store_free(big);
}

/* chart_read.c adds two dims' points in one loop when their spans match, one at a time
 * otherwise: each value must be, to the bit, what the generic path (mxp_stored_value
 * over the same ring) gives. Dims that start late, stop early, skip updates (gaps),
 * with fractional values, an odd count, over windows inside and across the data. */
Test(store, chart_read_pairs_dims_and_matches_the_generic_path_to_the_bit)
{
	struct mxp_store *big;
	struct mxp_chart *c = own_store_chart("pairs", &big);
	enum { NDIMS = 13 };
	struct mxp_dim *d[NDIMS];
	char id[16];
	for (int i = 0; i < NDIMS; i++) {
		snprintf(id, sizeof(id), "d%d", i);
		d[i] = mxp_dim_add(c, id, NULL, i % 3 == 0 ? -1 : 1, 7 + i, i == 5 ? MXP_ALG_INCREMENTAL : MXP_ALG_ABSOLUTE);
		cr_assert_not_null(d[i]);
	}
	uint64_t seed = 42;
	for (time_t t = 970; t <= 1030; t++) {
		for (int i = 0; i < NDIMS; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			const bool started = t >= 970 + (i % 4) * 6, stopped = i == 7 && t > 1010;
			const bool skipped = i % 5 == 1 && (t % 7 == 0 || t % 11 == 0);
			if (started && !stopped && !skipped)
				mxp_dim_set(d[i], (long long)(seed >> 40) + (long long)t * 1000);
		}
		done_at(c, t, 250000);
	}
	static const time_t windows[][2] = {{1000, 1010}, {990, 1012}, {960, 975}, {1020, 1040}, {1001, 1029}, {975, 985}};
	static const enum mxp_source sources[] = {MXP_SOURCE_AVERAGE, MXP_SOURCE_SUM};
	struct mxp_chart_reading fast = {0}, slow = {0};
	unsigned compared = 0, nans = 0;
	size_t left_out = 0;
	for (size_t w = 0; w < sizeof(windows) / sizeof(windows[0]); w++) {
		for (size_t k = 0; k < 2; k++) {
			const size_t n = read_fast_and_generic(c, sources[k], windows[w][0], windows[w][1], NDIMS,
							       &fast, &slow);
			left_out += NDIMS - n;
			for (size_t i = 0; i < n; i++) {
				const struct mxp_dim_reading *a = &fast.dims[i], *b = &slow.dims[i];
				if (isnan(a->v.value) || isnan(b->v.value)) {
					cr_assert(isnan(a->v.value) && isnan(b->v.value), "window %zu source %zu dim %zu: %Lg vs %Lg", w, k,
						  i, a->v.value, b->v.value);
					nans++;
					continue;
				}
				/* the 80 bits that hold the value, not the padding */
				cr_assert_eq(memcmp(&a->v.value, &b->v.value, 10), 0, "window %zu source %zu dim %zu: %.21Lg vs %.21Lg", w,
					     k, i, a->v.value, b->v.value);
				cr_assert_eq(a->t, b->t, "window %zu dim %zu", w, i);
				compared++;
			}
		}
	}
	cr_assert_gt(compared, 80, "values compared: %u", compared);
	cr_assert_gt(nans, 0, "some dims had nothing in some windows");
	cr_assert_gt(left_out, 0, "some dims were not collected since some windows' start");
	mxp_chart_reading_free(&fast);
	mxp_chart_reading_free(&slow);
	mxp_store_free(big);
}

/* Integer values, where a faster sum would be tempting (an int64 sum is exact for
 * integers below 2^31: tried, and slower, docs/ARCHITECTURE.md), must also come out to
 * the bit as the generic path gives them: integers across the whole range (d0), zeros
 * that are -0.0 (d1: multiplier -1, nothing else after t = 1015: the seed's 0.0L + -0.0
 * is +0), values at and past 2^31 (d2), halves in some windows only (d3: divisor 2, odd
 * values after t = 1005), values past 2^53 (d4), beside plain integers (d5). */
Test(store, chart_read_matches_the_generic_path_on_integers_zeros_and_large_values)
{
	struct mxp_store *big;
	struct mxp_chart *c = own_store_chart("ints", &big);
	enum { NDIMS = 6 };
	static const long mult[NDIMS] = {1, -1, 1, 1, 1, 1}, div[NDIMS] = {1, 1, 1, 2, 1, 1};
	struct mxp_dim *d[NDIMS];
	char id[16];
	for (int i = 0; i < NDIMS; i++) {
		snprintf(id, sizeof(id), "d%d", i);
		d[i] = mxp_dim_add(c, id, NULL, mult[i], div[i], MXP_ALG_ABSOLUTE);
		cr_assert_not_null(d[i]);
	}
	const long long two31 = 1ll << 31;
	uint64_t seed = 7;
	for (time_t t = 970; t <= 1030; t++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		const long long r = (long long)(seed >> 33) - two31 / 2; /* within +-2^30 */
		const long long near31[] = {two31 - 1, -(two31 - 1), two31, -two31, two31 + 1, 3};
		mxp_dim_set(d[0], t % 2 ? r * 2 + 1 : (two31 - 1) - (long long)(seed >> 34));
		mxp_dim_set(d[1], t % 3 == 0 || t > 1015 ? 0 : r % 1000);
		mxp_dim_set(d[2], t < 1000 ? r % 5 : near31[t % 6]);
		mxp_dim_set(d[3], t <= 1005 ? 2 * (r % 100000) : 2 * (r % 100000) + 1);
		mxp_dim_set(d[4], t % 10 == 0 ? (1ll << 53) + 1 + t : r);
		mxp_dim_set(d[5], r / 3);
		done_at(c, t, 250000);
	}
	static const time_t windows[][2] = {{980, 990}, {990, 1001}, {1000, 1005}, {1000, 1010}, {1004, 1012},
					    {1008, 1018}, {1021, 1029}, {960, 1040}};
	static const enum mxp_source sources[] = {MXP_SOURCE_AVERAGE, MXP_SOURCE_SUM};
	struct mxp_chart_reading fast = {0}, slow = {0};
	unsigned compared = 0, fractional = 0, zero = 0, negative_zero = 0;
	for (size_t w = 0; w < sizeof(windows) / sizeof(windows[0]); w++) {
		for (size_t k = 0; k < 2; k++) {
			cr_assert_eq(read_fast_and_generic(c, sources[k], windows[w][0], windows[w][1], NDIMS, &fast, &slow),
				     NDIMS, "window %zu: every dim", w);
			for (int i = 0; i < NDIMS; i++) {
				const struct mxp_dim_reading *a = &fast.dims[i], *b = &slow.dims[i];
				cr_assert_eq(memcmp(&a->v.value, &b->v.value, 10), 0, "window %zu source %zu dim %d: %.21Lg vs %.21Lg",
					     w, k, i, a->v.value, b->v.value);
				fractional += a->v.value != floorl(a->v.value);
				zero += a->v.value == 0;
				negative_zero += a->v.value == 0 && signbit(a->v.value);
				compared++;
			}
		}
	}
	cr_assert_eq(compared, 8 * 2 * NDIMS);
	cr_assert_gt(fractional, 0, "some windows' values are not integers");
	cr_assert_gt(zero, 0, "d1's window of -0.0 values");
	cr_assert_eq(negative_zero, 0, "a sum of zeros is +0, as the seed's 0.0L + -0.0");
	mxp_chart_reading_free(&fast);
	mxp_chart_reading_free(&slow);
	mxp_store_free(big);
}

static void *no_memory(size_t alignment, size_t size)
{
	(void)alignment;
	(void)size;
	errno = ENOMEM;
	return NULL;
}

Test(store, an_update_without_memory_for_its_table_is_dropped_and_counted)
{
	/* the chart's first update builds its slot table: without memory for it the
	 * update has nowhere to go; it is counted (the exporter logs the count), and the
	 * next update with memory starts the chart as a first one would */
	struct mxp_chart *c = chart("t", "nomem", 1);
	struct mxp_dim *d = mxp_dim_add(c, "x", NULL, 1, 1, MXP_ALG_ABSOLUTE);
	cr_assert_eq(mxp_store_updates_dropped(store), 0);
	store->table_alloc = no_memory;
	for (time_t t = 100; t < 103; t++) {
		mxp_dim_set(d, 5);
		done_at(c, t, 0);
	}
	cr_assert_eq(mxp_store_updates_dropped(store), 3);
	cr_assert_null(c->slots, "no table");
	cr_assert_eq(d->collections, 0, "nothing kept");
	cr_assert_not(d->pending_set, "the value set for the dropped update is not carried over");
	store->table_alloc = aligned_alloc;
	mxp_dim_set(d, 6);
	done_at(c, 103, 0);
	mxp_dim_set(d, 7);
	done_at(c, 104, 0);
	cr_assert_eq(mxp_store_updates_dropped(store), 3);
	cr_assert_eq(d->collections, 2);
	cr_assert(isnan(slot_at(d, 103)), "its first kept collection, a gap as any first one");
	cr_assert_float_eq(slot_at(d, 104), 7.0, 1e-12);
	/* a wider table that cannot be had leaves the chart's table as it was */
	store->table_alloc = no_memory;
	errno = 0;
	struct mxp_dim *y = mxp_dim_add(c, "y", NULL, 1, 1, MXP_ALG_ABSOLUTE);
	cr_assert_null(y, "no column for it");
	cr_assert_eq(errno, ENOMEM);
	store->table_alloc = aligned_alloc;
	cr_assert_float_eq(slot_at(d, 104), 7.0, 1e-12);
	cr_assert_null(mxp_dim_find(c, "y"));
}

Test(store, times_before_the_epoch_are_dropped_not_written_out_of_bounds)
{
	/* found by stress_pipeline: a writer whose clock was still 0 stored at t = -5,
	 * a negative slot index that corrupted the heap */
	struct mxp_chart *c = chart("t", "neg", 2);
	struct mxp_dim *d = mxp_dim_add(c, "x", NULL, 1, 1, MXP_ALG_ABSOLUTE);
	for (time_t t = -9; t <= 1; t++) {
		mxp_dim_set(d, 7);
		done_at(c, t, 0);
	}
	cr_assert_eq(d->collections, 0, "nothing before 1970 + update every was taken");
	cr_assert_eq(mxp_store_updates_dropped(store), 11, "each update counted");
	cr_assert_eq(mxp_dim_last_t(d), 0);
	for (time_t t = 2; t < 2 + 2 * (time_t)store->history; t += 2)
		cr_assert(isnan(mxp_dim_slot_at(d, t)));
	mxp_dim_set(d, 7);
	done_at(c, 2, 0);
	mxp_dim_set(d, 8);
	done_at(c, 4, 0);
	cr_assert_eq(d->collections, 2);
	cr_assert_float_eq(slot_at(d, 4), 8.0, 1e-12, "the first valid times work as usual");
}
