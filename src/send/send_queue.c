/* send_queue.c — see send_queue.h: the sender thread's queue of one instance. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "send/send_queue.h"

#define FREE_ENTRIES_KEPT 64u   /* emptied entries kept (with their buffers) */

static struct mxp_send_entry *entry_get(struct mxp_send_pool *pool)
{
	struct mxp_send_entry *e = pool->free;
	if (e != NULL) {
		pool->free = e->next;
		pool->n--;
	} else {
		e = calloc(1, sizeof(*e));
		if (e == NULL)
			return NULL;
	}
	struct mxp_buf keep = e->buf;
	memset(e, 0, sizeof(*e));
	e->buf = keep;
	e->buf.len = 0;
	return e;
}

static void entry_put(struct mxp_send_pool *pool, struct mxp_send_entry *e)
{
	if (pool->n >= FREE_ENTRIES_KEPT) {
		mxp_buf_free(&e->buf);
		free(e);
		return;
	}
	e->next = pool->free;
	pool->free = e;
	pool->n++;
}

static void pop(struct mxp_send_queue *q, struct mxp_send_pool *pool)
{
	struct mxp_send_entry *e = q->head;
	q->head = e->next;
	if (q->head == NULL)
		q->tail = NULL;
	if (e->end)
		q->marks--;
	entry_put(pool, e);
}

int mxp_send_queue_take(struct mxp_send_queue *q, struct mxp_send_pool *pool, struct mxp_buf *buf, long records,
			bool end)
{
	struct mxp_send_entry *e = entry_get(pool);
	if (e == NULL)
		return -ENOMEM;
	if (end) {
		e->end = true;
		q->c.intervals++;
	} else {
		struct mxp_buf t = e->buf;
		e->buf = *buf;
		*buf = t;
		buf->len = 0;
		e->records = records;
		q->c.produced += (uint64_t)records;
		q->c.buffered += (uint64_t)records;
		q->c.bytes_produced += e->buf.len;
		q->c.bytes_buffered += e->buf.len;
	}
	e->next = NULL;
	if (q->tail != NULL)
		q->tail->next = e;
	else
		q->head = e;
	q->tail = e;
	if (e->end)
		q->marks++;
	q->dirty = true;
	return 0;
}

void mxp_send_queue_pop_marks(struct mxp_send_queue *q, struct mxp_send_pool *pool)
{
	while (q->head != NULL && q->head->end) {
		q->c.writes++;
		q->dirty = true;
		pop(q, pool);
	}
}

/* Counts entry e's remaining lines and bytes as lost. */
static void count_lost(struct mxp_send_queue *q, const struct mxp_send_entry *e, bool shutdown)
{
	uint64_t lines = (uint64_t)(e->records - e->done);
	uint64_t bytes = e->buf.len - e->off;
	q->c.lost += lines;
	if (shutdown)
		q->c.lost_shutdown += lines;
	else
		q->c.lost_buffer_full += lines;
	q->c.buffered -= lines;
	q->c.bytes_lost += bytes;
	q->c.bytes_buffered -= bytes;
	q->dirty = true;
}

bool mxp_send_queue_trim(struct mxp_send_queue *q, struct mxp_send_pool *pool, long keep, bool connected,
			 uint64_t *lines, uint64_t *bytes)
{
	unsigned intervals = q->marks + (q->tail != NULL && !q->tail->end ? 1u : 0u);
	if (intervals <= (unsigned)keep)
		return false;

	/* the first complete interval that may go; start_prev: the entry before it */
	struct mxp_send_entry *prev = NULL, *e = q->head, *start_prev = NULL;
	bool found = false;
	while (e != NULL) {
		bool touched = false;
		struct mxp_send_entry *x = e;
		while (x != NULL && !x->end) {
			if (x->inflight || (connected && x->off != x->line_off))
				touched = true;
			x = x->next;
		}
		if (x == NULL)
			break;          /* the open interval: never dropped */
		if (!touched) {
			start_prev = prev;
			found = true;
			break;
		}
		prev = x;
		e = x->next;
	}
	if (!found)
		return false;

	/* unlink from after start_prev up to and including the mark */
	struct mxp_send_entry *cur = start_prev ? start_prev->next : q->head;
	*lines = *bytes = 0;
	for (;;) {
		struct mxp_send_entry *next = cur->next;
		bool mark = cur->end;
		*lines += (uint64_t)(cur->records - cur->done);
		*bytes += cur->buf.len - cur->off;
		count_lost(q, cur, false);
		if (start_prev)
			start_prev->next = next;
		else
			q->head = next;
		if (q->tail == cur)
			q->tail = start_prev;
		if (mark)
			q->marks--;
		entry_put(pool, cur);
		cur = next;
		if (mark)
			break;
	}
	q->c.discards++;
	return true;
}

