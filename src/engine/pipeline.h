/* pipeline.h — one instance's export split across threads: a collector walks the store
 * into shards of records, N formatters turn shards into bytes, a sink delivers the bytes.
 * The threads, what each hands to the next and the ordering relied on are described at
 * the top of pipeline_internal.h. */
#ifndef MXP_PIPELINE_H
#define MXP_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "collect/store_internal.h"
#include "engine/export_settings.h"
#include "format/buf.h"

#define MXP_PIPELINE_SHARD_RECORDS 256u	/* records per shard (one channel object) */
#define MXP_PIPELINE_SHARDS 64u		/* shards in flight per formatter: beyond, the collector waits */
#define MXP_PIPELINE_FORMATTER_WAKE 16u	/* shards a waiting formatter sleeps for (or the window's last) */
#define MXP_PIPELINE_COLLECTOR_WAKE 32u	/* free shards a waiting collector sleeps for */
#define MXP_PIPELINE_OUTBUFS 4u		/* output buffers per formatter: filled, at the sink, in between */
#define MXP_PIPELINE_BODY_BYTES (8u * 1024u * 1024u) /* an HTTP request body is handed on
							 * past this many bytes (before sealing)
							 * even under `max samples per send`:
							 * receivers bound request sizes
							 * (VictoriaMetrics: 32 MiB by default) */
#define MXP_PIPELINE_FLUSH_BYTES (256u * 1024u) /* a formatter hands its buffer on past this,
					 * so a window streams out in bounded pieces */
#define MXP_PIPELINE_MAX_FORMATTERS 256u
#define MXP_PIPELINE_MAX_INSTANCES 16u	/* instances one walk serves */

/* The formatter threads of a pipeline when neither `formatter threads` nor --formatters
 * says: one per core but one, at least one (DESIGN.md §4 said one per core). The
 * collector and the sender are busy during an export too, so one formatter per core
 * makes more runnable threads than cores: on the 2-core VM, one formatter against two
 * measured 99-104 against 118-133 ns of exporting CPU per metric at 100k series and
 * 86 against 95 at 1M (docs/ARCHITECTURE.md, "Against netdata 1.37"), each formatter
 * doing the same work per line and the collector less. */
unsigned mxp_pipeline_default_formatters(void);

/* Called on the sink thread with one formatter's output of one window (never with
 * len 0). Returns 0, or -errno: the window then fails with that error and its records
 * do not count as delivered. data is valid only during the call. */
typedef int (*mxp_pipeline_deliver_fn)(void *arg, const char *data, size_t len, long records);

/* Or, instead of deliver: called on the sink thread with one formatter's buffer
 * (never empty); it may take the memory by swapping *buf's fields for those of an
 * empty buffer of its own (the sender does: no copy). Returns 0 or -errno. */
typedef int (*mxp_pipeline_take_fn)(void *arg, struct mxp_buf *buf, long records);
/* Called on the sink thread after the last buffer of each window. 0 or -errno. */
typedef int (*mxp_pipeline_window_end_fn)(void *arg);

/* Metrics of instance arg formatted but left out of every body (sink thread). 0 or -errno. */
typedef int (*mxp_pipeline_dropped_fn)(void *arg, long metrics);

struct mxp_pipeline_sink {
	mxp_pipeline_deliver_fn deliver;       /* one of deliver and take */
	mxp_pipeline_take_fn take;
	mxp_pipeline_window_end_fn window_end; /* optional */
	mxp_pipeline_dropped_fn dropped;       /* optional: metrics a body's seal left out
						* (too large for any request) */
	void *arg;
};

struct mxp_pipeline;
struct mxp_thread_cpu;

/* Counts kept by the owner's thread, exact after each mxp_pipeline_export(). */
struct mxp_pipeline_stats {
	uint64_t windows;          /* exports completed (with or without an error) */
	long last_produced;        /* records the formatters appended in the last window */
	long last_delivered;       /* records handed to deliver (and accepted) in the last window */
	long last_produced_of[MXP_PIPELINE_MAX_INSTANCES];  /* the same per instance */
	long last_delivered_of[MXP_PIPELINE_MAX_INSTANCES];
	uint64_t produced;         /* totals over every window */
	uint64_t delivered;
	uint64_t read_retries;     /* chart reads retried because a writer published meanwhile */
	uint64_t templates;        /* record templates rendered (format.h): once per series,
				    * then the cached one serves; 0 when the store had no
				    * cache slot left for this pipeline */
};

/* Starts the collector, nformatters formatters (1..MXP_PIPELINE_MAX_FORMATTERS) and the
 * sink for settings over store. settings, store and arg must outlive the pipeline.
 * Returns the pipeline, or NULL with errno EINVAL (nformatters out of range, NULL
 * deliver or format), ENOMEM, or what pthread_create failed with. The caller MUST call
 * mxp_pipeline_free(). */
struct mxp_pipeline *mxp_pipeline_new(struct mxp_store *store, const struct mxp_export_settings *settings,
				      unsigned nformatters, mxp_pipeline_deliver_fn deliver, void *arg);

/* The same with a sink: deliver or take (exactly one), and an optional window_end. */
struct mxp_pipeline *mxp_pipeline_new_sink(struct mxp_store *store, const struct mxp_export_settings *settings,
					   unsigned nformatters, const struct mxp_pipeline_sink *sink);

/* One walk for k instances (1..MXP_PIPELINE_MAX_INSTANCES) that share a data source:
 * the collector reads each chart once, for every instance whose filters take it, and
 * the formatters write each record once per such instance into that instance's own
 * buffers, delivered to sinks[i]. An export covers the same window for all. EINVAL
 * when the sources differ. */
struct mxp_pipeline *mxp_pipeline_new_group(struct mxp_store *store, const struct mxp_export_settings *const *settings,
					    const struct mxp_pipeline_sink *sinks, unsigned k, unsigned nformatters);

/* The pipeline's threads' CPU slots (thread_cpu.h): collector, sink, formatter 0..n-1;
 * each thread samples its own at the end of every window. k < 2 + nformatters. */
const struct mxp_thread_cpu *mxp_pipeline_thread_cpu(const struct mxp_pipeline *p, unsigned k);
unsigned mxp_pipeline_threads(const struct mxp_pipeline *p);

/* Exports the window [after, before] and returns once every byte of it went through
 * deliver. Returns the number of records delivered, or -errno: -ENOMEM (walk or
 * formatting ran out of memory), deliver's error, -ECANCELED (the pipeline is stopping).
 * One thread at a time (the owner); not concurrently with mxp_pipeline_free(). */
long mxp_pipeline_export(struct mxp_pipeline *p, time_t after, time_t before);

/* Copies the counts into *out. Owner's thread, between exports. */
void mxp_pipeline_stats(const struct mxp_pipeline *p, struct mxp_pipeline_stats *out);

/* Stops and joins every thread and frees everything; p NULL is allowed. */
void mxp_pipeline_free(struct mxp_pipeline *p);

#endif
