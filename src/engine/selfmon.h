/* selfmon.h — the exporter's own charts (FORMATS.md §8): per instance, what the sender
 * counted (metrics, bytes, operations) and the CPU of mxp's threads, as charts in the
 * store, so they are exported like any other chart and `mxpd --stats` can print them.
 *
 * One owner thread per selfmon (the exporter's owner): it is the writer of the charts
 * (the store allows one writer per chart) and the only caller of every function here.
 * The counters come in as copies (mxp_sender_counters(), send_counters.h) and the CPU
 * times from the threads' slots (thread_cpu.h), which any thread may read; selfmon never
 * touches the sender's or the threads' state. */
#ifndef MXP_SELFMON_H
#define MXP_SELFMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>

struct mxp_store;
struct mxp_chart;
struct mxp_thread_cpu;
struct mxp_send_counters;

/* The charts (the seed's four, mxp's per-thread chart, then mxp's chart of losses by
 * reason; the CPU charts are created with the first thread, the others at once). */
enum mxp_selfmon_chart {
	MXP_SELFMON_METRICS,        /* netdata.backend_metrics */
	MXP_SELFMON_BYTES,          /* netdata.backend_bytes */
	MXP_SELFMON_OPS,            /* netdata.backend_ops */
	MXP_SELFMON_THREAD_CPU,     /* netdata.backend_thread_cpu: the sum over the threads */
	MXP_SELFMON_THREADS_CPU,    /* netdata.mxp_thread_cpu: user and system per thread */
	MXP_SELFMON_LOST,           /* netdata.mxp_lost: the metrics lost in the interval, by
				     * reason (their sum is backend_metrics' lost) */
	MXP_SELFMON_NCHARTS,
};

/* What a chart is. The store has no field for the priority (nor the seed's plugin,
 * "backends"), so they live here, for tests and for whoever shows the charts. */
struct mxp_selfmon_chart_info {
	const char *id;             /* after "netdata.", before any instance suffix */
	const char *title;
	const char *units;
	int priority;
	const char *chart_type;
};
extern const struct mxp_selfmon_chart_info mxp_selfmon_charts[MXP_SELFMON_NCHARTS];

/* The values the charts got from the last update (one interval), as the seed's charts
 * meant them. */
struct mxp_selfmon_values {
	uint64_t buffered;          /* metrics that were in the buffer during the interval */
	uint64_t lost, sent;        /* metrics lost / fully written in the interval */
	uint64_t queued;            /* metrics still queued at the update (printed, not charted) */
	uint64_t bytes_buffered, bytes_lost, bytes_sent, bytes_received;
	uint64_t writes, discards, reconnects, failures, reads;
	uint64_t late;              /* exports that began late, in the interval (ops.late) */
	/* lost, by reason (send_counters.h): buffer full, refused by the receiver, too large
	 * for any request, still queued at shutdown */
	uint64_t lost_buffer_full, lost_rejected, lost_too_large, lost_shutdown;
};

struct mxp_selfmon;

/* Creates the counter charts of one exporter instance on the store's localhost (the
 * store's first host; if the store has no host yet, adds one named by gethostname(),
 * which becomes the localhost).
 *
 * instance_name is what print() shows (NULL shows "backend"). name_in_ids puts it into
 * every chart id, for when several instances export from one store: "netdata." + the
 * seed's id + "_" + the name with every byte other than an ASCII letter or digit
 * written '_' (at most 100 bytes), e.g. "graphite:prod" -> netdata.backend_metrics_graphite_prod.
 * Without it the ids are the seed's. Either way a chart's context is the seed's id, so
 * a health template on the context covers every instance. update_every is the
 * instance's, in seconds.
 *
 * Returns the selfmon, or NULL with errno: EINVAL (update_every < 1, name_in_ids with
 * an empty or NULL name), EEXIST (the ids are taken: two instances whose names sanitize
 * alike, or one created twice), ENOENT (the localhost was removed), ENOMEM. */
struct mxp_selfmon *mxp_selfmon_new(struct mxp_store *store, const char *instance_name, bool name_in_ids,
				    int update_every);

/* Charts slot's thread: its user and system time join netdata.backend_thread_cpu (the
 * sum) and get dimensions "<name>_user" and "<name>_system" (the slot's name with every
 * byte other than an ASCII letter or digit written '_') on netdata.mxp_thread_cpu. The
 * two CPU charts are created with the first thread; a selfmon without threads has none.
 * Only before the first update (a thread added later would make the sum jump). slot
 * must outlive the selfmon. Returns 0, -EBUSY (already updated), -EEXIST (a thread of
 * that sanitized name was added), -EINVAL (an empty name), -ENOMEM. */
int mxp_selfmon_add_thread(struct mxp_selfmon *sm, const struct mxp_thread_cpu *slot);

/* One update of every chart at tv (NULL = the wall clock), from the sender's counters
 * now (totals since the instance started) and the threads' latest samples:
 *  - metrics and bytes: lost, sent (and received) are the growth since the previous
 *    update; buffered is what was in the buffer during the interval, the seed's value:
 *    the level now + sent + lost in the interval (= the level at the previous update +
 *    what was produced since), so it equals sent when everything went out and the
 *    seed's `abs($sent) * 100 / abs($buffered)` alarm reads 100;
 *  - ops: the growth of each operation counter, and `late` of late_exports;
 *  - CPU: cumulative microseconds (the charts' dimensions are incremental).
 * The first update counts from zero (the counters' start). A counter below its previous
 * value (the instance restarted its counters) counts from zero again. */
void mxp_selfmon_update(struct mxp_selfmon *sm, const struct mxp_send_counters *now, const struct timeval *tv);

/* The values of the last update; NULL before the first. */
const struct mxp_selfmon_values *mxp_selfmon_last(const struct mxp_selfmon *sm);

/* The chart, or NULL (a CPU chart when no thread was added). For tests and mxpd. */
struct mxp_chart *mxp_selfmon_chart(const struct mxp_selfmon *sm, enum mxp_selfmon_chart which);

/* Writes one human-readable block to out: the instance's metrics, bytes and operations
 * of the last interval, and each thread's CPU in ms/s over it (from the second update
 * on). */
void mxp_selfmon_print(const struct mxp_selfmon *sm, FILE *out);

/* Removes the selfmon's charts from the store (so that an exporter restarted on the
 * same store can create them again) and frees it. Call it before mxp_store_free(), once
 * the owner stopped updating; the localhost must not have been removed. NULL is a
 * no-op. */
void mxp_selfmon_free(struct mxp_selfmon *sm);

#endif
