/* store_internal.h — the store's objects as mxp's own readers see them.
 *
 * Producers: the agent's writer threads (one writer per chart for values; structural
 * changes serialised on store->structure_lock). Consumers: mxp's reader threads
 * (collector, baseline, mxpd's walk), which never take a lock.
 *
 * Ordering relied on:
 *  - Lists (hosts, charts, dims) are appended at the tail: the new node is fully built,
 *    then published by a release store of the predecessor's `next` (or the list head);
 *    readers load `next` with ck_pr_load_ptr, which on every target ck supports is an
 *    address-dependent load, ordered after the store that published it.
 *  - Values of a chart's dims (the fields marked [seq]) change only inside
 *    ck_sequence_write_begin/end on chart->seq; readers copy them inside
 *    ck_sequence_read_begin/retry and use the copy only when retry says it was stable.
 *    Every [seq] field is read and written with ck_pr loads/stores, so a torn read
 *    is a retried read, never undefined behaviour.
 *  - A removed object is unlinked (release store), then handed to ck_epoch_call; it is
 *    freed only after every reader that could have loaded its address has left its
 *    epoch section (mxp_store_read_begin/end).
 */
#ifndef MXP_STORE_INTERNAL_H
#define MXP_STORE_INTERNAL_H

#include <ck_epoch.h>
#include <ck_pr.h>
#include <ck_sequence.h>
#include <math.h>
#include <pthread.h>
#include <stdalign.h>
#include <stddef.h>

#include "collect/dim_slab.h"
#include "collect/series_cache.h"
#include "mxp/store.h"
#include "mxp/query.h"

#define MXP_STORE_DEFAULT_HISTORY 32u
#define MXP_STORE_MAX_HISTORY (1u << 24) /* slots per dim: 128 MiB each, past any sane config */

#define MXP_DIM_AHEAD 8         /* how far a dim's `ahead` points */

struct mxp_dim {
	/* The first 64 bytes: what the writer's update and a reader of "as collected"
	 * values read of a dim (the collector's average and sum read the dim's column in
	 * the chart's slot table instead: struct mxp_slot_col). */
	struct mxp_dim *next;          /* published with a release store */
	/* [seq] published by mxp_chart_done(), read by readers under chart->seq (with the
	 * column's last_collected_usec, first_t and last_t) */
	int64_t last_collected_value;  /* the raw integer of the last collection */
	uint64_t collections;          /* how many times it was collected */
	uint32_t serial;               /* unique among live dims: formatter choice and the
					* exporters' caches (series_cache.h); its column has
					* a copy */
	uint32_t col;                  /* its column in the chart's slot table: the dims
					* added to the chart before it (fixed: dims are not
					* removed one by one) */
	/* The dim added MXP_DIM_AHEAD dims after this one in its chart, or NULL: published
	 * as `next` is (release store of a whole dim). A reader at this dim can ask for that
	 * one's lines without walking the list to it (chart_read.c's prefetch). */
	struct mxp_dim *ahead;

	/* What a formatter reads of a record's dim when the record's template is not enough
	 * (the template's first render, formats with template variants). */
	struct mxp_chart *chart;
	char *id;
	char *name;
	long multiplier;
	long divisor;
	enum mxp_algorithm algorithm;
	/* writer-private (beside `algorithm`, in its padding: the dim fits 128 bytes, two
	 * lines of the slab): what mxp_dim_set() recorded for the update in progress */
	bool pending_set;
	bool has_prev;                 /* prev_* hold an earlier collection (incremental) */
	ck_epoch_entry_t epoch_entry;

	/* writer-private */
	long long pending;
	long long prev_collected;
	int64_t prev_usec;
};
_Static_assert(offsetof(struct mxp_dim, ahead) + sizeof(void *) <= 64, "the first line's fields in 64 bytes");
_Static_assert(sizeof(void *) != 8 || sizeof(struct mxp_dim) == 128, "a dim is two lines of the slab");

/* What the collector reads of a dim beside its cells, in the dim's column of the
 * chart's slot table (struct mxp_chart_slots): 32 bytes, the columns of a chart side by
 * side, so that a walk of the chart's dims in their order streams them, half a line a
 * dim, where following the dims' list cost a line each (a dim's first line, wherever
 * the dim slab put it), about 11 % of the collector's samples (chart_read.c). The
 * slot times are whole seconds until 2106, as the pipeline's records are
 * (mxp_chart_done() drops an update past that). */
struct mxp_slot_col {
	/* the dim, and a copy of its serial: published by mxp_dim_add() (or the table's
	 * build) with a release store of `dim` after the rest; NULL: no dim yet */
	const struct mxp_dim *dim;
	/* [seq] published by mxp_chart_done(), read under chart->seq */
	int64_t last_collected_usec;   /* the last collection's time, microseconds since the
					* epoch; 0: never collected */
	uint32_t first_t;              /* time of the oldest slot ever stored; 0 = none */
	uint32_t last_t;               /* time of the newest slot; 0 = none */
	uint32_t serial;
	uint32_t unused;
};
_Static_assert(sizeof(struct mxp_slot_col) == 32, "two columns' heads per cache line");

