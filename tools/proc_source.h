/* proc_source.h — feeds a host of the store with this machine's metrics read from /proc,
 * under the chart ids netdata's proc plugin uses (system.cpu, system.ram, system.load,
 * net.<iface>, disk.<dev>), so that mxp can be run and compared without an agent.
 *
 * One source is one writer: every function below must be called from the same thread
 * (or with the caller serialising them), as the store allows one writer per chart.
 */
#ifndef MXP_PROC_SOURCE_H
#define MXP_PROC_SOURCE_H

#include <stddef.h>
#include <sys/time.h>

#include "mxp/store.h"

struct mxp_proc_source;

/* Creates on host the charts whose /proc file can be read now, to be collected every
 * update_every seconds (>= 1). A file that is missing or unreadable only means its charts
 * are absent (nothing is logged: the caller reports what mxp_proc_source_charts() says);
 * a chart that already exists on host under the same id is taken over, not duplicated.
 * Returns the source, owned by the caller (free it with mxp_proc_source_free()), or NULL
 * with errno set (EINVAL for a bad update_every, ENOMEM); on failure the charts it had
 * created are removed again. */
struct mxp_proc_source *mxp_proc_source_new(struct mxp_host *host, int update_every);

/* As mxp_proc_source_new(), reading proc_dir instead of "/proc" and sys_dir instead of
 * "/sys" (a host's /proc mounted into a container, or a test's fixture). Both strings
 * are copied. */
struct mxp_proc_source *mxp_proc_source_new_at(struct mxp_host *host, int update_every,
					       const char *proc_dir, const char *sys_dir);

/* Reads every file once and publishes every chart it read with mxp_dim_set() and
 * mxp_chart_done(chart, now); now NULL means the wall clock, read once for all charts.
 * Interfaces and disks that appeared since the last call get their charts now; those
 * that vanished are not set, so their charts get a gap. A file that fed charts before but
 * cannot be read now leaves them with a gap too.
 * Returns 0, or the first -errno met (a chart that could not be created, a file that could
 * not be read) after publishing everything else. */
int mxp_proc_source_collect(struct mxp_proc_source *src, const struct timeval *now);

/* Returns how many charts src feeds (grows as interfaces and disks appear). */
size_t mxp_proc_source_charts(const struct mxp_proc_source *src);

/* Frees src. The charts stay on the host, with their data; src NULL is allowed. */
void mxp_proc_source_free(struct mxp_proc_source *src);

#endif
