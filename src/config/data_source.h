/* data_source.h — the seed's `data source` values and their aliases (FORMATS.md §1.3). */
#ifndef MXP_DATA_SOURCE_H
#define MXP_DATA_SOURCE_H

/* How an instance produces values; the bits are the seed's option bits. */
enum mxp_source {
	MXP_SOURCE_AS_COLLECTED = 1u << 0, /* the collector's raw integer and its time */
	MXP_SOURCE_AVERAGE = 1u << 1,      /* mean of the stored values of the window */
	MXP_SOURCE_SUM = 1u << 2,          /* sum of the stored values of the window */
};

/* Parses a `data source` value, case-sensitively as the seed: "raw", "as collected",
 * "as-collected", "as_collected", "ascollected", "average", "sum", "volume".
 * Returns 0, or -EINVAL for anything else (the caller reports it; the seed then kept
 * the default, average). */
int mxp_source_parse(const char *value, enum mxp_source *out);
/* The canonical name: "as collected", "average" or "sum". */
const char *mxp_source_name(enum mxp_source src);

#endif
