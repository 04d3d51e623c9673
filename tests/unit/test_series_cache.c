/* test_series_cache.c — dim serials and the caches kept by serial: serials handed out in
 * order, given-back ones reused first with their entries freed and cleared, entries of
 * different slots and serials distinct across chunk boundaries. A reader and a writer
 * at once: tests/stress/stress_series_cache.c. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>

#include "collect/series_cache.h"

Test(series_cache, serials_are_handed_out_in_order_with_their_entries_empty)
{
	struct mxp_series_cache c;
	mxp_series_cache_init(&c);
	for (uint32_t want = 0; want < 70000; want++) { /* chunks 0..8 */
		uint32_t s = MXP_SERIAL_NONE;
		cr_assert_eq(mxp_series_cache_serial_take(&c, &s), 0);
		cr_assert_eq(s, want);
		for (unsigned k = 0; k < MXP_SERIES_CACHE_SLOTS; k++)
			cr_assert_null(*mxp_series_cache_entry(c.dir, k, s), "serial %u slot %u", s, k);
	}
	mxp_series_cache_destroy(&c);
}

/* Every (slot, serial) has an entry of its own, on both sides of each chunk boundary:
 * chunk k holds 256 << k serials, so chunks start at serials 0, 256, 768, 1792, ... */
Test(series_cache, entries_are_distinct_across_slots_and_chunks)
{
	struct mxp_series_cache c;
	mxp_series_cache_init(&c);
	const uint32_t n = 256u * ((1u << 9) - 1) + 8; /* into chunk 9 */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t s;
		cr_assert_eq(mxp_series_cache_serial_take(&c, &s), 0);
	}
	uint32_t probe[2 + 2 * 9], np = 0;
	probe[np++] = 0;
	for (unsigned k = 1; k <= 9; k++) {
		const uint32_t start = 256u * ((1u << k) - 1);
		probe[np++] = start - 1;
		probe[np++] = start;
	}
	probe[np++] = n - 1;
	for (uint32_t i = 0; i < np; i++)
		for (unsigned k = 0; k < MXP_SERIES_CACHE_SLOTS; k++)
			*mxp_series_cache_entry(c.dir, k, probe[i]) = (void *)(uintptr_t)(1 + i * MXP_SERIES_CACHE_SLOTS + k);
	for (uint32_t i = 0; i < np; i++)
		for (unsigned k = 0; k < MXP_SERIES_CACHE_SLOTS; k++)
			cr_assert_eq((uintptr_t)*mxp_series_cache_entry(c.dir, k, probe[i]), 1 + i * MXP_SERIES_CACHE_SLOTS + k,
				     "serial %u slot %u overwritten", probe[i], k);
	for (unsigned k = 0; k <= 9; k++)
		cr_assert_not_null(c.dir[k], "chunk %u made", k);
	cr_assert_null(c.dir[10], "no chunk before a serial needs it");
	/* the markers are not heap blocks: clear them before destroy frees entries */
	for (uint32_t i = 0; i < np; i++)
		for (unsigned k = 0; k < MXP_SERIES_CACHE_SLOTS; k++)
			*mxp_series_cache_entry(c.dir, k, probe[i]) = NULL;
	mxp_series_cache_destroy(&c);
}

/* The chunk arithmetic at its ends: serial 0, and the last serial there is. */
Test(series_cache, chunk_of_covers_every_serial)
{
	uint64_t size, offset;
	cr_assert_eq(mxp_series_chunk_of(0, &size, &offset), 0);
	cr_assert_eq(size, 256);
	cr_assert_eq(offset, 0);
	cr_assert_eq(mxp_series_chunk_of(767, &size, &offset), 1);
	cr_assert_eq(offset, 511);
	const unsigned k = mxp_series_chunk_of(UINT32_MAX - 1, &size, &offset);
	cr_assert_lt(k, MXP_SERIES_CHUNKS);
	cr_assert_lt(offset, size, "the last serial lies inside its chunk");
}

Test(series_cache, a_given_back_serial_is_reused_first_with_its_entries_freed)
{
	struct mxp_series_cache c;
	mxp_series_cache_init(&c);
	uint32_t s[4];
	for (int i = 0; i < 4; i++)
		cr_assert_eq(mxp_series_cache_serial_take(&c, &s[i]), 0);
	/* heap blocks: the give-back frees them (ASan reports a leak if not, a double free
	 * if destroy frees them again) */
	for (unsigned k = 0; k < MXP_SERIES_CACHE_SLOTS; k++) {
		*mxp_series_cache_entry(c.dir, k, s[1]) = malloc(16);
		*mxp_series_cache_entry(c.dir, k, s[2]) = malloc(16);
	}
	void *kept = *mxp_series_cache_entry(c.dir, 3, s[2]);
	mxp_series_cache_serial_give_back(&c, s[1]);
	mxp_series_cache_serial_give_back(&c, MXP_SERIAL_NONE); /* ignored */
	for (unsigned k = 0; k < MXP_SERIES_CACHE_SLOTS; k++)
		cr_assert_null(*mxp_series_cache_entry(c.dir, k, s[1]), "slot %u cleared", k);
	cr_assert_eq(*mxp_series_cache_entry(c.dir, 3, s[2]), kept, "a neighbour's entry untouched");

	uint32_t again, fresh;
	cr_assert_eq(mxp_series_cache_serial_take(&c, &again), 0);
	cr_assert_eq(again, s[1], "the given-back serial before a new one");
	cr_assert_eq(mxp_series_cache_serial_take(&c, &fresh), 0);
	cr_assert_eq(fresh, 4, "then the next never handed out");
	/* destroy frees what is still set: s[2]'s blocks */
	mxp_series_cache_destroy(&c);
}
