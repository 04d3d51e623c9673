/* send_queue.h — one instance's queue of formatted bytes in the sender, and the
 * accounting that goes with it: which lines are delivered, buffered or lost, what
 * `buffer on failures` drops, where a cut write resumes. No I/O and no threads of its
 * own: the sender thread (sender.c) owns every queue and is the only caller.
 *
 * Entries are the buffers of the producer's puts, in order, and interval marks (the
 * end of each window). Every line of a buffer is one record: `done` counts the lines
 * completely written, `off` the bytes written on the current connection, `line_off`
 * the end of the last whole line written — a broken connection goes back to it.
 * Emptied entries go to a pool that keeps their (grown) buffers for the next puts. */
#ifndef MXP_SEND_QUEUE_H
#define MXP_SEND_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "format/buf.h"
#include "mxp/send_counters.h"

struct mxp_send_entry {
	struct mxp_send_entry *next;
	struct mxp_buf buf;
	long records;           /* lines in buf */
	long done;              /* lines completely written (counted delivered) */
	size_t off;             /* bytes written on the current connection */
	size_t line_off;        /* bytes of the whole lines written */
	bool end;               /* an interval mark (buf empty) */
	bool inflight;          /* in the send in flight */
};

/* Emptied entries, shared by the sender's queues. */
struct mxp_send_pool {
	struct mxp_send_entry *free;
	unsigned n;
};

struct mxp_send_queue {
	struct mxp_send_entry *head, *tail;
	unsigned marks;                 /* interval marks queued */
	struct mxp_send_counters c;     /* the instance's counters (late_exports aside) */
	bool dirty;                     /* c changed since the sender last published it */
};

/* Appends one put (buf's memory moves into the queue; buf gets an empty buffer back)
 * or, with end, an interval mark. 0 or -ENOMEM (then nothing changed). */
int mxp_send_queue_take(struct mxp_send_queue *q, struct mxp_send_pool *pool, struct mxp_buf *buf, long records,
			bool end);

static inline bool mxp_send_queue_empty(const struct mxp_send_queue *q)
{
	return q->head == NULL;
}

/* Pops the interval marks at the head: each is an interval completely written. */
void mxp_send_queue_pop_marks(struct mxp_send_queue *q, struct mxp_send_pool *pool);

/* With more than `keep` intervals queued (marks, plus the one being handed over),
 * drops what is queued of the oldest complete interval with nothing on the wire (no
 * entry in flight; on a live connection, none cut inside a line) and counts it lost.
 * Returns true and its lines and bytes when it dropped one; the caller calls again. */
bool mxp_send_queue_trim(struct mxp_send_queue *q, struct mxp_send_pool *pool, long keep, bool connected,
			 uint64_t *lines, uint64_t *bytes);

/* Fills iov (at most max) with the next send of the head interval and marks those
 * entries in flight: for a stream, the unwritten rest of its buffers; for a datagram
 * socket (dgram), whole lines of one buffer, at most dgram_max bytes (or one longer
 * line). Returns how many; 0 when nothing is to send (empty puts before the next mark
 * are then completed, and the marks popped). */
unsigned mxp_send_queue_iov(struct mxp_send_queue *q, struct mxp_send_pool *pool, bool dgram, size_t dgram_max,
			    struct iovec *iov, unsigned max);

/* A send wrote res bytes: the entries it covered advance, lines completed count as
 * delivered, nothing is in flight any more. */
void mxp_send_queue_sent(struct mxp_send_queue *q, struct mxp_send_pool *pool, size_t res);

/* Nothing is in flight (a send failed or the connection is gone). */
void mxp_send_queue_unflight(struct mxp_send_queue *q);

/* The connection is gone: the head buffer goes back to its last whole line (its cut
 * line's bytes are unsent again) and nothing is in flight. */
void mxp_send_queue_rewind(struct mxp_send_queue *q);

/* HTTP: each entry with bytes is one request body. Pops the marks and empty entries at
 * the head and returns the first request, or NULL when none is queued. */
struct mxp_send_entry *mxp_send_queue_next_request(struct mxp_send_queue *q, struct mxp_send_pool *pool);

/* HTTP: the head request was answered: delivered (2xx) or refused (lost, rejected).
 * It leaves the queue, and the marks behind it are popped. */
void mxp_send_queue_request_done(struct mxp_send_queue *q, struct mxp_send_pool *pool, bool delivered);

/* A worker's request at the head was answered: `delivered` of its metrics taken,
 * `lost` refused for good (lost_rejected, with lost_bytes of the body); it leaves the
 * queue. delivered + lost is its record count. */
void mxp_send_queue_request_split(struct mxp_send_queue *q, struct mxp_send_pool *pool, uint64_t delivered,
				  uint64_t lost, size_t lost_bytes);

/* HTTP: the receiver took `taken` metrics of the head request, whose body was old_len
 * bytes and now (rewritten by an api) holds the rest: those are delivered, with the bytes
 * the body lost; the rest stays buffered at the head. */
void mxp_send_queue_request_partial(struct mxp_send_queue *q, uint64_t taken, size_t old_len);

/* n metrics that will never be sent: produced and lost (too large) at once. */
void mxp_send_queue_dropped(struct mxp_send_queue *q, uint64_t n);

/* Everything queued counts lost at shutdown and goes; returns the lines. */
uint64_t mxp_send_queue_drop_all(struct mxp_send_queue *q, struct mxp_send_pool *pool);

/* Frees the entries (queue and pool); no accounting. */
void mxp_send_queue_free(struct mxp_send_queue *q);
void mxp_send_pool_free(struct mxp_send_pool *pool);

#endif
