/* dim_slab.h — the memory of a store's dims: fixed-size blocks laid side by side in
 * big chunks, in the order they are taken.
 *
 * Why not calloc: every dim of a store has the same size (its fields; its stored values
 * are its column of the chart's slot table, store_internal.h), and the readers walk the
 * dims of a chart in the order they were added. From
 * calloc, a dim sat among its id and name strings and whatever else the writer thread
 * allocated in between, so each dim was a fresh page and a stride no prefetcher could
 * follow. Here the dims added one after another are adjacent, each on its own cache
 * lines (blocks are multiples of 64 bytes, chunks page-aligned; those of 2 MiB and more
 * in transparent huge pages, huge_map.h). Measured with `make
 * bench-netdata` at 1M dims (mxp side, alternating with the calloc build, two pairs):
 * mxp's collector 65-72 -> 43-45 ns per metric, the plugin reader that writes them
 * 1,581-1,713 -> 1,211-1,484 ns (docs/ARCHITECTURE.md, "Layout for the readers").
 *
 * Threads: taken and given back by the store's writers (mxp_dim_add, and dim_free,
 * which runs once ck_epoch says no reader can still hold the dim), under the slab's own
 * mutex: dims come and go rarely next to their values, and no reader ever looks at the
 * slab. A given-back block is reused by a later take, zeroed again; chunks go back to
 * the system only with the store (a store's dims rarely shrink for good).
 *
 * Under AddressSanitizer a block is poisoned while given back, and each block is
 * followed by a poisoned 64-byte gap, so a use after free or a write past a dim's
 * fields is still reported, as it would be with calloc. */
#ifndef MXP_DIM_SLAB_H
#define MXP_DIM_SLAB_H

#include <pthread.h>
#include <stddef.h>

struct mxp_dim_slab_chunk;

struct mxp_dim_slab {
	size_t block;                       /* bytes per block, a multiple of 64 */
	size_t stride;                      /* block + the ASan gap (0 elsewhere) */
	size_t next_chunk;                  /* bytes of the next chunk (doubles, bounded) */
	char *cur, *end;                    /* the untaken part of the newest chunk */
	void *given_back;                   /* blocks given back, linked by their first word */
	struct mxp_dim_slab_chunk *chunks;  /* every chunk, newest first */
	size_t taken;                       /* blocks out now (for tests and stats) */
	pthread_mutex_t lock;
};

/* Blocks of at least `bytes` (rounded up to 64). 0, or -EINVAL for 0 bytes. */
int mxp_dim_slab_init(struct mxp_dim_slab *s, size_t bytes);
/* A zeroed, 64-byte-aligned block; NULL with errno ENOMEM. */
void *mxp_dim_slab_take(struct mxp_dim_slab *s);
/* Gives a block from this slab back; NULL is ignored. */
void mxp_dim_slab_give_back(struct mxp_dim_slab *s, void *block);
/* Unmaps every chunk: every block is gone, taken or not. */
void mxp_dim_slab_destroy(struct mxp_dim_slab *s);

#endif
