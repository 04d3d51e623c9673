/* series_cache.h — a store's dim serials, and the exporters' per-series caches kept by
 * serial (the record templates of format.h, one slot per pipeline that holds one).
 *
 * Why by serial and not in the dim: a formatter reads a record's template for every
 * record it formats. When the template's address lay in the dim (its second cache
 * line), that line was a random read from memory per record, 12 % of the formatter's
 * samples at 100k dims even when prefetched (docs/ARCHITECTURE.md, "Where the
 * formatter's time is now"). The collector already reads the dim's serial (first line)
 * and hands it on in the record, so the formatter finds the template's address in a
 * table where the dims walked one after another sit side by side: 8 bytes per record,
 * read in order.
 *
 * Serials: each live dim has its own, 0..UINT32_MAX-1. A dim's serial comes back with
 * the dim (mxp_series_cache_serial_give_back, from dim_free) and is reused by a later
 * dim, so two live dims never share one (a serial that merely counted would wrap after
 * 2^32 dims and could), and the table stays as long as the store's dims are many.
 *
 * Layout: a directory of 2^16 chunk pointers (calloc'd: the pages of the chunks never
 * made are never touched); chunk c holds serials c * 2^16 .. c * 2^16 + 2^16 - 1, slot
 * by slot ([slot][serial % 2^16]: one slot's entries side by side). Chunks never move
 * and live as long as the store.
 *
 * Threads and ordering:
 *  - serial_take / serial_give_back: the store's writers, serialised by the caller
 *    (structure_lock; give_back also from mxp_store_free, alone). take publishes a new
 *    chunk with a release store of its directory entry before returning the serial;
 *    the caller publishes the dim (a release store) after that, and a reader learns a
 *    serial only from a published dim, so it always finds its chunk.
 *  - Entry (slot k, serial s): written and read only by the one formatter thread of slot
 *    k's pipeline that serial s maps to, while the collector's epoch section that handed
 *    it the dim is open. give_back frees the entries of a serial only when its dim is
 *    freed, after ck_epoch's grace period (no formatter can hold a record of it), and
 *    before the serial can be handed out again: plain loads and stores suffice.
 */
#ifndef MXP_SERIES_CACHE_H
#define MXP_SERIES_CACHE_H

#include <ck_pr.h>
#include <stddef.h>
#include <stdint.h>

#define MXP_SERIES_CACHE_SLOTS 4u       /* pipelines with a template cache per store */
#define MXP_SERIES_CHUNK_BITS 16u
#define MXP_SERIES_CHUNK_SERIALS (1u << MXP_SERIES_CHUNK_BITS)
#define MXP_SERIAL_NONE UINT32_MAX      /* a dim that never had a serial */

struct mxp_series_cache {
	void ***dir;                    /* 2^(32 - BITS) chunks, NULL until a serial needs one */
	uint32_t next;                  /* the lowest serial never handed out */
	uint32_t *free;                 /* serials given back, reused first (a stack) */
	size_t nfree, cap;
};

/* 0, or -ENOMEM. */
int mxp_series_cache_init(struct mxp_series_cache *c);
/* Frees the chunks and every entry still set (no reader may be left). */
void mxp_series_cache_destroy(struct mxp_series_cache *c);

/* A serial no live dim has, its entries all NULL, its chunk published. 0, -ENOMEM (no
 * chunk), or -ENOSPC (2^32 - 1 dims live). */
int mxp_series_cache_serial_take(struct mxp_series_cache *c, uint32_t *serial);
/* Frees the serial's entries and makes it reusable. MXP_SERIAL_NONE is ignored. */
void mxp_series_cache_serial_give_back(struct mxp_series_cache *c, uint32_t serial);

/* The entry of slot `slot` for `serial` (a serial taken and not given back). */
__attribute__((always_inline)) static inline void **mxp_series_cache_entry(void **const *dir, unsigned slot,
									   uint32_t serial)
{
	void **chunk = ck_pr_load_ptr(&dir[serial >> MXP_SERIES_CHUNK_BITS]);
	return &chunk[((size_t)slot << MXP_SERIES_CHUNK_BITS) | (serial & (MXP_SERIES_CHUNK_SERIALS - 1))];
}

#endif
