/* sender.h — the sender: one thread that owns every instance's connection and queue of
 * formatted bytes, writes them without blocking (io.h: io_uring or epoll), and counts
 * every metric as delivered, buffered or lost (send_counters.h).
 *
 * Threads:
 *  - one producer per instance (the instance's pipeline sink) calls mxp_sender_put()
 *    and mxp_sender_end_interval(); they hand objects over an SPSC channel per instance
 *    (ring/channel.h) and wake the sender;
 *  - the sender thread (mxp_sender_start) owns everything else;
 *  - any thread may read the counters (mxp_sender_counters);
 *  - the owner calls new/add/start/stop/free.
 *
 * Line protocols (graphite, opentsdb telnet, json lines): every record the formats
 * count is one line ending in '\n'. That is what lets a broken connection resume at the
 * line where it stopped, and count the lines before it as delivered (sender.c).
 * HTTP (mxp_sender_instance.http): every put is one request body; its metrics are
 * delivered when the receiver answers 2xx, retried on 429/5xx, lost on other statuses
 * (http_request.h has the policy).
 */
#ifndef MXP_SEND_SENDER_H
#define MXP_SEND_SENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "config/destination.h"
#include "format/buf.h"
#include "send/http_request.h"
#include "send/io.h"
#include "mxp/send_counters.h"

struct mxp_sender;

struct mxp_sender_instance {
	const char *name;                          /* for the log: "graphite:prod" */
	const struct mxp_destination *destinations; /* tried in order; copied by add */
	size_t ndestinations;
	long timeout_ms;                           /* `timeout ms`: connect within (default 20000
						    * in the seed, 2 * update every * 1000) */
	long buffer_on_failures;                   /* intervals kept at most (>= 1) */
	const struct mxp_sender_http *http;        /* NULL: a line protocol; else every put is
						    * one request body (copied by add) */
	/* Or a transport on a worker thread (worker.h: MongoDB): every put is one request
	 * its ops send; destinations are not used. conf is given to ops->open by add. */
	const struct mxp_worker_ops *worker_ops;
	const void *worker_conf;
	long retry_min_ms, retry_max_ms;           /* a worker's retries (as HTTP's) */
};

/* A sender with its I/O backend (MXP_IO_AUTO: io_uring unless unavailable or
 * MXP_IO=epoll). NULL with errno on failure. */
struct mxp_sender *mxp_sender_new(enum mxp_io_kind io);

/* Adds an instance before start; returns its index (0, 1, ...) or -errno: -EINVAL
 * (no destination, or a worker's transport could not open: its reason logged), -ENOMEM. Destinations may be tcp, unix (stream) or udp: over udp
 * the lines go in datagrams of whole lines, at most 1400 bytes each. */
int mxp_sender_add(struct mxp_sender *s, const struct mxp_sender_instance *inst);

/* Starts the sender thread. 0 or -errno. */
int mxp_sender_start(struct mxp_sender *s);

/* Producer of instance i only. Hands the bytes of `buf` (records lines) to the sender:
 * buf's memory moves to the sender's queue and buf gets an empty buffer in exchange (no
 * copy). Waits while the instance's channel is full (backpressure: the sender is
 * behind in taking, not in sending — its queue has no fixed limit but
 * `buffer on failures`). Returns 0, or -ECANCELED once stopping. len 0 is allowed. */
int mxp_sender_put(struct mxp_sender *s, unsigned i, struct mxp_buf *buf, long records);

/* Producer of instance i: metrics that were formatted but will never be sent (a record
 * too large for any request of the receiver): counted produced and lost
 * (lost_too_large) at once, and logged. 0 or -ECANCELED. */
int mxp_sender_put_dropped(struct mxp_sender *s, unsigned i, long metrics);

/* Producer of instance i only: the interval's last bytes were put. The sender counts
 * intervals (for `buffer on failures`) by these marks. 0 or -ECANCELED. */
int mxp_sender_end_interval(struct mxp_sender *s, unsigned i);

/* Any thread: a consistent copy of instance i's counters. */
void mxp_sender_counters(struct mxp_sender *s, unsigned i, struct mxp_send_counters *out);

/* Any thread: true when the sender has taken everything instance i's producer handed
 * over and nothing of it is still buffered (all delivered or lost). */
bool mxp_sender_idle(struct mxp_sender *s, unsigned i);

/* Any thread: adds to instance i's late_exports counter (the collector's). */
void mxp_sender_count_late(struct mxp_sender *s, unsigned i, unsigned n);

/* The sender thread's CPU slot (thread_cpu.h), sampled by the thread itself. */
struct mxp_thread_cpu;
const struct mxp_thread_cpu *mxp_sender_thread_cpu(const struct mxp_sender *s);

/* "io_uring" or "epoll" */
const char *mxp_sender_io_name(const struct mxp_sender *s);

/* Owner, after the producers' last put: keeps sending until every queue is empty or
 * deadline_ms passed (-1: no deadline), then counts what is left as lost (shutdown),
 * closes every connection and joins the thread. Returns the metrics lost that way. */
unsigned long long mxp_sender_stop(struct mxp_sender *s, long deadline_ms);

/* Frees it (stopping it first with deadline 0 if it runs); NULL allowed. */
void mxp_sender_free(struct mxp_sender *s);

#endif
