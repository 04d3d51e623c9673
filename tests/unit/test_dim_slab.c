/* test_dim_slab.c — the dims' memory: blocks zeroed, aligned, side by side in the order
 * they are taken, given-back blocks reused (zeroed again), many chunks, and two threads
 * taking and giving back at once with every block's contents checked. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "collect/dim_slab.h"

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		if (c[i] != 0)
			return false;
	return true;
}

Test(dim_slab, refuses_zero_bytes)
{
	struct mxp_dim_slab s;
	cr_assert_eq(mxp_dim_slab_init(&s, 0), -EINVAL);
}

Test(dim_slab, blocks_are_zeroed_aligned_and_side_by_side_in_order)
{
	struct mxp_dim_slab s;
	cr_assert_eq(mxp_dim_slab_init(&s, 100), 0);
	cr_assert_eq(s.block, 128, "rounded up to whole lines");
	char *prev = NULL;
	size_t adjacent = 0;
	for (int i = 0; i < 1000; i++) {
		char *b = mxp_dim_slab_take(&s);
		cr_assert_not_null(b);
		cr_assert_eq((uintptr_t)b % 64, 0, "block %d on a line boundary", i);
		cr_assert(all_zero(b, 128), "block %d zeroed", i);
		memset(b, 0xa5, 128); /* the whole block is ours: ASan says if not */
		if (prev != NULL && b == prev + s.stride)
			adjacent++;
		prev = b;
	}
	/* 1000 blocks of 128 bytes fill the first chunk (64 KiB) and part of the second
	 * (128 KiB): all but the first block of the second follow the one before */
	cr_assert_eq(adjacent, 1000 - 1 - 1, "%zu of 999 adjacent", adjacent);
	cr_assert_eq(s.taken, 1000);
	mxp_dim_slab_destroy(&s);
}

Test(dim_slab, a_given_back_block_is_taken_again_zeroed)
{
	struct mxp_dim_slab s;
	cr_assert_eq(mxp_dim_slab_init(&s, 200), 0);
	char *a = mxp_dim_slab_take(&s), *b = mxp_dim_slab_take(&s);
	memset(a, 0x11, 200);
	memset(b, 0x22, 200);
	mxp_dim_slab_give_back(&s, a);
	mxp_dim_slab_give_back(&s, NULL);
	cr_assert_eq(s.taken, 1);
	char *c = mxp_dim_slab_take(&s);
	cr_assert_eq(c, a, "the given-back block first, before fresh memory");
	cr_assert(all_zero(c, 200));
	cr_assert_eq(b[0], 0x22, "its neighbour untouched");
	char *d = mxp_dim_slab_take(&s);
	cr_assert_eq(d, b + s.stride, "then fresh memory again");
	mxp_dim_slab_destroy(&s);
}

Test(dim_slab, a_block_larger_than_a_chunk_gets_a_chunk_of_its_own)
{
	struct mxp_dim_slab s;
	const size_t big = 100 * 1024; /* more than the first chunk */
	cr_assert_eq(mxp_dim_slab_init(&s, big), 0);
	for (int i = 0; i < 3; i++) {
		char *b = mxp_dim_slab_take(&s);
		cr_assert_not_null(b);
		cr_assert(all_zero(b, big));
		memset(b, 0x5a, big);
	}
	mxp_dim_slab_destroy(&s);
}

/* Two threads take blocks, stamp every byte with their own pattern, check that no one
 * else wrote into them, and give half back as they go. */
#define ROUNDS 20000
static struct mxp_dim_slab shared;

static void *churn(void *arg)
{
	const unsigned char mark = (unsigned char)(uintptr_t)arg;
	char *held[64] = {0};
	for (int r = 0; r < ROUNDS; r++) {
		int i = r % 64;
		if (held[i] != NULL) {
			for (size_t k = 0; k < shared.block; k++)
				if ((unsigned char)held[i][k] != mark)
					return (void *)1;
			mxp_dim_slab_give_back(&shared, held[i]);
			held[i] = NULL;
		}
		if (r % 3 != 0) {
			char *b = mxp_dim_slab_take(&shared);
			if (b == NULL || !all_zero(b, shared.block))
				return (void *)2;
			memset(b, mark, shared.block);
			held[i] = b;
		}
	}
	for (int i = 0; i < 64; i++)
		mxp_dim_slab_give_back(&shared, held[i]);
	return NULL;
}

Test(dim_slab, two_threads_taking_and_giving_back_never_share_a_block)
{
	cr_assert_eq(mxp_dim_slab_init(&shared, 320), 0);
	pthread_t t[2];
	for (uintptr_t i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, churn, (void *)(i + 1)), 0);
	for (int i = 0; i < 2; i++) {
		void *rc;
		pthread_join(t[i], &rc);
		cr_assert_null(rc, "thread %d found a block it did not own intact (%p)", i, rc);
	}
	cr_assert_eq(shared.taken, 0);
	mxp_dim_slab_destroy(&shared);
}
