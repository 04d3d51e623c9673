/* mxp/store.h — the metric store an agent writes into and mxp exports from.
 *
 * Hosts -> charts -> dimensions, modelled on netdata's RRD. The agent's collection
 * threads are the writers; mxp's threads are the readers.
 *
 * Concurrency contract (the whole point of this store):
 *  - mxp_dim_set() and mxp_chart_done() never block and never wait for a reader. Each
 *    chart carries a sequence counter (ck_sequence); mxp_chart_done() bumps it around
 *    the update of every dimension of the chart, and a reader that saw it move retries.
 *    A chart has ONE writer at a time (the thread that collects it), as in netdata.
 *  - mxp_host_add(), mxp_chart_add(), mxp_dim_add() and the removals may be called from
 *    any writer thread; they serialise among themselves on a store mutex that readers
 *    never take. New objects are fully built, then published with a release store, so a
 *    reader that finds one sees it whole. Objects appear in creation order.
 *  - Removed objects are unlinked at once and freed only when no reader can still hold
 *    them (ck_epoch). A writer must have stopped writing a chart before removing it.
 */
#ifndef MXP_STORE_H
#define MXP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mxp_store;
struct mxp_host;
struct mxp_chart;
struct mxp_dim;

/* How a dimension turns collected integers into stored values, as netdata defines it. */
enum mxp_algorithm {
	MXP_ALG_ABSOLUTE = 0,       /* stored = collected * multiplier / divisor */
	MXP_ALG_INCREMENTAL,        /* stored = (collected - previous) * multiplier / divisor / seconds elapsed; a counter that goes back counts 0 */
	MXP_ALG_PCENT_OVER_ROW,     /* stored = 100 * collected / sum of the chart's collected values (mul/div unused) */
	MXP_ALG_PCENT_OVER_DIFF,    /* stored = 100 * delta / growth of that sum since the last update (mul/div unused) */
};

/* Returns netdata's name of an algorithm ("absolute", "incremental",
 * "percentage-of-absolute-row", "percentage-of-incremental-row"). */
const char *mxp_algorithm_name(enum mxp_algorithm alg);
/* Parses netdata's name of an algorithm; returns 0 or -EINVAL. */
int mxp_algorithm_parse(const char *name, enum mxp_algorithm *out);

/* One name=value label. */
struct mxp_label {
	const char *name;
	const char *value;
};

struct mxp_store_options {
	/* Stored values kept per dimension (slots of the chart's update every), 8 bytes
	 * each. An export reads back (its update every + 3) slots of a 1 s chart, so the
	 * default (32) serves an exporter update every of up to 29 s on 1 s charts;
	 * raise it for longer intervals. 0 = default; above 2^24, mxp_store_new() fails
	 * with EINVAL. */
	unsigned history;
};

/* What a chart is, as netdata describes one. Strings are copied. */
struct mxp_chart_def {
	const char *type;          /* "system": the part of the id before the dot */
	const char *id;            /* "cpu": the full id becomes "system.cpu" */
	const char *name;          /* NULL = same as id; else "type.name" as netdata does */
	const char *family;        /* NULL = id */
	const char *context;       /* NULL = the full id */
	const char *units;         /* NULL = "" */
	const char *title;         /* NULL = "" */
	const char *chart_type;    /* "line", "area", "stacked"; NULL = "line" */
	int update_every;          /* seconds, >= 1 */
	const struct mxp_label *labels;
	size_t nlabels;
};

/* ---- the store ---- */

/* Returns a new empty store, or NULL when out of memory. opt may be NULL. */
struct mxp_store *mxp_store_new(const struct mxp_store_options *opt);
/* Frees the store and everything in it. No reader or writer may be running. */
void mxp_store_free(struct mxp_store *store);

/* ---- writers: structure ---- */

/* Adds a host. The first host added is "localhost" for the exporter (the seed's
 * `hostname` override applies to it only). tags may be NULL: the raw netdata
 * `host tags` string. Returns the host, or NULL with errno set (ENOMEM, EEXIST). */
struct mxp_host *mxp_host_add(struct mxp_store *store, const char *hostname, const char *tags,
			      const struct mxp_label *labels, size_t nlabels);
/* Adds a chart to host. Returns it, or NULL with errno (ENOMEM, EEXIST, EINVAL). */
struct mxp_chart *mxp_chart_add(struct mxp_host *host, const struct mxp_chart_def *def);
/* Adds a dimension to chart. name NULL = id; divisor 0 becomes 1, multiplier 0 becomes 1
 * (as netdata). Returns it, or NULL with errno (ENOMEM, EEXIST). Must be called by the
 * chart's writer (or before it starts). */
struct mxp_dim *mxp_dim_add(struct mxp_chart *chart, const char *id, const char *name,
			    long multiplier, long divisor, enum mxp_algorithm algorithm);

/* Unlinks and (later, once no reader holds it) frees. The chart's writer must have
 * stopped. Returns 0. */
int mxp_chart_remove(struct mxp_chart *chart);
int mxp_host_remove(struct mxp_host *host);

/* ---- writers: values (never block) ---- */

/* Records the value collected for dim in the current update of its chart. */
void mxp_dim_set(struct mxp_dim *dim, long long value);
/* Ends the chart's current update at time now (NULL = the wall clock): computes every
 * dimension's stored value from what was set since the last update and publishes it.
 * A dimension not set in this update gets a gap. An update whose time is earlier than
 * one update every after the epoch is dropped (no slot can hold it). */
void mxp_chart_done(struct mxp_chart *chart, const struct timeval *now);

/* ---- lookup (any thread; the result is valid while the object is not removed) ---- */
struct mxp_host *mxp_host_find(struct mxp_store *store, const char *hostname);
struct mxp_chart *mxp_chart_find(struct mxp_host *host, const char *full_id);
struct mxp_dim *mxp_dim_find(struct mxp_chart *chart, const char *id);

#ifdef __cplusplus
}
#endif
#endif
