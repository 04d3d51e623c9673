/* store_values.c — the writer's side of values (mxp_dim_set, mxp_chart_done) and the
 * built-in ring database read through mxp_query_ops.
 *
 * Producer: the chart's one writer thread. Consumers: any number of reader threads.
 * Ordering: mxp_chart_done() publishes every dim of the chart between
 * ck_sequence_write_begin and ck_sequence_write_end (which carry the store fences); a
 * reader copies the [seq] fields between ck_sequence_read_begin and _retry (which carry
 * the load fences) and discards the copy if the sequence moved. All [seq] fields are
 * accessed with ck_pr loads/stores, so a concurrent read is a retried read, not a race.
 *
 * Stored values follow netdata's algorithms (rrdset_done), without its interpolation to
 * slot boundaries: a collection's value is stored in the slot its time falls in. See
 * docs/COMPAT.md.
 */
#include <sys/time.h>

#include "collect/store_internal.h"

#define USEC_PER_SEC 1000000LL

void mxp_dim_set(struct mxp_dim *d, long long value)
{
	d->pending = value;
	d->pending_set = true;
}

/* The value netdata's algorithms give for dim d in this update, or NAN when nothing is
 * to be stored (not collected now, or its first collection: netdata stores a dimension
 * only from its second collection on). */
static double dim_value_signed(const struct mxp_dim *d, long double row_total, long double diff_total,
			       int64_t now_usec)
{
	if (!d->pending_set || !d->has_prev)
		return NAN;

	/* a counter that went backwards was reset or wrapped: netdata counts 0 for it. The
	 * difference is taken unsigned: two values of opposite signs can lie more than
	 * LLONG_MAX apart (a signed overflow, found by fuzz_plugin_protocol), and with
	 * pending >= prev the unsigned difference is exact, 0..2^64-1, which a long double
	 * holds exactly. */
	unsigned long long delta = d->pending >= d->prev_collected
					   ? (unsigned long long)d->pending - (unsigned long long)d->prev_collected
					   : 0;

	switch (d->algorithm) {
	case MXP_ALG_ABSOLUTE:
		return (double)((long double)d->pending * d->multiplier / d->divisor);
	case MXP_ALG_INCREMENTAL: {
		int64_t dt = now_usec - d->prev_usec;
		if (dt <= 0)
			return NAN;
		return (double)((long double)delta * d->multiplier / d->divisor * USEC_PER_SEC / dt);
	}
	case MXP_ALG_PCENT_OVER_ROW:
		return row_total == 0 ? 0.0 : (double)(100.0L * d->pending / row_total);
	case MXP_ALG_PCENT_OVER_DIFF:
		return diff_total == 0 ? 0.0 : (double)(100.0L * delta / diff_total);
	}
	return NAN;
}

/* As dim_value_signed, with -0 (a zero change times a negative multiplier) made +0:
 * netdata's packed storage number has no negative zero, so it never printed "-0". */
static double dim_value(const struct mxp_dim *d, long double row_total, long double diff_total,
			int64_t now_usec)
{
	return dim_value_signed(d, row_total, diff_total, now_usec) + 0.0;
}

/* Stores v in d's cell of the row of time t in table tab, marking the cells skipped
 * since the last one as gaps, and the times in d's column head. Called inside the
 * chart's write section. */
static void dim_store(struct mxp_chart_slots *tab, struct mxp_dim *d, int update_every, int64_t t, double v)
{
	const unsigned history = tab->history;
	double *const column = &tab->cell[d->col];
	struct mxp_slot_col *head = &tab->cols[d->col];
	const size_t stride = tab->cap;
	int64_t last = head->last_t;
	if (last != 0 && t < last)
		return; /* the clock went back: keep what is stored, as netdata keeps its db */
	if (last != 0 && t > last) {
		int64_t missing = (t - last) / update_every - 1;
		if (missing > (int64_t)history)
			missing = history;
		for (int64_t i = 1; i <= missing; i++) {
			int64_t gap_t = last + i * update_every;
			ck_pr_store_double(&column[(uint64_t)(gap_t / update_every) % history * stride], NAN);
		}
	}
	ck_pr_store_double(&column[(uint64_t)(t / update_every) % history * stride], v);
	if (head->first_t == 0)
		ck_pr_store_32(&head->first_t, (uint32_t)t);
	ck_pr_store_32(&head->last_t, (uint32_t)t);
}

