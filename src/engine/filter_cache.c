/* filter_cache.c — first-sight filter decisions, cached by serial. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collect/store_internal.h"
#include "config/simple_pattern.h"
#include "engine/export_settings.h"
#include "engine/filter_cache.h"
#include "engine/log.h"

/* Returns the decision slot for serial, growing the array; NULL when out of memory. */
static uint8_t *slot(uint8_t **arr, size_t *n, uint32_t serial)
{
	if (serial >= *n) {
		size_t cap = *n ? *n : 64;
		while (cap <= serial)
			cap *= 2;
		uint8_t *p = realloc(*arr, cap);
		if (p == NULL)
			return NULL;
		memset(p + *n, 0, cap - *n);
		*arr = p;
		*n = cap;
	}
	return &(*arr)[serial];
}

int mxp_filter_host(struct mxp_filter_cache *fc, const struct mxp_export_settings *s,
		    const struct mxp_host *h)
{
	uint8_t *d = slot(&fc->host, &fc->nhost, h->serial);
	if (d == NULL)
		return -ENOMEM;
	if (*d == 0) {
		bool send = s->hosts == NULL ||
			    mxp_pattern_matches(s->hosts, h->is_localhost ? "localhost" : h->hostname);
		*d = send ? 1 : 2;
		mxp_log(MXP_LOG_INFO, "%s backend for host '%s'", send ? "enabled" : "disabled", h->hostname);
	}
	return *d == 1;
}

int mxp_filter_chart(struct mxp_filter_cache *fc, const struct mxp_export_settings *s,
		     const struct mxp_chart *c)
{
	uint8_t *d = slot(&fc->chart, &fc->nchart, c->serial);
	if (d == NULL)
		return -ENOMEM;
	if (*d == 0)
		*d = (mxp_pattern_matches(s->charts, c->id) || mxp_pattern_matches(s->charts, c->name)) ? 1 : 2;
	return *d == 1;
}

void mxp_filter_cache_free(struct mxp_filter_cache *fc)
{
	free(fc->host);
	free(fc->chart);
	memset(fc, 0, sizeof(*fc));
}
