/* pipeline_internal.h — the export of K instances that share a data source (one walk
 * serves them all) across 2 + N threads, joined only by mxp_channel: the objects they
 * hand each other. The threads' code: pipeline_collect.c (the collector),
 * pipeline_format.c (the formatters), pipeline.c (the sink, the owner, start and stop).
 *
 * Threads and what they hand on (every arrow is one mxp_channel, hence one producer and
 * one consumer; objects come back through the channel's `empty` ring):
 *
 *   owner  --cmd[1 window]-->  collector  --shards[i]-->  formatter i  --out[i]-->  sink
 *     ^                          ^  (256 records/shard)        |  (mxp_buf, instance,  |
 *     |                          +------ack[i] (1/window)-----+    count)             |
 *     +-------------------------------- result (1/window) ---------------------------+
 *
 *  - owner (the caller of mxp_pipeline_export): holds the single `cmd` object between
 *    windows; fills it with [after, before] and publishes it; waits for the sink's
 *    `result`, then re-acquires `cmd`, which the collector released with the window's
 *    produced counts and error. So export returns when the window is delivered AND the
 *    collector has left its epoch section: windows never overlap.
 *  - collector (1 thread): receives `cmd`, opens an epoch read section, walks hosts and
 *    charts as export_walk.c does, asking each instance's filter cache, reads a chart
 *    (mxp_chart_read) when any instance takes it, and writes one record
 *    {dim, mask, t, value, the dim's serial} (32 bytes) per exported dim — mask: the instances that
 *    take it — into formatter (dim->serial % N)'s current shard, publishing it when
 *    full; so a series always goes to one formatter and its points stay in order. At
 *    the end it publishes each formatter's last shard (possibly empty) marked
 *    end-of-window, then waits for N acks.
 *  - formatter i (N threads): formats each record of each shard, for each instance in
 *    its mask, into that instance's output buffer (its format table, through the
 *    series' record template when the format has one), counts what was appended,
 *    releases the shard; publishes a buffer to the sink whenever it passes
 *    MXP_PIPELINE_FLUSH_BYTES; on the end-of-window shard it publishes each instance's
 *    last buffer (possibly empty) marked end, then its ack (counts per instance and
 *    error) to the collector. After the ack it holds no pointer into the store.
 *  - sink (1 thread): polls the N `out` channels, hands each non-empty buffer to its
 *    instance's deliver() or take(), releases it; after an instance's N end-of-window
 *    buffers it calls that instance's window_end(); after all K, publishes `result`.
 *
 * Ordering relied on: only the channel's (channel.h): everything written into an object
 * before publish/release is visible after the matching receive/acquire, and nobody
 * touches an object after handing it on. Counts travel inside the objects, so the
 * owner reads them with no other synchronisation.
 *
 * Epoch rule: records hold pointers into the store, valid only while the collector's
 * epoch section is open (a removed object is freed only after it ends). The collector
 * calls mxp_store_read_end() only after receiving all N acks, and each formatter acks
 * only after its last read of a record: ack publish -> ack receive -> read_end ->
 * reclaim orders every formatter read before the free (TSan sees the same chain).
 *
 * Backpressure, never loss: a formatter with MXP_PIPELINE_SHARDS shards unreleased makes
 * the collector wait in mxp_channel_acquire_wait_spsc; a formatter whose output buffers
 * are all at the sink waits the same way. The shards' channel waits in batches
 * (channel.h): a collector that waits sleeps until half the shards are free, a formatter
 * that waits until a quarter are full or the window's last is published (a flush), so
 * the two, about as fast as each other, do not hand a core back and forth per shard.
 * Steady state allocates nothing: shards, buffers, acks and commands are channel objects
 * allocated at creation; only an output buffer may grow.
 *
 * Stop: mxp_pipeline_free() sets `stop` (between exports, so nothing is in flight); every
 * waiting call then returns NULL and each thread returns; free joins them all.
 */
#ifndef MXP_ENGINE_PIPELINE_INTERNAL_H
#define MXP_ENGINE_PIPELINE_INTERNAL_H

#include <ck_pr.h>
#include <float.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "collect/chart_read.h"
#include "engine/filter_cache.h"
#include "engine/pipeline.h"
#include "engine/thread_cpu.h"
#include "format/buf.h"
#include "ring/channel.h"

/* 32 bytes: records cross from the collector's core to a formatter's, a cache line
 * per two records. The chart and host are the dim's (dim->chart, chart->host), valid
 * while the collector's epoch section is open. */
struct record {
	const struct mxp_dim *dim;      /* NULL: a host's own record (v.host) */
	uint32_t mask;                  /* bit k: instance k exports it */
	uint32_t t;                     /* seconds since the epoch (until 2106) */
	union {
		struct {
			long long value;
			uint32_t ms;    /* the milliseconds of the collection time */
		} collected;            /* MXP_SOURCE_AS_COLLECTED */
		long double stored;     /* average, sum */
		const struct mxp_host *host; /* dim == NULL: formats' put_host, at t */
		struct {
			unsigned char value[12];
			uint32_t serial; /* the dim's (MXP_RECORD_SERIAL_IN_VALUE) */
		} tail;
	} v;
};
_Static_assert(sizeof(struct record) == 32, "a record is half a cache line");

/* Where the x87's 80-bit long double leaves 6 of its 16 bytes unused (and as-collected
 * values 4), a record carries its dim's serial in the last 4: the formatter finds the
 * dim's template by serial (series_cache.h) without reading the dim. Elsewhere it reads
 * dim->serial. */
