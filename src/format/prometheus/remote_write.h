/* remote_write.h — the parts of the remote-write format its unit tests check on their
 * own (the format itself is mxp_format_remote_write, in format.h). */
#ifndef MXP_FORMAT_REMOTE_WRITE_H
#define MXP_FORMAT_REMOTE_WRITE_H

#include <stdbool.h>
#include <stddef.h>

#include "config/data_source.h"
#include "format/buf.h"
#include "mxp/store.h"

struct mxp_chart;

#define MXP_RW_TAGS_BUF 1025u  /* host tags are read from a copy of at most 1024 bytes */
/* labels of a series at most (its own 5, then host labels, then tag pairs, in that
 * order of precedence); those past it are left out */
#define MXP_RW_LABELS_MAX 256u

/* Appends the metric name of a series of chart c (FORMATS.md §3.3): the prefix (made a
 * valid start of a metric name), the context, and by source the dim (as collected, when
 * heterogeneous), the units and "_average", or "_sum". 0 or -ENOMEM. */
int mxp_rw_metric_name(struct mxp_buf *out, const char *prefix, enum mxp_source source, bool heterogeneous,
		       const struct mxp_chart *c, const char *dim_name);

/* Splits host tags into name=value pairs as the seed did (FORMATS.md §3.5), at most max,
 * pointing into buf (which it fills); returns how many. Empty values are kept here (the
 * labels then leave them out). */
size_t mxp_rw_split_tags(const char *tags, char buf[MXP_RW_TAGS_BUF], struct mxp_label *pairs, size_t max);

#endif