/* A chart's stored values: `history` rows of `cap` cells, row r holding slot r (the slot
 * of time t is (t / U) % history) of every dim, a dim's cell at its `col`. NAN is a gap.
 * After the cells, a head per column (struct mxp_slot_col): the dim, and the [seq]
 * times a reader needs to find its window's cells.
 *
 * Why a table per chart and not a ring per dim: a window of w slots is then one run of
 * w rows, each the chart's dims side by side, and a reader summing the chart's dims in
 * their order streams it, w * 8 bytes a dim, where a ring per dim cost each dim the
 * (w * 8 + its misalignment) bytes rounded up to whole cache lines (about 2.1 lines at
 * w = 10, against 1.25 here). The writer's update of a chart writes one row.
 *
 * Producer: the chart's writer. mxp_chart_done() stores cells ([seq]: inside the
 * chart's write section, with ck_pr stores). A chart has no table until its first
 * update: the first mxp_chart_done() builds one of as many columns as the chart has
 * dims and publishes it (before its write section), so a chart whose
 * dims all come before its first update (a plugin's CHART and DIMENSION lines, a
 * streamed chart's definition) gets one allocation, of its exact size. After that a
 * table is replaced by the writer (mxp_dim_add() is the chart's writer too, by the
 * store's contract) under structure_lock: by mxp_dim_add() with one twice as wide when
 * it is full (published before the dim that needed it), by mxp_chart_done() with one
 * that fits the dims (a try of the lock, never a wait). The writer fills the new table
 * (its own cells copied, the rest NAN), publishes it (a store fence, then the pointer:
 * a release store) and retires the old one through the store's
 * epoch, so a reader that loaded it reads the old (still valid, no longer written)
 * cells until it leaves its read section. The column heads are copied with the cells;
 * a dim added to a table wide enough for it gets its head there (serial, a store
 * fence, then the dim pointer: mxp_dim_add). Consumers: readers load chart->slots with
 * ck_pr_load_ptr. The collector walks the columns of the table it loaded, up to the
 * first head without a dim (a load fence between the dim pointer and the serial): a
 * dim added after that load is not read, as one added after a walk of the list passed
 * its end would not be. A reader that reached a dim through the lists may find it past
 * the cap of the table it loaded: published after it (mxp_chart_slots_of() says how a
 * reader deals with that). */
struct mxp_chart_slots {
	uint32_t cap;                  /* cells per row (>= the chart's dims) */
	unsigned history;              /* rows */
	struct mxp_store *store;       /* for the retire (tsan_annotate.h) */
	struct mxp_slot_col *cols;     /* cap heads, right after the cells */
	ck_epoch_entry_t epoch_entry;
	alignas(64) double cell[];     /* history x cap, row-major */
};

struct mxp_chart {
	struct mxp_chart *next;        /* published with a release store */
	struct mxp_host *host;         /* not to be followed once the chart is removed */
	struct mxp_store *store;       /* the chart may outlive its host in reclamation */
	char *id;                      /* "type.id" */
	char *name;                    /* "type.name" */
	char *type;
	char *family;
	char *context;
	char *units;
	char *title;
	char *chart_type;
	int update_every;
	struct mxp_label *labels;
	size_t nlabels;
	uint32_t serial;
	ck_epoch_entry_t epoch_entry;

	ck_sequence_t seq;             /* odd while mxp_chart_done() publishes */
	struct mxp_chart_slots *slots; /* the dims' stored values, as the readers see them:
					* NULL until the chart's first update; replaced
					* (release store) as dims are added */
	struct mxp_chart_slots *slots_own; /* writer-only: the table the writer writes (the
					    * published one; NULL before the first update) */
	struct mxp_dim *dims;          /* head, published with a release store */
	struct mxp_dim *dims_tail;     /* writers only, under structure_lock */
	unsigned ndims;                /* writers only */
	struct mxp_dim *recent[MXP_DIM_AHEAD]; /* writers only: the last dims added, by
						* ndims % MXP_DIM_AHEAD (whose `ahead` the
						* next adds set) */
	int heterogeneous;             /* ck_pr: set (never cleared: dims are not removed)
					* by the add of a dim whose algorithm, |multiplier|
					* or |divisor| differ from the first dim's; remote
					* write names such a chart's as-collected series per
					* dim (FORMATS.md §3.1) */
	long double prev_total;        /* writer-private: the previous update's collected total */
	bool has_prev_total;
};

