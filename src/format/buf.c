/* buf.c — growth and number appends for struct mxp_buf. */
#include <errno.h>
#include <stdlib.h>

#include "format/buf.h"
#include "format/number.h"

int mxp_buf_grow(struct mxp_buf *b, size_t n)
{
	size_t want = b->len + n;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < want)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (p == NULL)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

void mxp_buf_free(struct mxp_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int mxp_buf_put_ld7(struct mxp_buf *b, long double v)
{
	char *p = mxp_buf_reserve(b, MXP_NUM_MAX);
	if (p == NULL)
		return -ENOMEM;
	b->len += mxp_num_ld7(p, v);
	return 0;
}

int mxp_buf_put_lld(struct mxp_buf *b, long long v)
{
	char *p = mxp_buf_reserve(b, 24);
	if (p == NULL)
		return -ENOMEM;
	b->len += mxp_num_lld(p, v);
	return 0;
}

int mxp_buf_put_llu(struct mxp_buf *b, unsigned long long v)
{
	char *p = mxp_buf_reserve(b, 24);
	if (p == NULL)
		return -ENOMEM;
	b->len += mxp_num_llu(p, v);
	return 0;
}