#if LDBL_MANT_DIG == 64 && __SIZEOF_LONG_DOUBLE__ == 16
#define MXP_RECORD_SERIAL_IN_VALUE 1
_Static_assert(offsetof(struct record, v.collected.ms) + sizeof(uint32_t) <= offsetof(struct record, v.tail.serial) &&
		       offsetof(struct record, v) + 10 <= offsetof(struct record, v.tail.serial),
	       "the serial lies past every value's bytes");
#else
#define MXP_RECORD_SERIAL_IN_VALUE 0
#endif

/* The serial of a record's dim (dim != NULL). */
__attribute__((always_inline)) static inline uint32_t record_serial(const struct record *r)
{
#if MXP_RECORD_SERIAL_IN_VALUE
	return r->v.tail.serial;
#else
	return r->dim->serial;
#endif
}
/* walk() copies a reading's value into a record as bytes */
_Static_assert(sizeof(((struct record *)0)->v) == sizeof(((struct mxp_dim_reading *)0)->v) &&
		       offsetof(struct record, v.collected.ms) - offsetof(struct record, v) ==
			       offsetof(struct mxp_dim_reading, v.collected.ms) - offsetof(struct mxp_dim_reading, v),
	       "a record's value lies as a reading's");

struct shard {
	unsigned n;                     /* records used */
	bool end;                       /* the formatter's last shard of the window */
	struct record rec[MXP_PIPELINE_SHARD_RECORDS];
};

struct outbuf {
	struct mxp_buf buf;             /* owned by the object; grown, never freed until teardown */
	unsigned inst;                  /* the instance whose bytes these are */
	long records;                   /* what the format calls appended (and the seal kept) */
	long dropped;                   /* records the seal left out */
	int err;                        /* 0 or -errno of a format call */
	bool end;
};

struct ack {
	long records[MXP_PIPELINE_MAX_INSTANCES]; /* per instance, this window */
	int err;
	uint64_t templates;             /* the formatter's templates rendered so far */
};

struct window_cmd {
	time_t after, before;           /* owner -> collector */
	long produced[MXP_PIPELINE_MAX_INSTANCES]; /* collector -> owner: the formatters' counts */
	int err;                        /* collector -> owner: walk or formatter error */
	unsigned retries;               /* collector -> owner: chart read retries */
	uint64_t templates;             /* collector -> owner: the formatters' templates so far */
};

struct window_result {
	long delivered[MXP_PIPELINE_MAX_INSTANCES];
	int err;
};

struct formatter {
	struct mxp_channel shards;      /* collector -> this formatter */
	struct mxp_channel out;         /* this formatter -> sink */
	struct mxp_channel ack;         /* this formatter -> collector */
	struct mxp_pipeline *p;
	unsigned index;
	pthread_t thread;
	bool started;
	struct mxp_thread_cpu cpu;      /* this formatter's own, sampled each window */
	struct mxp_buf scratch;         /* where a record template is rendered */
	struct mxp_buf sealed;          /* where a body format may seal a body (swapped in) */
	struct outbuf *o[MXP_PIPELINE_MAX_INSTANCES]; /* formatter only: being filled, or NULL */
	long win_records[MXP_PIPELINE_MAX_INSTANCES]; /* of the pieces handed on this window */
	int win_err;
	uint64_t templates_rendered;    /* this formatter's; the owner learns it through the ack */
};

struct mxp_pipeline {
	struct mxp_channel cmd;         /* owner -> collector */
	struct mxp_channel result;      /* sink -> owner */

	/* read-only once the threads run */
	struct mxp_store *store;
	const struct mxp_export_settings *settings[MXP_PIPELINE_MAX_INSTANCES];
	unsigned k;                     /* instances: one walk, K outputs */
	unsigned n;                     /* formatters */
	struct mxp_pipeline_sink sink_fn[MXP_PIPELINE_MAX_INSTANCES];
	struct formatter *f;
	int cache_slot[MXP_PIPELINE_MAX_INSTANCES]; /* each instance's series cache slot, or -1 */
	void **const *series_dir;       /* the store's series cache directory (never moves) */
	uint64_t owner[MXP_PIPELINE_MAX_INSTANCES]; /* unique: marks the templates each made */
	uint32_t host_mask;             /* instances whose format writes per-host records */
	pthread_t collector, sink;
	bool collector_started, sink_started;
	struct mxp_thread_cpu collector_cpu, sink_cpu;
	/* rung by every formatter's publish to the sink: the sink sleeps on it */
	_Alignas(CK_MD_CACHELINE) struct mxp_doorbell sink_bell;

	/* written by free() only, read by everyone (ck_pr) */
	_Alignas(CK_MD_CACHELINE) int stop;

	/* collector only */
	_Alignas(CK_MD_CACHELINE) struct mxp_store_reader *reader;
	struct mxp_filter_cache filters[MXP_PIPELINE_MAX_INSTANCES];
	struct mxp_chart_reading reading;
	struct shard **cur;             /* n: each formatter's shard being filled, or NULL */

	/* owner only */
	_Alignas(CK_MD_CACHELINE) struct window_cmd *cmd_held;
	struct mxp_pipeline_stats stats;
};

/* The threads' bodies: pthread start routines (arg: the pipeline; a formatter's: its
 * struct formatter). */
void *mxp_pipeline_collector_main(void *arg);
void *mxp_pipeline_formatter_main(void *arg);

#endif
