/* synthetic_source.h — a high-cardinality generator for benchmarks and demos
 * (`--synthetic HOSTS,CHARTS,DIMS`): many hosts of many charts of many dims, all set on
 * every collection with plausible values, so that mxp can be measured on a million series
 * without an agent producing them.
 *
 * One generator is one writer: its functions must be called from one thread at a time.
 */
#ifndef MXP_SYNTHETIC_SOURCE_H
#define MXP_SYNTHETIC_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "mxp/store.h"

/* The most series (hosts x charts x dims) one generator makes. */
#define MXP_SYNTHETIC_MAX_SERIES 100000000ull

struct mxp_synthetic;

/* Adds to store `hosts` hosts named "synthetic-%04u" (numbered from 0; "%06u" when there
 * are more than 10,000), each with `charts` charts "synthetic.chart%u" (family
 * "synthetic", units "value", context "synthetic.chart") of `dims` dims "dim%u", collected
 * every update_every seconds. Dim d of chart c is incremental (a monotonic counter) when
 * (c + d) % 4 == 3, so that a quarter of the series are counters whatever the shape; the
 * others are absolute, in hundredths (divisor 100), so that exported values have decimals
 * as real charts do. seed makes the values reproducible.
 * Returns the generator, owned by the caller (free it with mxp_synthetic_free()), or NULL
 * with errno set: EINVAL (a count of 0, more than MXP_SYNTHETIC_MAX_SERIES series,
 * update_every < 1), EEXIST (a host of that name is already in store), ENOMEM. On failure
 * the hosts it had added are removed again. */
struct mxp_synthetic *mxp_synthetic_new(struct mxp_store *store, unsigned hosts, unsigned charts,
					unsigned dims, int update_every, uint64_t seed);

/* Sets every dim of every chart to its next value (a bounded random walk for absolute
 * dims, a counter grown by a random amount for incremental ones), then ends each chart's
 * update with mxp_chart_done(chart, now); now NULL means the wall clock, read once for all
 * charts. Allocates nothing. */
void mxp_synthetic_collect(struct mxp_synthetic *syn, const struct timeval *now);

/* Returns how many series (dims) syn feeds. */
size_t mxp_synthetic_series(const struct mxp_synthetic *syn);

/* Frees syn. The hosts stay in the store, with their data; syn NULL is allowed. */
void mxp_synthetic_free(struct mxp_synthetic *syn);

/* Parses "H,C,D": three decimal counts, each >= 1, whose product is at most
 * MXP_SYNTHETIC_MAX_SERIES, nothing else (no signs, blanks or fourth field). Returns 0 and
 * fills the three outputs, or -EINVAL and leaves them alone. */
int mxp_synthetic_parse(const char *arg, unsigned *hosts, unsigned *charts, unsigned *dims);

#endif
