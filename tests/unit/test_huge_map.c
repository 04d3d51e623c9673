/* test_huge_map.c — the dim slab's mappings (huge_map.h): whole huge pages aligned,
 * zeroed and marked for huge pages (the kernel's smaps says so), other sizes plain. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "collect/huge_map.h"

/* "THPeligible: 1" in smaps for the mapping holding p: the kernel may back it with
 * huge pages (whether it found free ones is its business). -1: no such line. */
static int thp_eligible(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	if (f == NULL)
		return -1;
	char line[512];
	bool inside = false;
	int eligible = -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
			continue;
		}
		int v;
		if (inside && sscanf(line, "THPeligible: %d", &v) == 1) {
			eligible = v;
			break;
		}
	}
	fclose(f);
	return eligible;
}

static bool thp_never(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	char line[128] = "";
	if (f == NULL)
		return true; /* no THP in this kernel */
	bool never = fgets(line, sizeof(line), f) == NULL || strstr(line, "[never]") != NULL;
	fclose(f);
	return never;
}

Test(huge_map, whole_huge_pages_are_aligned_zeroed_and_marked)
{
	const size_t bytes = 2 * MXP_HUGE_PAGE;
	unsigned char *m = mxp_huge_map(bytes);
	cr_assert_not_null(m);
	cr_assert_eq((uintptr_t)m % MXP_HUGE_PAGE, 0, "aligned to a huge page");
	for (size_t i = 0; i < bytes; i += 4096)
		cr_assert_eq(m[i], 0, "zeroed at %zu", i);
	memset(m, 0x77, bytes); /* all of it ours */
	if (thp_never())
		cr_log_warn("transparent huge pages are off here: only the alignment is checked");
	else
		cr_assert_eq(thp_eligible(m), 1, "madvised for huge pages");
	mxp_huge_unmap(m, bytes);
}

Test(huge_map, other_sizes_are_plain_pages)
{
	unsigned char *m = mxp_huge_map(64 * 1024);
	cr_assert_not_null(m);
	cr_assert_eq((uintptr_t)m % 4096, 0);
	memset(m, 0x33, 64 * 1024);
	mxp_huge_unmap(m, 64 * 1024);
	cr_assert_null(mxp_huge_map(0));
}
