/* mxp/exporter.h — run mxp inside an agent: mxp_exporter_start() reads netdata's
 * exporter configuration and starts mxp's threads over the agent's store; they export
 * every enabled instance at the end of each of its intervals until mxp_exporter_stop().
 *
 * Threads started: a scheduler (unless opt->manual), and per instance a collector, N
 * formatters and a sink; one sender for every instance. None of them takes a lock the
 * agent's writers take (store.h); the agent keeps calling mxp_dim_set() and
 * mxp_chart_done() from its own threads while mxp runs.
 *
 * Every function here is for one owner thread, except mxp_exporter_counters(), which
 * any thread may call. */
#ifndef MXP_EXPORTER_H
#define MXP_EXPORTER_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "mxp/send_counters.h"
#include "mxp/store.h"

enum mxp_exporter_io {
	MXP_EXPORTER_IO_AUTO,     /* io_uring unless unavailable or MXP_IO=epoll */
	MXP_EXPORTER_IO_URING,
	MXP_EXPORTER_IO_EPOLL,
};

struct mxp_exporter_options {
	unsigned formatters;      /* per instance; 0: its `formatter threads`, else one per core
				   * but one (at least one) */
	enum mxp_exporter_io io;
	int manual;               /* nonzero: no scheduler thread; the owner calls
				   * mxp_exporter_tick() or mxp_exporter_export() */
	FILE *stats;              /* non-NULL: the self-monitoring values of each instance
				   * are printed there after each of its exports */
	int self_charts;          /* nonzero: the seed's charts (netdata.backend_*) are
				   * created in the store and exported like any other */
};

struct mxp_exporter;

/* Reads `config_file` (netdata.conf with [backend], or exporting.conf) and starts
 * exporting every enabled instance. opt may be NULL (defaults: all zero, self_charts on).
 * Returns NULL with errno: EINVAL when the configuration has errors (each is logged as
 * "FILE:LINE: [section] key: what is wrong") or an enabled instance has a type mxp
 * does not send yet; ENOENT when no instance is enabled; ENOMEM; or a thread's error. */
struct mxp_exporter *mxp_exporter_start(struct mxp_store *store, const char *config_file,
					const struct mxp_exporter_options *opt);

/* Manual mode: exports each instance whose interval ends at this second (the seed's
 * schedule: multiples of `update every` on the monotonic clock), covering the time
 * since its previous export. Call once a second, or at each mxp_exporter_next_tick().
 * Returns how many instances exported. */
int mxp_exporter_tick(struct mxp_exporter *e);

/* The next whole second of CLOCK_MONOTONIC (after the current one) at which
 * mxp_exporter_tick() has an export to start: an owner in manual mode sleeps until then
 * instead of ticking every second in between. */
int64_t mxp_exporter_next_tick(const struct mxp_exporter *e);

/* Manual mode: exports the window (after, before] of every instance now, whatever its
 * schedule (tests, benchmarks). Returns the records formatted, or -errno. */
long mxp_exporter_export(struct mxp_exporter *e, time_t after, time_t before);

/* Waits until the sender has written (or counted lost) everything exported so far, up
 * to timeout_ms (-1: no limit). 0, or -ETIMEDOUT (a receiver is down or slow: what is
 * queued stays queued). Exports return once their bytes are handed to the sender, so
 * call this before reading counters that must include the last export. */
int mxp_exporter_flush(struct mxp_exporter *e, long timeout_ms);

size_t mxp_exporter_instances(const struct mxp_exporter *e);
const char *mxp_exporter_instance_name(const struct mxp_exporter *e, size_t i);
/* Any thread: instance i's counters, one consistent moment. 0 or -EINVAL. */
int mxp_exporter_counters(struct mxp_exporter *e, size_t i, struct mxp_send_counters *out);
/* "io_uring" or "epoll" */
const char *mxp_exporter_io_name(const struct mxp_exporter *e);

/* Stops exporting, gives the sender up to deadline_ms (-1: no limit) to write what is
 * queued, counts the rest as lost (shutdown), joins every thread and frees everything.
 * Returns the metrics lost that way. NULL allowed. */
unsigned long long mxp_exporter_stop(struct mxp_exporter *e, long deadline_ms);

#endif
