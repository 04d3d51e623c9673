/* pipeline.h — one instance's export split across threads: a collector walks the store
 * into shards of records, N formatters turn shards into bytes, a sink delivers the bytes.
 * The threads, what each hands to the next and the ordering relied on are described at
 * the top of pipeline.c. */
#ifndef MXP_PIPELINE_H
#define MXP_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "collect/store_internal.h"
#include "engine/export_settings.h"

#define MXP_PIPELINE_SHARD_RECORDS 256u	/* records per shard (one channel object) */
#define MXP_PIPELINE_SHARDS 16u		/* shards in flight per formatter: beyond, the collector waits */
#define MXP_PIPELINE_OUTBUFS 2u		/* output buffers per formatter: one filled, one delivered */
#define MXP_PIPELINE_MAX_FORMATTERS 256u

/* Called on the sink thread with one formatter's output of one window (never with
 * len 0). Returns 0, or -errno: the window then fails with that error and its records
 * do not count as delivered. data is valid only during the call. */
typedef int (*mxp_pipeline_deliver_fn)(void *arg, const char *data, size_t len, long records);

struct mxp_pipeline;

/* Counts kept by the owner's thread, exact after each mxp_pipeline_export(). */
struct mxp_pipeline_stats {
	uint64_t windows;          /* exports completed (with or without an error) */
	long last_produced;        /* records the formatters appended in the last window */
	long last_delivered;       /* records handed to deliver (and accepted) in the last window */
	uint64_t produced;         /* totals over every window */
	uint64_t delivered;
	uint64_t read_retries;     /* chart reads retried because a writer published meanwhile */
};

/* Starts the collector, nformatters formatters (1..MXP_PIPELINE_MAX_FORMATTERS) and the
 * sink for settings over store. settings, store and arg must outlive the pipeline.
 * Returns the pipeline, or NULL with errno EINVAL (nformatters out of range, NULL
 * deliver or format), ENOMEM, or what pthread_create failed with. The caller MUST call
 * mxp_pipeline_free(). */
struct mxp_pipeline *mxp_pipeline_new(struct mxp_store *store, const struct mxp_export_settings *settings,
				      unsigned nformatters, mxp_pipeline_deliver_fn deliver, void *arg);

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
