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
	cr_assert_eq(mxp_series_cache_init(&c), 0);
	for (uint32_t want = 0; want < 3 * MXP_SERIES_CHUNK_SERIALS / 2; want++) {
		uint32_t s = MXP_SERIAL_NONE;
		cr_assert_eq(mxp_series_cache_serial_take(&c, &s), 0);
		cr_assert_eq(s, want);
		for (unsigned k = 0; k < MXP_SERIES_CACHE_SLOTS; k++)
			cr_assert_null(*mxp_series_cache_entry(c.dir, k, s), "serial %u slot %u", s, k);
	}
	mxp_series_cache_destroy(&c);
}

/* Every (slot, serial) has an entry of its own, on both sides of a chunk boundary. */
Test(series_cache, entries_are_distinct_across_slots_and_chunks)
{
	struct mxp_series_cache c;
	cr_assert_eq(mxp_series_cache_init(&c), 0);
	const uint32_t n = MXP_SERIES_CHUNK_SERIALS + 8;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t s;
		cr_assert_eq(mxp_series_cache_serial_take(&c, &s), 0);
	}
	const uint32_t probe[] = {0, 1, MXP_SERIES_CHUNK_SERIALS - 1, MXP_SERIES_CHUNK_SERIALS, n - 1};
	const size_t np = sizeof(probe) / sizeof(probe[0]);
	for (size_t i = 0; i < np; i++)
		for (unsigned k = 0; k < MXP_SERIES_CACHE_SLOTS; k++)
			*mxp_series_cache_entry(c.dir, k, probe[i]) = (void *)(uintptr_t)(1 + i * MXP_SERIES_CACHE_SLOTS + k);
	for (size_t i = 0; i < np; i++)
		for (unsigned k = 0; k < MXP_SERIES_CACHE_SLOTS; k++)
			cr_assert_eq((uintptr_t)*mxp_series_cache_entry(c.dir, k, probe[i]), 1 + i * MXP_SERIES_CACHE_SLOTS + k,
				     "serial %u slot %u overwritten", probe[i], k);
	cr_assert_neq(c.dir[0], c.dir[1], "the serial past the first chunk has a chunk of its own");
	/* the markers are not heap blocks: clear them before destroy frees entries */
	for (size_t i = 0; i < np; i++)
		for (unsigned k = 0; k < MXP_SERIES_CACHE_SLOTS; k++)
			*mxp_series_cache_entry(c.dir, k, probe[i]) = NULL;
	mxp_series_cache_destroy(&c);
}

Test(series_cache, a_given_back_serial_is_reused_first_with_its_entries_freed)
{
	struct mxp_series_cache c;
	cr_assert_eq(mxp_series_cache_init(&c), 0);
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
