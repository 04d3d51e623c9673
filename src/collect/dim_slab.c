/* dim_slab.c — fixed-size blocks side by side in big chunks (see dim_slab.h). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "collect/dim_slab.h"
#include "collect/huge_map.h"

#if defined(__SANITIZE_ADDRESS__)
#define MXP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MXP_ASAN 1
#endif
#endif

#ifdef MXP_ASAN
#include <sanitizer/asan_interface.h>
#define ASAN_GAP 64u
#define poison(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define unpoison(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define ASAN_GAP 0u
#define poison(p, n) ((void)(p), (void)(n))
#define unpoison(p, n) ((void)(p), (void)(n))
#endif

#define LINE 64u
#define FIRST_CHUNK (64u * 1024u)        /* a store of a few dims stays small */
#define LARGEST_CHUNK (8u * 1024u * 1024u) /* ~65k dims of 128 bytes per mapping at most */

/* At the start of each chunk, on a line of its own so that the blocks stay aligned. */
struct mxp_dim_slab_chunk {
	struct mxp_dim_slab_chunk *next;
	size_t bytes;
};
_Static_assert(sizeof(struct mxp_dim_slab_chunk) <= LINE, "a chunk's header fits its first line");

int mxp_dim_slab_init(struct mxp_dim_slab *s, size_t bytes)
{
	if (bytes == 0 || bytes > SIZE_MAX / 4)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->block = (bytes + LINE - 1) / LINE * LINE;
	s->stride = s->block + ASAN_GAP;
	s->next_chunk = FIRST_CHUNK;
	pthread_mutex_init(&s->lock, NULL);
	return 0;
}

/* Maps a chunk big enough for at least one block; the caller holds the lock. */
static int chunk_add(struct mxp_dim_slab *s)
{
	size_t bytes = s->next_chunk;
	if (bytes < LINE + s->stride)
		bytes = (LINE + s->stride + 4095) / 4096 * 4096;
	void *m = mxp_huge_map(bytes);
	if (m == NULL)
		return -ENOMEM;
	struct mxp_dim_slab_chunk *c = m;
	c->bytes = bytes;
	c->next = s->chunks;
	s->chunks = c;
	s->cur = (char *)m + LINE;
	s->end = (char *)m + bytes;
	if (s->next_chunk < LARGEST_CHUNK)
		s->next_chunk *= 2;
	return 0;
}

void *mxp_dim_slab_take(struct mxp_dim_slab *s)
{
	void *b;
	pthread_mutex_lock(&s->lock);
	if (s->given_back != NULL) {
		b = s->given_back;
		unpoison(b, s->block);
		memcpy(&s->given_back, b, sizeof(void *));
		memset(b, 0, s->block);
	} else {
		if ((s->cur == NULL || (size_t)(s->end - s->cur) < s->stride) && chunk_add(s) != 0) {
			pthread_mutex_unlock(&s->lock);
			errno = ENOMEM;
			return NULL;
		}
		/* fresh from mmap: already zero */
		b = s->cur;
		s->cur += s->stride;
		poison((char *)b + s->block, ASAN_GAP);
	}
	s->taken++;
	pthread_mutex_unlock(&s->lock);
	return b;
}

void mxp_dim_slab_give_back(struct mxp_dim_slab *s, void *block)
{
	if (block == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	memcpy(block, &s->given_back, sizeof(void *));
	poison(block, s->block);
	s->given_back = block;
	s->taken--;
	pthread_mutex_unlock(&s->lock);
}

void mxp_dim_slab_destroy(struct mxp_dim_slab *s)
{
	struct mxp_dim_slab_chunk *c = s->chunks;
	while (c != NULL) {
		struct mxp_dim_slab_chunk *next = c->next;
		unpoison(c, c->bytes);
		mxp_huge_unmap(c, c->bytes);
		c = next;
	}
	pthread_mutex_destroy(&s->lock);
	memset(s, 0, sizeof(*s));
}
