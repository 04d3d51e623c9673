/* worker.h — a thread of its own for a transport whose library blocks (MongoDB's
 * libmongoc), so that the sender thread never does: the sender hands the worker one
 * request at a time and polls for its result.
 *
 * Threads: the sender thread calls mxp_worker_submit() and mxp_worker_poll(); the
 * worker thread runs ops->send(); the owner calls new (which runs ops->open on its
 * thread, so a bad setting fails the start) and free.
 * Ordering: the sender writes the job's fields, then stores `state` = SUBMITTED with
 * release; the worker loads `state` with acquire before reading them. The worker writes
 * the result, then stores `state` = DONE with release; the sender loads DONE with acquire
 * before reading the result, and only then stores IDLE (nothing reads the job until the
 * next SUBMITTED). A submit rings the worker's doorbell; a result wakes the sender's I/O
 * wait (mxp_io_wake), so neither polls. The body a job points at belongs to the sender's
 * queue entry, which stays put (in flight) until the result is taken. */
#ifndef MXP_SEND_WORKER_H
#define MXP_SEND_WORKER_H

#include <stdbool.h>
#include <stddef.h>

struct mxp_io;

/* What became of one request. */
struct mxp_worker_result {
	long delivered;          /* metrics the receiver took (or had already) */
	long rejected;           /* metrics it refused for good: lost */
	size_t rejected_bytes;   /* their bytes of the body */
	bool retry;              /* a failure that may pass: the whole request again later */
	char why[512];           /* for the log, when not everything was delivered */
};

struct mxp_worker_ops {
	const char *name;
	/* owner's thread: the transport's state (a client) for conf; NULL with a one-line
	 * reason in why on failure */
	void *(*open)(const void *conf, char *why, size_t whylen);
	/* worker thread: sends body (len bytes, `records` metrics) and fills *r */
	void (*send)(void *state, const char *body, size_t len, long records, struct mxp_worker_result *r);
	/* owner's thread, after the worker thread ended */
	void (*close)(void *state);
};

struct mxp_worker;

/* Opens the transport and starts its thread; results wake io. NULL with errno (EINVAL:
 * open failed, its reason in why). */
struct mxp_worker *mxp_worker_new(const struct mxp_worker_ops *ops, const void *conf, struct mxp_io *io, char *why,
				  size_t whylen);

/* Sender thread: hands over a request. -EBUSY while one is in flight. */
int mxp_worker_submit(struct mxp_worker *w, const char *body, size_t len, long records);

/* Sender thread: true (and *out filled) when the request in flight has its result; the
 * worker is then free for the next one. */
bool mxp_worker_poll(struct mxp_worker *w, struct mxp_worker_result *out);

/* Sender thread: a request is in flight (submitted, its result not taken). */
bool mxp_worker_busy(const struct mxp_worker *w);

/* Owner: waits for the request in flight to end, stops the thread, closes. NULL is fine. */
void mxp_worker_free(struct mxp_worker *w);

#endif
