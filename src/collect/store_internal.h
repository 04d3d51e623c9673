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
#include <stddef.h>

#include "collect/dim_slab.h"
#include "collect/series_cache.h"
#include "mxp/store.h"
#include "mxp/query.h"

#define MXP_STORE_DEFAULT_HISTORY 32u
#define MXP_STORE_MAX_HISTORY (1u << 24) /* slots per dim: 128 MiB each, past any sane config */

#define MXP_DIM_AHEAD 8         /* how far a dim's `ahead` points */

struct mxp_dim {
	/* The first 64 bytes: what the collector reads for every dim of a window, so a dim
	 * costs it these (one cache line: the dim slab aligns every dim to 64 bytes) and its
	 * window's slots. */
	struct mxp_dim *next;          /* published with a release store */
	/* [seq] published by mxp_chart_done(), read by readers under chart->seq */
	int64_t last_collected_value;  /* the raw integer of the last collection */
	int64_t last_collected_usec;   /* its time, microseconds since the epoch */
	uint64_t collections;          /* how many times it was collected */
	int64_t first_t;               /* time of the oldest slot ever stored; 0 = none */
	int64_t last_t;                /* time of the newest slot; 0 = none */
	uint32_t serial;               /* unique among live dims: formatter choice and the
					* exporters' caches (series_cache.h) */
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
	ck_epoch_entry_t epoch_entry;

	/* writer-private: what mxp_dim_set() recorded for the update in progress */
	long long pending;
	bool pending_set;
	bool has_prev;                 /* prev_* hold an earlier collection (incremental) */
	long long prev_collected;
	int64_t prev_usec;

	/* [seq] history slots, in the same allocation (a reader's prefetch of a dim finds
	 * them at a fixed offset, with no pointer to load first); NAN is a gap; slot of t
	 * = (t / U) % history */
	double slots[];
};
_Static_assert(offsetof(struct mxp_dim, ahead) + sizeof(void *) <= 64, "the collector's fields in 64 bytes");

/* For a writer that knows which dims it updates next (the plugin parser's END): asks for
 * the lines of d that mxp_dim_set() and mxp_chart_done() write, all but the slots, so
 * they arrive while the dims before are set. Always inlined (chart_read.c says why). */
__attribute__((always_inline)) static inline void mxp_dim_prefetch_write(const struct mxp_dim *d)
{
	for (size_t off = 0; off < offsetof(struct mxp_dim, slots); off += 64)
		__builtin_prefetch((const char *)d + off, 1);
	__builtin_prefetch((const char *)d + offsetof(struct mxp_dim, slots) - 1, 1);
}

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
};

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

/* The [seq] fields of a dim, copied by a reader. Valid only if the chart's sequence
 * did not move while they were read. */
static inline int64_t mxp_dim_last_collected_value(const struct mxp_dim *d)
{
	return (int64_t)ck_pr_load_64((const uint64_t *)&d->last_collected_value);
}
static inline int64_t mxp_dim_last_collected_usec(const struct mxp_dim *d)
{
	return (int64_t)ck_pr_load_64((const uint64_t *)&d->last_collected_usec);
}
static inline uint64_t mxp_dim_collections(const struct mxp_dim *d)
{
	return ck_pr_load_64(&d->collections);
}

/* The built-in ring database, as a query interface (see mxp/query.h). */
extern const struct mxp_query_ops mxp_ring_query_ops;

#endif