unsigned mxp_send_queue_iov(struct mxp_send_queue *q, struct mxp_send_pool *pool, bool dgram, size_t dgram_max,
			    struct iovec *iov, unsigned max)
{
	mxp_send_queue_pop_marks(q, pool);
	unsigned k = 0;
	if (dgram) {
		/* one datagram of whole lines from the first buffer with bytes left (a
		 * datagram is sent whole or not at all, so `off` stays on a line) */
		struct mxp_send_entry *e = q->head;
		while (e != NULL && !e->end && e->buf.len == e->off)
			e = e->next;
		if (e != NULL && !e->end && max > 0) {
			size_t left = e->buf.len - e->off, n = left;
			const char *p = e->buf.data + e->off;
			if (n > dgram_max) {
				const char *nl = memrchr(p, '\n', dgram_max);
				if (nl == NULL)
					nl = memchr(p, '\n', left); /* one line longer than a datagram */
				n = nl != NULL ? (size_t)(nl + 1 - p) : left;
			}
			iov[0].iov_base = (char *)p;
			iov[0].iov_len = n;
			e->inflight = true;
			k = 1;
		}
	} else {
		for (struct mxp_send_entry *e = q->head; e != NULL && !e->end && k < max; e = e->next) {
			if (e->buf.len == e->off)
				continue;       /* an empty put: completed below with the rest */
			iov[k].iov_base = e->buf.data + e->off;
			iov[k].iov_len = e->buf.len - e->off;
			e->inflight = true;
			k++;
		}
	}
	if (k == 0) {
		/* only empty puts before the next mark: complete them */
		while (q->head != NULL && !q->head->end && q->head->buf.len == q->head->off) {
			struct mxp_send_entry *e = q->head;
			q->c.delivered += (uint64_t)(e->records - e->done);
			q->c.buffered -= (uint64_t)(e->records - e->done);
			pop(q, pool);
			q->dirty = true;
		}
		mxp_send_queue_pop_marks(q, pool);
	}
	return k;
}

void mxp_send_queue_sent(struct mxp_send_queue *q, struct mxp_send_pool *pool, size_t res)
{
	q->c.bytes_sent += res;
	q->c.bytes_buffered -= res;
	q->dirty = true;
	while (q->head != NULL && !q->head->end) {
		struct mxp_send_entry *e = q->head;
		size_t left = e->buf.len - e->off;
		if (res >= left) {
			res -= left;
			e->off = e->line_off = e->buf.len;
			uint64_t lines = (uint64_t)(e->records - e->done);
			q->c.delivered += lines;
			q->c.buffered -= lines;
			pop(q, pool);
			continue;
		}
		if (res > 0) {
			/* a short write: lines completed inside it count now */
			const char *p = e->buf.data + e->off, *end = p + res;
			long lines = 0;
			const char *last = NULL;
			for (const char *x = p; (x = memchr(x, '\n', (size_t)(end - x))) != NULL; x++) {
				lines++;
				last = x;
			}
			if (lines > e->records - e->done)
				lines = e->records - e->done; /* a format with multi-line records */
			e->off += res;
			if (last != NULL)
				e->line_off = (size_t)(last + 1 - e->buf.data);
			e->done += lines;
			q->c.delivered += (uint64_t)lines;
			q->c.buffered -= (uint64_t)lines;
		}
		break;
	}
	mxp_send_queue_unflight(q);
	mxp_send_queue_pop_marks(q, pool);
}

void mxp_send_queue_unflight(struct mxp_send_queue *q)
{
	for (struct mxp_send_entry *e = q->head; e != NULL; e = e->next)
		e->inflight = false;
}