/* For mxp_chart_done(), before its write section, when the chart has dims and no
 * table yet, or one wider than its dims (dims added since the last update doubled it):
 * a table of a column per dim, published. (Rounded up to 8 columns, every row would
 * start a cache line and the reader's prefetch of 8 cells of a row would be one line,
 * not two; but a chart of 10 dims would take 60 % more memory.) The first is
 * built without a lock; a later one must retire the old one through the epoch, under
 * structure_lock, so it is built only if the lock is free right now (a try, never a
 * wait; else the next update tries again). -ENOMEM when the first could not be
 * allocated (the update cannot be stored), else 0. */
int mxp_chart_slots_fit_publish(struct mxp_chart *c);

/* Whether mxp_chart_done() must call mxp_chart_slots_fit_publish() first. */
static inline bool mxp_chart_slots_unfit(const struct mxp_chart *c)
{
	return c->slots_own != NULL ? c->slots_own->cap > c->ndims : c->ndims > 0;
}

/* For a writer that knows which dims it updates next (the plugin parser's END): asks for
 * the lines of d that mxp_dim_set() and mxp_chart_done() write, so they arrive while
 * the dims before are set (its cell lies in the row the writer fills in dim order).
 * Always inlined (chart_read.c says why). */
__attribute__((always_inline)) static inline void mxp_dim_prefetch_write(const struct mxp_dim *d)
{
	for (size_t off = 0; off < sizeof(*d); off += 64)
		__builtin_prefetch((const char *)d + off, 1);
	__builtin_prefetch((const char *)d + sizeof(*d) - 1, 1);
}

struct mxp_host {
	struct mxp_host *next;         /* published with a release store */
	struct mxp_store *store;
	char *hostname;
	char *tags;                    /* NULL when none (netdata stores "" as NULL) */
	struct mxp_label *labels;
	size_t nlabels;
	bool is_localhost;             /* the first host of the store */
	uint32_t serial;
	ck_epoch_entry_t epoch_entry;

	struct mxp_chart *charts;      /* head, published with a release store */
	struct mxp_chart *charts_tail; /* writers only, under structure_lock */
};

struct mxp_store {
	struct mxp_host *hosts;        /* head, published with a release store */
	struct mxp_host *hosts_tail;   /* writers only, under structure_lock */
	unsigned history;
	/* Serialises structural changes among writers. mxp's readers never take it; the
	 * seed-like baseline takes it for reading, to model the seed's read lock over
	 * the whole walk (it blocks chart creation, not value updates). */
	pthread_rwlock_t structure_lock;
	uint32_t next_host_serial;
	uint32_t next_chart_serial;
	ck_epoch_t epoch;
	ck_epoch_record_t reclaim_record;  /* used under structure_lock only */
	pthread_mutex_t readers_lock;      /* guards readers_owned and cache_slots (rare) */
	unsigned cache_slots;              /* bitmap of the series cache slots in use */
	struct mxp_store_reader *readers_owned;
	struct mxp_dim_slab dim_slab;     /* every dim's memory (dim_slab.h) */
	struct mxp_series_cache series;   /* dim serials and exporters' caches by serial;
					   * taken and given back under structure_lock */
	uint64_t updates_dropped;         /* ck_pr: chart updates not stored (no memory for
					   * the chart's first slot table, or a time before
					   * 1970 + update every or past 2106); the exporter
					   * logs it: mxp_store_updates_dropped */
	/* Where slot tables come from: aligned_alloc, set by mxp_store_new; tests put a
	 * failing one here to see what a store does without memory for a table. */
	void *(*table_alloc)(size_t alignment, size_t size);
};

/* How many chart updates the store could not keep (mxp_chart_done: no memory for the
 * chart's first slot table, or a time it cannot store), since it was made. Any
 * thread. */
static inline uint64_t mxp_store_updates_dropped(const struct mxp_store *s)
{
	return ck_pr_load_64(&s->updates_dropped);
}

/* ---- exporters' per-series caches ---- */

/* Takes a free series cache slot for one pipeline: 0..MXP_SERIES_CACHE_SLOTS-1, or -1
 * when all are taken (that pipeline then caches nothing). */
int mxp_store_cache_slot_get(struct mxp_store *s);
/* Gives slot back (its contents stay until the next owner re-renders or the dim goes). */
void mxp_store_cache_slot_put(struct mxp_store *s, int slot);

/* ---- readers ---- */

/* A reader thread's registration with the store's epoch. The store owns it: ck_epoch
 * keeps every record it ever saw on its list (an unregistered one is only marked
 * free for reuse), so a record must live as long as the store does. */
struct mxp_store_reader {
	ck_epoch_record_t record;
	struct mxp_store_reader *next_owned;   /* the store's list, to free them all */
};

/* Returns a reader registration for the calling thread (a recycled one if any), or
 * NULL when out of memory. Give it back with mxp_store_reader_put(); the store frees
 * the memory. */
