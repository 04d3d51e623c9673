/* huge_map.h — anonymous memory that asks for transparent huge pages.
 *
 * Why: the collector reads every dim's lines once per export, ~10 dims to a 4 KiB
 * page (the dim slab, dim_slab.h). Past a few MiB of dims (the TLB's reach) every few
 * dims cost a page walk, and a prefetch that misses the TLB waits for it: at 100k dims,
 * 15 % of mxp_chart_read's samples sat on the instruction after one. Aligned whole
 * 2 MiB pages with madvise(MADV_HUGEPAGE) are backed by huge pages on a system whose
 * transparent huge pages are "madvise" (Debian's default) or "always" (measured here:
 * 43 MiB of AnonHugePages at 100k dims); with "never" they are ordinary pages and work
 * the same. Measured with `make bench-netdata` at 100k (mxp side, alternating with the
 * build before): collector 39.2-48.3 (median 44.2, 10 runs) -> 33.2-45.3 ns per metric
 * (median 37.8, 13 runs). The formatters' record templates in such memory (an arena of
 * size classes, tried the same day) changed the formatter by nothing the noise let
 * through (median 41.0 -> 40.2 ns): they stay in malloc.
 *
 * Threads: none of its own; each call is independent. */
#ifndef MXP_HUGE_MAP_H
#define MXP_HUGE_MAP_H

#include <stddef.h>

#define MXP_HUGE_PAGE (2u * 1024u * 1024u) /* x86-64's (and arm64's with 4 KiB pages) */

/* Zeroed, page-aligned memory of `bytes` (a multiple of 4096); aligned to
 * MXP_HUGE_PAGE and marked for huge pages when bytes is a multiple of it. NULL when
 * out of memory. */
void *mxp_huge_map(size_t bytes);
/* Gives back what mxp_huge_map(bytes) returned. */
void mxp_huge_unmap(void *p, size_t bytes);

#endif
