/* filter_cache.h — the seed's per-host and per-chart filter decisions, made on first
 * sight and kept for the object's life (the seed kept them in the object's flags; mxp
 * keeps them per instance, indexed by the object's serial). One owner thread. */
#ifndef MXP_FILTER_CACHE_H
#define MXP_FILTER_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct mxp_export_settings;
struct mxp_host;
struct mxp_chart;

struct mxp_filter_cache {
	uint8_t *host;           /* 0 undecided, 1 send, 2 skip */
	size_t nhost;
	uint8_t *chart;
	size_t nchart;
};

/* Whether h is exported: the hosts pattern is NULL (every host) or matches "localhost"
 * for the store's first host, else the hostname. Logs the decision once, as the seed.
 * Returns 1, 0, or -ENOMEM. */
int mxp_filter_host(struct mxp_filter_cache *fc, const struct mxp_export_settings *s,
		    const struct mxp_host *h);
/* Whether c is exported: the charts pattern matches its id or its name (a NULL pattern
 * matches nothing). Returns 1, 0, or -ENOMEM. */
int mxp_filter_chart(struct mxp_filter_cache *fc, const struct mxp_export_settings *s,
		     const struct mxp_chart *c);
void mxp_filter_cache_free(struct mxp_filter_cache *fc);

#endif