void mxp_chart_done(struct mxp_chart *c, const struct timeval *now)
{
	struct timeval tv;
	if (now == NULL) {
		gettimeofday(&tv, NULL);
		now = &tv;
	}
	int64_t now_usec = (int64_t)now->tv_sec * USEC_PER_SEC + now->tv_usec;
	int U = c->update_every;
	/* the first update builds the slot table; dims added since the last one may have
	 * left it up to twice too wide */
	bool no_memory = mxp_chart_slots_unfit(c) && mxp_chart_slots_fit_publish(c) != 0;
	if (now->tv_sec < U || now->tv_sec > (time_t)UINT32_MAX || no_memory) {
		/* before 1970 + one interval: no slot can hold it (slot times are positive,
		 * 0 means "none"), so the update is dropped, not written out of bounds;
		 * past 2106 the slot times (32 bits, struct mxp_slot_col) would wrap; and
		 * without a table there is nowhere to store it. Counted, whatever the cause */
		ck_pr_inc_64(&c->store->updates_dropped);
		for (struct mxp_dim *d = c->dims; d != NULL; d = d->next)
			d->pending_set = false;
		return;
	}
	int64_t t = (int64_t)now->tv_sec - (int64_t)now->tv_sec % U;
	/* the writer's own table: every dim of the list has its column (mxp_dim_add) */
	struct mxp_chart_slots *tab = c->slots_own;

	/* netdata's collected total: every dim collected in this update, whatever its
	 * algorithm; percentage-of-incremental-row divides by how much it grew */
	long double row_total = 0;
	for (struct mxp_dim *d = c->dims; d != NULL; d = d->next)
		if (d->pending_set)
			row_total += d->pending;
	long double diff_total = c->has_prev_total ? row_total - c->prev_total : 0;

	ck_sequence_write_begin(&c->seq);
	for (struct mxp_dim *d = c->dims; d != NULL; d = d->next) {
		dim_store(tab, d, U, t, dim_value(d, row_total, diff_total, now_usec));
		if (d->pending_set) {
			ck_pr_store_64((uint64_t *)&d->last_collected_value, (uint64_t)d->pending);
			ck_pr_store_64((uint64_t *)&tab->cols[d->col].last_collected_usec, (uint64_t)now_usec);
			ck_pr_store_64(&d->collections, d->collections + 1);
		}
	}
	ck_sequence_write_end(&c->seq);

	for (struct mxp_dim *d = c->dims; d != NULL; d = d->next) {
		if (!d->pending_set)
			continue;
		d->prev_collected = d->pending;
		d->prev_usec = now_usec;
		d->has_prev = true;
		d->pending_set = false;
	}
	c->prev_total = row_total;
	c->has_prev_total = true;
}

/* ---- the built-in ring database ---- */

static time_t ring_latest(void *db, const struct mxp_dim *d)
{
	(void)db;
	return mxp_dim_last_t(d);
}

static time_t ring_oldest(void *db, const struct mxp_dim *d)
{
	(void)db;
	const struct mxp_chart_slots *tab = mxp_chart_slots_of(d);
	if (tab == NULL)
		return 0;
	int64_t last = ck_pr_load_32(&tab->cols[d->col].last_t);
	int64_t first = ck_pr_load_32(&tab->cols[d->col].first_t);
	if (last == 0)
		return 0;
	int U = d->chart->update_every;
	int64_t ring_first = last - (int64_t)(d->chart->store->history - 1) * U;
	return (time_t)(first > ring_first ? first : ring_first);
}

static void ring_foreach(void *db, const struct mxp_dim *d, time_t after, time_t before,
			 mxp_query_point_fn fn, void *arg)
{
	(void)db;
	int U = d->chart->update_every;
	unsigned history = d->chart->store->history;
	if (after > before)
		return;
	/* the slot of t is (t / U) % history; for t, t + U, t + 2U ... it is that of t,
	 * then the next ones with a wrap: two divisions per call, not per slot */
	const struct mxp_chart_slots *tab = mxp_chart_slots_of(d);
	unsigned idx = (unsigned)((uint64_t)(after / U) % history);
	for (int64_t t = after; t <= before; t += U) {
		fn(arg, (time_t)t, tab != NULL ? ck_pr_load_double(mxp_slot_cell(tab, idx, d->col)) : NAN);
		if (++idx == history)
			idx = 0;
	}
}

const struct mxp_query_ops mxp_ring_query_ops = {
	.oldest_time = ring_oldest,
	.latest_time = ring_latest,
	.foreach = ring_foreach,
};
