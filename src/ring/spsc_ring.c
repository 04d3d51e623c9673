/* spsc_ring.c — setup and teardown of the SPSC pointer ring; push and pop are inline in
 * spsc_ring.h (see there for who produces, who consumes and the ordering). */
#include "ring/spsc_ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int mxp_spsc_ring_init(struct mxp_spsc_ring *r, unsigned int slots)
{
	if (slots < MXP_SPSC_RING_SLOTS_MIN || slots > MXP_SPSC_RING_SLOTS_MAX ||
	    (slots & (slots - 1)) != 0)
		return -EINVAL;

	/* a whole number of lines, so that aligned_alloc accepts it and no other
	 * allocation shares the slot array's last line */
	size_t bytes = (size_t)slots * sizeof(struct ck_ring_buffer);
	bytes = (bytes + CK_MD_CACHELINE - 1) & ~(size_t)(CK_MD_CACHELINE - 1);
	struct ck_ring_buffer *slot_array = aligned_alloc(CK_MD_CACHELINE, bytes);
	if (slot_array == NULL)
		return -ENOMEM;
	memset(slot_array, 0, bytes);

	memset(r, 0, sizeof(*r));
	ck_ring_init(&r->ring, slots);
	r->slots = slot_array;
	return 0;
}

void mxp_spsc_ring_free(struct mxp_spsc_ring *r)
{
	free(r->slots);
	r->slots = NULL;
}
