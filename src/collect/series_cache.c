/* series_cache.c — dim serials and the per-serial caches (see series_cache.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "collect/series_cache.h"

void mxp_series_cache_init(struct mxp_series_cache *c)
{
	*c = (struct mxp_series_cache){0};
}

void mxp_series_cache_destroy(struct mxp_series_cache *c)
{
	/* the entries of serials ever handed out (those given back are NULL) */
	for (uint32_t s = 0; s < c->next; s++)
		for (unsigned k = 0; k < MXP_SERIES_CACHE_SLOTS; k++)
			free(*mxp_series_cache_entry(c->dir, k, s));
	for (unsigned k = 0; k < MXP_SERIES_CHUNKS; k++)
		free(c->dir[k]);
	free(c->free);
	*c = (struct mxp_series_cache){0};
}

int mxp_series_cache_serial_take(struct mxp_series_cache *c, uint32_t *serial)
{
	if (c->nfree > 0) {
		/* its chunk exists, its entries were cleared when it was given back */
		*serial = c->free[--c->nfree];
		return 0;
	}
	if (c->next == MXP_SERIAL_NONE)
		return -ENOSPC;
	const uint32_t s = c->next;
	uint64_t size, offset;
	const unsigned k = mxp_series_chunk_of(s, &size, &offset);
	if (c->dir[k] == NULL) {
		void **chunk = calloc(MXP_SERIES_CACHE_SLOTS * size, sizeof(*chunk));
		if (chunk == NULL)
			return -ENOMEM;
		/* the zeroed chunk before its address (series_cache.h: ordering) */
		ck_pr_fence_store();
		ck_pr_store_ptr(&c->dir[k], chunk);
	}
	c->next = s + 1;
	*serial = s;
	return 0;
}

void mxp_series_cache_serial_give_back(struct mxp_series_cache *c, uint32_t serial)
{
	if (serial == MXP_SERIAL_NONE)
		return;
	for (unsigned k = 0; k < MXP_SERIES_CACHE_SLOTS; k++) {
		void **e = mxp_series_cache_entry(c->dir, k, serial);
		free(*e);
		*e = NULL;
	}
	if (c->nfree == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		uint32_t *f = realloc(c->free, cap * sizeof(*f));
		if (f == NULL)
			return; /* the serial is not reused: one of 2^32 - 1 lost, nothing else */
		c->free = f;
		c->cap = cap;
	}
	c->free[c->nfree++] = serial;
}