void mxp_send_queue_rewind(struct mxp_send_queue *q)
{
	struct mxp_send_entry *e = q->head;
	if (e != NULL && e->off != e->line_off) {
		size_t cut = e->off - e->line_off;
		q->c.bytes_sent -= cut;
		q->c.bytes_buffered += cut;
		e->off = e->line_off;
		q->dirty = true;
	}
	mxp_send_queue_unflight(q);
}

struct mxp_send_entry *mxp_send_queue_next_request(struct mxp_send_queue *q, struct mxp_send_pool *pool)
{
	for (;;) {
		mxp_send_queue_pop_marks(q, pool);
		struct mxp_send_entry *e = q->head;
		if (e == NULL || e->buf.len > 0)
			return e;
		/* an empty body (a window with nothing for this instance): nothing to send */
		q->c.delivered += (uint64_t)e->records;
		q->c.buffered -= (uint64_t)e->records;
		q->dirty = true;
		pop(q, pool);
	}
}

void mxp_send_queue_request_done(struct mxp_send_queue *q, struct mxp_send_pool *pool, bool delivered)
{
	struct mxp_send_entry *e = q->head;
	if (e == NULL || e->end)
		return;
	uint64_t n = (uint64_t)e->records;
	q->c.buffered -= n;
	q->c.bytes_buffered -= e->buf.len;
	if (delivered) {
		q->c.delivered += n;
		q->c.bytes_sent += e->buf.len;
	} else {
		q->c.lost += n;
		q->c.lost_rejected += n;
		q->c.bytes_lost += e->buf.len;
	}
	q->dirty = true;
	pop(q, pool);
	mxp_send_queue_pop_marks(q, pool);
}

void mxp_send_queue_request_split(struct mxp_send_queue *q, struct mxp_send_pool *pool, uint64_t delivered,
				  uint64_t lost, size_t lost_bytes)
{
	struct mxp_send_entry *e = q->head;
	if (e == NULL || e->end)
		return;
	if (lost_bytes > e->buf.len)
		lost_bytes = e->buf.len;
	q->c.buffered -= (uint64_t)e->records;
	q->c.bytes_buffered -= e->buf.len;
	q->c.delivered += delivered;
	q->c.lost += lost;
	q->c.lost_rejected += lost;
	q->c.bytes_sent += e->buf.len - lost_bytes;
	q->c.bytes_lost += lost_bytes;
	q->dirty = true;
	pop(q, pool);
	mxp_send_queue_pop_marks(q, pool);
}

void mxp_send_queue_request_partial(struct mxp_send_queue *q, uint64_t taken, size_t old_len)
{
	struct mxp_send_entry *e = q->head;
	if (e == NULL || e->end)
		return;
	/* bytes: produced = sent + buffered + lost holds if what the body shrank by counts
	 * as sent (a rewritten body may be longer: then buffered grows by the difference,
	 * and so must produced) */
	size_t now_len = e->buf.len;
	q->c.buffered -= taken;
	q->c.delivered += taken;
	if (now_len <= old_len) {
		q->c.bytes_buffered -= old_len - now_len;
		q->c.bytes_sent += old_len - now_len;
	} else {
		q->c.bytes_buffered += now_len - old_len;
		q->c.bytes_produced += now_len - old_len;
	}
	e->records -= (long)taken;
	q->dirty = true;
}

void mxp_send_queue_dropped(struct mxp_send_queue *q, uint64_t n)
{
	q->c.produced += n;
	q->c.lost += n;
	q->c.lost_too_large += n;
	q->dirty = true;
}

uint64_t mxp_send_queue_drop_all(struct mxp_send_queue *q, struct mxp_send_pool *pool)
{
	uint64_t lost = q->c.lost;
	while (q->head != NULL) {
		count_lost(q, q->head, true);
		pop(q, pool);
	}
	return q->c.lost - lost;
}

void mxp_send_queue_free(struct mxp_send_queue *q)
{
	while (q->head != NULL) {
		struct mxp_send_entry *e = q->head;
		q->head = e->next;
		mxp_buf_free(&e->buf);
		free(e);
	}
	q->tail = NULL;
	q->marks = 0;
}

void mxp_send_pool_free(struct mxp_send_pool *pool)
{
	while (pool->free != NULL) {
		struct mxp_send_entry *e = pool->free;
		pool->free = e->next;
		mxp_buf_free(&e->buf);
		free(e);
	}
	pool->n = 0;
}
