/* buf.h — a growable byte buffer that formats append to. One owner thread at a time. */
#ifndef MXP_BUF_H
#define MXP_BUF_H

#include <stddef.h>
#include <string.h>

struct mxp_buf {
	char *data;
	size_t len;
	size_t cap;
};

/* Makes room for n more bytes. Returns 0 or -ENOMEM (then the buffer is unchanged). */
int mxp_buf_grow(struct mxp_buf *b, size_t n);
void mxp_buf_free(struct mxp_buf *b);

static inline void mxp_buf_reset(struct mxp_buf *b)
{
	b->len = 0;
}

/* Returns where n bytes may be written, or NULL when out of memory; the caller then
 * says how many it wrote with mxp_buf_commit(). */
static inline char *mxp_buf_reserve(struct mxp_buf *b, size_t n)
{
	if (b->cap - b->len < n && mxp_buf_grow(b, n) != 0)
		return NULL;
	return b->data + b->len;
}

static inline void mxp_buf_commit(struct mxp_buf *b, size_t n)
{
	b->len += n;
}

/* Appends n bytes. Returns 0 or -ENOMEM. */
static inline int mxp_buf_put(struct mxp_buf *b, const char *s, size_t n)
{
	char *p = mxp_buf_reserve(b, n);
	if (p == NULL)
		return -12; /* -ENOMEM, without pulling errno.h into every format */
	memcpy(p, s, n);
	b->len += n;
	return 0;
}

static inline int mxp_buf_puts(struct mxp_buf *b, const char *s)
{
	return mxp_buf_put(b, s, strlen(s));
}

/* Append numbers byte for byte as printf's "%0.7Lf", "%lld" and "%llu". 0 or -ENOMEM. */
int mxp_buf_put_ld7(struct mxp_buf *b, long double v);
int mxp_buf_put_lld(struct mxp_buf *b, long long v);
int mxp_buf_put_llu(struct mxp_buf *b, unsigned long long v);

#endif
