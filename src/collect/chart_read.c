/* chart_read.c — one chart, one window, one consistent snapshot (see chart_read.h). */
#include <ck_pr.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "collect/chart_read.h"
#include "collect/store_internal.h"
#include "collect/stored_value.h"
#include "collect/tsan_annotate.h"

static int reading_grow(struct mxp_chart_reading *r, size_t want)
{
	size_t cap = r->cap ? r->cap : 16;
	while (cap < want)
		cap *= 2;
	struct mxp_dim_reading *p = realloc(r->dims, cap * sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	r->dims = p;
	r->cap = cap;
	return 0;
}

/* The window of mxp_stored_value() once stepped back and aligned: it depends on the
 * chart only, so the fast path below computes it once per chart. */
struct ring_window {
	time_t U;
	time_t after, before;   /* stepped back 2 U, aligned down, newest point left out */
	unsigned history;
	unsigned after_idx;     /* the ring slot of `after` */
	unsigned span;          /* slots from after to before (at most history) */
};

static void ring_window_init(struct ring_window *w, const struct mxp_chart *c, time_t after, time_t before)
{
	time_t U = c->update_every;
	mxp_stored_window(U, &after, &before);
	w->U = U;
	w->after = after;
	w->before = before;
	w->history = c->store->history;
	w->after_idx = (unsigned)((uint64_t)(after / U) % w->history);
	uint64_t span = before >= after ? (uint64_t)(before - after) / (uint64_t)U + 1 : 0;
	w->span = span > w->history ? w->history : (unsigned)span;
}

/* Asks for d's first 64 bytes, so that they are on their way while the dims before it
 * are computed: a chart's dims are reached through a list, and without this the
 * collector waits for memory twice per dim (measured: 2/3 of mxp_chart_read's samples
 * were those two loads at 1M dims). A prefetch never faults. Always inlined: GCC 12
 * deems a function whose only effect is a prefetch pure and drops the call before it
 * inlines it (the first build of this had no prefetch instruction). */
__attribute__((always_inline)) static inline void prefetch_dim(const struct mxp_dim *d)
{
	__builtin_prefetch(d);
}

/* Column heads asked for ahead of the one being read: 16 columns, two per line, a
 * prefetch per two columns. */
#define HEADS_AHEAD 16u

__attribute__((always_inline)) static inline void prefetch_head(const struct mxp_slot_col *h)
{
	__builtin_prefetch(h);
}

/* Columns of cells asked for ahead of the dim being read, in groups of 8 (a line of
 * each row when rows are whole lines). */
#define CELLS_AHEAD 16u

/* Asks for the window's cells of columns col..col+7 of tab: one line per row of the
 * window when rows are whole lines (a multiple of 8 cells: the table starts a line, so
 * every row does), else the lines of the group's first and last cell. */
__attribute__((always_inline)) static inline void prefetch_cells(const struct ring_window *w,
								  const struct mxp_chart_slots *tab, uint32_t col)
{
	const uint32_t cap = tab->cap;
	const uint32_t last = col + 7 < cap ? col + 7 : cap - 1;
	unsigned row = w->after_idx;
	for (unsigned i = 0; i < w->span; i++) {
		const double *r = &tab->cell[(size_t)row * cap];
		__builtin_prefetch(&r[col]);
		if (cap % 8 != 0)
			__builtin_prefetch(&r[last]);
		if (++row == w->history)
			row = 0;
	}
}

/* mxp_stored_value() over mxp's own ring, without its indirect calls and with two
 * divisions per chart instead of several per dimension. Same arithmetic, same order of
 * additions (long double, time order), so the same result to the bit: the oracle tests
 * compare it with the generic path, which the baseline keeps using.
 *
 * Split in two: ring_span() finds the points of the window that d holds, and
 * ring_sum_one() / ring_sum_two() add them. The sum is a chain of dependent x87
 * additions and a division, which the CPU barely overlaps from one dim to the next;
 * two dims with the same span (nearly always: every dim of a chart updated together)
 * are added in one loop, two independent chains side by side, each in its own time
 * order, so each result is bit for bit what one chain gives. */
struct ring_span {
	time_t a, b;    /* first and last point's time */
	unsigned idx;   /* the slot of a */
};

/* False when the column of head h has no point in the window (its value is then NAN). */
static bool ring_span(const struct ring_window *w, const struct mxp_slot_col *h, struct ring_span *sp)
{
	int64_t last = ck_pr_load_32(&h->last_t);
	int64_t first = ck_pr_load_32(&h->first_t);
	time_t oldest = 0;
	if (last != 0) {
		int64_t ring_first = last - (int64_t)(w->history - 1) * w->U;
		oldest = (time_t)(first > ring_first ? first : ring_first);
	}
	time_t a = w->after < oldest ? oldest : w->after;
	time_t b = w->before > (time_t)last ? (time_t)last : w->before;
	if (b < oldest || a > (time_t)last)
		return false;
	sp->a = a;
	sp->b = b;
	sp->idx = a == w->after ? w->after_idx : (unsigned)((uint64_t)(a / w->U) % w->history);
	return true;
}

/* A cell as the x87 adds it: one 8-byte load (volatile: exactly once, as ck's own
 * ck_pr_load_double is with CK_USE_CC_BUILTINS, and never torn: an aligned 8-byte
 * access), widened to long double by the load itself (fldl). Through ck's asm
 * ck_pr_load_double the value went through a general register, an SSE register and
 * the stack before the x87 could load it (the pair loop's step, by objdump: 24
 * instructions with two stores and reloads through the stack then, 21 and none now;
 * the time saved was not told apart from the bench's noise).
 * Under ThreadSanitizer, whose ck_pr.h makes every ck_pr access an atomic one
 * (tests/tsan/include/ck_pr.h), a volatile read would be a plain access racing with
 * the writer's atomic stores, so that build reads through ck_pr as before. */
static inline long double cell_load(const double *cell)
{
#ifdef MXP_TSAN
	return ck_pr_load_double(cell);
#else
	return *(const volatile double *)cell;
#endif
}

static long double ring_result(long double sum, unsigned long count, enum mxp_source source)
{
	if (count == 0)
		return NAN;
	return source == MXP_SOURCE_SUM ? sum : sum / (long double)count;
}

static long double ring_sum_one(const struct ring_window *w, const struct mxp_chart_slots *tab, uint32_t col,
				const struct ring_span *sp, enum mxp_source source)
{
	unsigned idx = sp->idx;
	const double *cell = mxp_slot_cell(tab, idx, col);
	const size_t cap = tab->cap;
	long double sum = 0;
	unsigned long count = 0;
	for (time_t t = sp->a; t <= sp->b; t += w->U) {
		long double v = cell_load(cell);
		if (!isnan(v)) {
			sum += v;
			count++;
		}
		cell += cap;
		if (++idx == w->history) {
			idx = 0;
			cell = mxp_slot_cell(tab, 0, col);
		}
	}
	return ring_result(sum, count, source);
}

/* Columns col0 and col1 over one span: what ring_sum_one gives for each. */
static void ring_sum_two(const struct ring_window *w, const struct mxp_chart_slots *tab, uint32_t col0,
			 uint32_t col1, const struct ring_span *sp, enum mxp_source source, long double *v0,
			 long double *v1)
{
	unsigned idx = sp->idx;
	const double *cell0 = mxp_slot_cell(tab, idx, col0);
	const double *cell1 = mxp_slot_cell(tab, idx, col1);
	const size_t cap = tab->cap;
	long double sum0 = 0, sum1 = 0;
	unsigned long count0 = 0, count1 = 0;
	for (time_t t = sp->a; t <= sp->b; t += w->U) {
		long double x0 = cell_load(cell0);
		long double x1 = cell_load(cell1);
		if (!isnan(x0)) {
			sum0 += x0;
			count0++;
		}
		if (!isnan(x1)) {
			sum1 += x1;
			count1++;
		}
		cell0 += cap;
		cell1 += cap;
		if (++idx == w->history) {
			idx = 0;
			cell0 = mxp_slot_cell(tab, 0, col0);
			cell1 = mxp_slot_cell(tab, 0, col1);
		}
	}
	*v0 = ring_result(sum0, count0, source);
	*v1 = ring_result(sum1, count1, source);
}

void mxp_chart_reading_free(struct mxp_chart_reading *r)
{
	free(r->dims);
	r->dims = NULL;
	r->ndims = r->cap = 0;
}

/* Whether a dim whose last collection was at usec (0: never) is in the window that
 * starts at `after`: collected in that second or later (the seed's
 * `last_collected_time >= after`). usec is 0 exactly when the dim was never collected:
 * mxp_chart_done() counts a collection only with its time, which is past 1970 + one
 * update interval. */
static inline bool collected_since(int64_t usec, time_t after)
{
	return usec != 0 && usec / 1000000 >= after;
}

/* The end of a read pass of n readings: 0 when it is consistent (r->ndims set), 1 to
 * read again (the readings were full: r grown outside the read section; or a writer
 * published meanwhile), -ENOMEM. */
static int pass_end(const struct mxp_chart *c, unsigned version, size_t n, bool full, struct mxp_chart_reading *r)
{
	if (full)
		return reading_grow(r, r->cap + 1) != 0 ? -ENOMEM : 1;
	if (ck_sequence_read_retry(&c->seq, version)) {
		r->retries++;
		return 1;
	}
	r->ndims = n;
	return 0;
}

/* The average or sum of every dim of c with a column in its slot table: the columns in
 * order, each head beside the others (struct mxp_slot_col), each dim's window a run of
 * cells in rows. A dim added after this pass loaded the table is not read, as a dim
 * added after a walk of the list passed its end would not be. */
static int read_columns(const struct mxp_chart *c, enum mxp_source source, time_t after, time_t before,
			struct mxp_chart_reading *r)
{
	struct ring_window w;
	ring_window_init(&w, c, after, before);
	for (;;) {
		unsigned version = ck_sequence_read_begin(&c->seq);
		const struct mxp_chart_slots *tab = ck_pr_load_ptr(&c->slots);
		const uint32_t cap = tab != NULL ? tab->cap : 0;
		size_t n = 0;
		bool full = false;
		/* a dim whose span is found and whose sum waits for a second one to pair with */
		struct mxp_dim_reading *held = NULL;
		uint32_t held_col = 0;
		struct ring_span held_span = {0};
		for (uint32_t col = 0; col < CELLS_AHEAD && col < cap; col += 8)
			prefetch_cells(&w, tab, col);
		for (uint32_t col = 0; col < cap; col++) {
			const struct mxp_slot_col *h = &tab->cols[col];
			/* the heads HEADS_AHEAD columns on, and once per 8 columns the cells
			 * CELLS_AHEAD on */
			if (col % 2 == 0 && col + HEADS_AHEAD < cap)
				prefetch_head(&tab->cols[col + HEADS_AHEAD]);
			if (col % 8 == 0 && col + CELLS_AHEAD < cap)
				prefetch_cells(&w, tab, col + CELLS_AHEAD);
			const struct mxp_dim *d = ck_pr_load_ptr(&h->dim);
			if (d == NULL)
				break; /* the columns past the chart's dims */
			ck_pr_fence_load(); /* the head's serial, stored before its dim */
			const int64_t usec = (int64_t)ck_pr_load_64((const uint64_t *)&h->last_collected_usec);
			if (!collected_since(usec, after))
				continue;
			if (n == r->cap) {
				full = true;
				break;
			}
			struct mxp_dim_reading *x = &r->dims[n++];
			x->dim = d;
			x->serial = ck_pr_load_32(&h->serial);
			x->v.value = NAN;
			struct ring_span sp;
			if (!ring_span(&w, h, &sp)) {
				x->t = 0; /* NAN: nothing to send, at no time */
				continue;
			}
			x->t = (uint32_t)sp.b;
			if (held != NULL && held_span.a == sp.a && held_span.b == sp.b) {
				ring_sum_two(&w, tab, held_col, col, &sp, source, &held->v.value, &x->v.value);
				held = NULL;
			} else {
				if (held != NULL)
					held->v.value = ring_sum_one(&w, tab, held_col, &held_span, source);
				held = x;
				held_col = col;
				held_span = sp;
			}
		}
		if (held != NULL)
			held->v.value = ring_sum_one(&w, tab, held_col, &held_span, source);
		int rc = pass_end(c, version, n, full, r);
		if (rc <= 0)
			return rc;
	}
}

/* Every other read (as collected, or stored values through other query ops): the dims
 * by their list. */
static int read_list(const struct mxp_chart *c, enum mxp_source source, time_t after, time_t before,
		     const struct mxp_query_ops *ops, void *db, struct mxp_chart_reading *r)
{
	for (;;) {
		unsigned version = ck_sequence_read_begin(&c->seq);
		size_t n = 0;
		bool full = false;
		/* the first MXP_DIM_AHEAD dims by the list, then each dim's `ahead` (in the
		 * line being read anyway): MXP_DIM_AHEAD dims of work between a prefetch and
		 * the use, with no wait on a list pointer */
		const struct mxp_dim *first = mxp_chart_dims(c);
		unsigned k = 0;
		for (const struct mxp_dim *a = first; a != NULL && k < MXP_DIM_AHEAD; a = mxp_dim_next(a), k++)
			prefetch_dim(a);
		for (const struct mxp_dim *d = first; d != NULL; d = mxp_dim_next(d)) {
			const struct mxp_dim *ahead = ck_pr_load_ptr(&d->ahead);
			if (ahead != NULL)
				prefetch_dim(ahead);
			const int64_t usec = mxp_dim_last_collected_usec(d);
			if (!collected_since(usec, after))
				continue;
			if (n == r->cap) {
				full = true;
				break;
			}
			struct mxp_dim_reading *x = &r->dims[n++];
			x->dim = d;
			x->serial = d->serial;
			if (source == MXP_SOURCE_AS_COLLECTED) {
				x->v.collected.value = mxp_dim_last_collected_value(d);
				x->v.collected.ms = (unsigned)(usec % 1000000 / 1000);
				x->t = (uint32_t)(usec / 1000000);
				continue;
			}
			time_t at = 0;
			x->v.value = mxp_stored_value(ops, db, d, c->update_every, source, after, before, &(time_t){0},
						      &at);
			x->t = (uint32_t)at;
		}
		int rc = pass_end(c, version, n, full, r);
		if (rc <= 0)
			return rc;
	}
}

int mxp_chart_read(const struct mxp_chart *c, enum mxp_source source, time_t after, time_t before,
		   const struct mxp_query_ops *ops, void *db, struct mxp_chart_reading *r)
{
	if (ops == &mxp_ring_query_ops && source != MXP_SOURCE_AS_COLLECTED)
		return read_columns(c, source, after, before, r);
	return read_list(c, source, after, before, ops, db, r);
}
