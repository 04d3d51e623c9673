/* proc_devs.h — the table of network interfaces or disks a proc source meets in a /proc
 * file (net/dev, diskstats), one record per device with the values of its last line and
 * the chart it feeds, kept across reads so that a device that comes back finds its chart.
 *
 * A table is embedded in its owner (zeroed, it is empty) and grows as devices appear;
 * records are never dropped until mxp_proc_devs_free(), so a read of a file whose devices
 * are all known allocates nothing. A table is one thread's, as its source is.
 */
#ifndef MXP_PROC_DEVS_H
#define MXP_PROC_DEVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "mxp/store.h"

/* The most dims one chart of a proc source has (system.cpu's ten). */
#define MXP_PROC_DIMS_MAX 10
/* Longest interface or disk name kept, with its NUL (the kernel's are 16 and 32). */
#define MXP_PROC_NAME_MAX 64
/* The dims of a device's chart (received/sent, reads/writes), one value each per line. */
#define MXP_PROC_DEV_DIMS 2

/* A chart a proc source feeds, with its dims in its template's order. All zero until the
 * source creates the chart (or takes it over); the source fills it. */
struct mxp_proc_chart {
	struct mxp_chart *chart;  /* NULL until created (or taken over) */
	struct mxp_dim *dims[MXP_PROC_DIMS_MAX];
	bool created;             /* added by the source, not taken over: undoing removes it */
};

/* One interface or disk met in its file. The table fills name; the caller sets the rest. */
struct mxp_proc_dev {
	char name[MXP_PROC_NAME_MAX];
	bool ignored;             /* lo, a partition, a loop or ram device: never charted */
	bool seen;                /* read in the file being parsed now */
	uint64_t values[MXP_PROC_DEV_DIMS]; /* what that line said, per dim */
	struct mxp_proc_chart pc;
};

/* The devices of one file, in the order first met. Callers embed it zeroed and touch no
 * field; the functions below own it. */
struct mxp_proc_devs {
	struct mxp_proc_dev *v;
	size_t n;
	size_t cap;
	size_t hint;              /* where the next line's device probably is */
};

/* Starts a read of d's file: no device is seen yet, and the search for the next device
 * starts at the first. */
void mxp_proc_devs_begin(struct mxp_proc_devs *d);

/* Returns the record of name in d, adding a zeroed one if new (then *added is true), or
 * NULL when out of memory (d unchanged). name MUST be shorter than MXP_PROC_NAME_MAX. The
 * pointer is valid until the next call that may add a record. Devices come in the same
 * order on every read, so the record after the last one found is tried first. */
struct mxp_proc_dev *mxp_proc_devs_get(struct mxp_proc_devs *d, const char *name, bool *added);

/* Returns how many of d's devices have a chart. */
size_t mxp_proc_devs_charted(const struct mxp_proc_devs *d);

/* Publishes every device of d seen in this read that has a chart: its values, as
 * mxp_proc_parse_counter() makes them, with mxp_dim_set(), then mxp_chart_done(at now). */
void mxp_proc_devs_publish(struct mxp_proc_devs *d, const struct timeval *now);

/* Removes from the host the charts of d's devices that were created (not taken over),
 * undoing a source that failed to start. The records still point at them: the caller
 * frees d next. */
void mxp_proc_devs_undo(struct mxp_proc_devs *d);

/* Frees d's records and leaves d empty. Their charts stay on the host. */
void mxp_proc_devs_free(struct mxp_proc_devs *d);

#endif
