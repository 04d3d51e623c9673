/* series_cache.h — a store's dim serials, and the exporters' per-series caches kept by
 * serial (the record templates of format.h, one slot per pipeline that holds one).
 *
 * Why by serial and not in the dim: a formatter reads a record's template for every
 * record it formats. When the template's address lay in the dim (its second cache
 * line), that line was a random read from memory per record, 12 % of the formatter's
 * samples at 100k dims even when prefetched (docs/ARCHITECTURE.md, "Against netdata
 * 1.37", items 15 and 16). The collector already reads the dim's serial (first line)
 * and hands it on in the record, so the formatter finds the template's address in a
 * table where the dims walked one after another sit side by side: 8 bytes per record,
 * read in order.
 *
 * Serials: each live dim has its own, 0..UINT32_MAX-1. A dim's serial comes back with
 * the dim (mxp_series_cache_serial_give_back, from dim_free) and is reused by a later
 * dim, so two live dims never share one (a serial that merely counted would wrap after
 * 2^32 dims and could), and the table grows only with the most dims held at once.
 *
 * Layout: chunks that double, like a segmented vector: chunk k holds 256 << k serials
 * (chunk 0: serials 0..255, chunk 1: 256..767, ...; 25 chunks cover 2^32), slot by slot
 * ([slot][serial's offset]: one slot's entries side by side), each calloc'd when its
 * first serial is taken. A store of a few dims costs 8 KiB, not a table sized for
 * millions: a first version's fixed chunks of 2^16 serials and directory for 2^32 cost
 * every store 2.5 MiB of calloc, and the plugin protocol fuzzer, which makes two stores
 * per input, ran 1,370 inputs a second with it against 3,900 with this (25 s each,
 * ASan). Finding a chunk is an lzcnt. Chunks never move and live as long as the store.
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
#define MXP_SERIES_FIRST_BITS 8u        /* chunk 0 holds 2^8 serials, chunk k 2^(8 + k) */
#define MXP_SERIES_CHUNKS 25u           /* 2^8 (2^25 - 1) >= 2^32 serials */
#define MXP_SERIAL_NONE UINT32_MAX      /* a dim that never had a serial */

struct mxp_series_cache {
	void **dir[MXP_SERIES_CHUNKS];  /* NULL until a serial needs the chunk */
	uint32_t next;                  /* the lowest serial never handed out */
	uint32_t *free;                 /* serials given back, reused first (a stack) */
	size_t nfree, cap;
};

/* The chunk of a serial, and its offset there: serial + 2^8 = 2^(8 + k) + offset. */
__attribute__((always_inline)) static inline unsigned mxp_series_chunk_of(uint32_t serial, uint64_t *size,
									   uint64_t *offset)
{
	const uint64_t x = (uint64_t)serial + (1u << MXP_SERIES_FIRST_BITS);
	const unsigned top = 63u - (unsigned)__builtin_clzll(x);
	*size = (uint64_t)1 << top;
	*offset = x - *size;
	return top - MXP_SERIES_FIRST_BITS;
}

/* An empty cache (it allocates nothing). */
void mxp_series_cache_init(struct mxp_series_cache *c);
/* Frees the chunks and every entry still set (no reader may be left). */
void mxp_series_cache_destroy(struct mxp_series_cache *c);

/* A serial no live dim has, its entries all NULL, its chunk published. 0, -ENOMEM (no
 * chunk), or -ENOSPC (2^32 - 1 dims live). */
int mxp_series_cache_serial_take(struct mxp_series_cache *c, uint32_t *serial);
/* Frees the serial's entries and makes it reusable. MXP_SERIAL_NONE is ignored. */
void mxp_series_cache_serial_give_back(struct mxp_series_cache *c, uint32_t serial);

/* The entry of slot `slot` for `serial` (a serial taken and not given back): with
 * x = serial + 2^8 and 2^top its highest bit, chunk top - 8, slot region slot << top,
 * offset x without its highest bit (no multiply, no division). */
__attribute__((always_inline)) static inline void **mxp_series_cache_entry(void **const *dir, unsigned slot,
									   uint32_t serial)
{
	const uint64_t x = (uint64_t)serial + (1u << MXP_SERIES_FIRST_BITS);
	const unsigned top = 63u - (unsigned)__builtin_clzll(x);
	void **chunk = ck_pr_load_ptr(&dir[top - MXP_SERIES_FIRST_BITS]);
	return &chunk[(x ^ ((uint64_t)1 << top)) + ((uint64_t)slot << top)];
}

#endif