struct mxp_store_reader *mxp_store_reader_get(struct mxp_store *store);
void mxp_store_reader_put(struct mxp_store_reader *r);
/* Brackets a walk: every object loaded from the lists between begin and end stays
 * allocated until end. Sections do not nest. */
void mxp_store_read_begin(struct mxp_store_reader *r);
void mxp_store_read_end(struct mxp_store_reader *r);

static inline struct mxp_host *mxp_store_hosts(const struct mxp_store *s)
{
	return ck_pr_load_ptr(&s->hosts);
}
static inline struct mxp_host *mxp_host_next(const struct mxp_host *h)
{
	return ck_pr_load_ptr(&h->next);
}
static inline struct mxp_chart *mxp_host_charts(const struct mxp_host *h)
{
	return ck_pr_load_ptr(&h->charts);
}
static inline struct mxp_chart *mxp_chart_next(const struct mxp_chart *c)
{
	return ck_pr_load_ptr(&c->next);
}
static inline struct mxp_dim *mxp_chart_dims(const struct mxp_chart *c)
{
	return ck_pr_load_ptr(&c->dims);
}
static inline struct mxp_dim *mxp_dim_next(const struct mxp_dim *d)
{
	return ck_pr_load_ptr(&d->next);
}

/* Whether the chart's dims differ in algorithm, |multiplier| or |divisor| (the seed's
 * "homogeneous" test, negated). A reader may see it set while walking dims added
 * before it was. */
static inline bool mxp_chart_heterogeneous(const struct mxp_chart *c)
{
	return ck_pr_load_int(&c->heterogeneous) != 0;
}

/* The slot table that holds d's column, for a reader that reached d through the lists,
 * or NULL when the chart has had no update since d was added (nothing is stored for d
 * then). Past the chart's first update, mxp_dim_add() publishes a table wide enough for
 * d before d itself, and mxp_chart_done() publishes the first one before it stores a
 * value: the load after a load fence finds it even on a CPU that let the table's load
 * pass d's (or the values'). */
static inline const struct mxp_chart_slots *mxp_chart_slots_of(const struct mxp_dim *d)
{
	const struct mxp_chart_slots *t = ck_pr_load_ptr(&d->chart->slots);
	if (t == NULL || d->col >= t->cap) {
		ck_pr_fence_load();
		t = ck_pr_load_ptr(&d->chart->slots);
		if (t == NULL || d->col >= t->cap)
			return NULL;
	}
	return t;
}

/* The [seq] fields of a dim, copied by a reader. Valid only if the chart's sequence
 * did not move while they were read. Those of its column: 0 when nothing is stored. */
static inline int64_t mxp_dim_last_collected_value(const struct mxp_dim *d)
{
	return (int64_t)ck_pr_load_64((const uint64_t *)&d->last_collected_value);
}
static inline uint64_t mxp_dim_collections(const struct mxp_dim *d)
{
	return ck_pr_load_64(&d->collections);
}
static inline int64_t mxp_dim_last_collected_usec(const struct mxp_dim *d)
{
	const struct mxp_chart_slots *t = mxp_chart_slots_of(d);
	return t != NULL ? (int64_t)ck_pr_load_64((const uint64_t *)&t->cols[d->col].last_collected_usec) : 0;
}
static inline time_t mxp_dim_first_t(const struct mxp_dim *d)
{
	const struct mxp_chart_slots *t = mxp_chart_slots_of(d);
	return t != NULL ? (time_t)ck_pr_load_32(&t->cols[d->col].first_t) : 0;
}
static inline time_t mxp_dim_last_t(const struct mxp_dim *d)
{
	const struct mxp_chart_slots *t = mxp_chart_slots_of(d);
	return t != NULL ? (time_t)ck_pr_load_32(&t->cols[d->col].last_t) : 0;
}

/* The cell of column col in row `row` of table t (col < t->cap). */
static inline const double *mxp_slot_cell(const struct mxp_chart_slots *t, unsigned row, uint32_t col)
{
	return &t->cell[(size_t)row * t->cap + col];
}

/* What d's cell for time t holds (NAN: a gap, or nothing stored): for tests and
 * tools; readers of many dims go by rows (chart_read.c). */
static inline double mxp_dim_slot_at(const struct mxp_dim *d, time_t t)
{
	const struct mxp_chart_slots *tab = mxp_chart_slots_of(d);
	if (tab == NULL)
		return NAN;
	unsigned row = (unsigned)((uint64_t)(t / d->chart->update_every) % tab->history);
	return ck_pr_load_double(mxp_slot_cell(tab, row, d->col));
}

/* The built-in ring database, as a query interface (see mxp/query.h). */
extern const struct mxp_query_ops mxp_ring_query_ops;

#endif
