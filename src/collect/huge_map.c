/* huge_map.c — see huge_map.h. */
#include <stdint.h>
#include <sys/mman.h>

#include "collect/huge_map.h"

void *mxp_huge_map(size_t bytes)
{
	const int prot = PROT_READ | PROT_WRITE, flags = MAP_PRIVATE | MAP_ANONYMOUS;
	if (bytes == 0)
		return NULL;
	if (bytes % MXP_HUGE_PAGE != 0) {
		void *m = mmap(NULL, bytes, prot, flags, -1, 0);
		return m == MAP_FAILED ? NULL : m;
	}
	/* a huge page more than asked, so that an aligned run of `bytes` lies inside; the
	 * rest goes back */
	char *m = mmap(NULL, bytes + MXP_HUGE_PAGE, prot, flags, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	char *aligned = (char *)(((uintptr_t)m + MXP_HUGE_PAGE - 1) & ~(uintptr_t)(MXP_HUGE_PAGE - 1));
	if (aligned > m)
		munmap(m, (size_t)(aligned - m));
	char *tail = aligned + bytes, *mapped_end = m + bytes + MXP_HUGE_PAGE;
	if (tail < mapped_end)
		munmap(tail, (size_t)(mapped_end - tail));
#ifdef MADV_HUGEPAGE
	/* advice only: refused (THP "never", an old kernel), the memory is the same */
	(void)madvise(aligned, bytes, MADV_HUGEPAGE);
#endif
	return aligned;
}

void mxp_huge_unmap(void *p, size_t bytes)
{
	if (p != NULL)
		munmap(p, bytes);
}
