/* io.h — the sender's I/O, as completions: the sender thread starts an operation
 * (connect, send, receive) on a socket and later receives its result as an event. Two
 * backends give the same behaviour: io_uring (io_uring.c), and epoll (io_epoll.c),
 * which emulates completions over readiness. The sender's state machine (sender.c)
 * cannot tell them apart, so every sender test runs on both.
 *
 * Threads: one thread (the sender) calls everything here, except mxp_io_wake(), which
 * any thread may call to make a waiting mxp_io_wait() return (it writes an eventfd).
 *
 * Requests: the caller owns a `struct mxp_io_req` per operation in flight and keeps it
 * (and the memory the operation reads or writes, iovecs included) untouched until its
 * event arrives. At most one operation of each kind per socket at a time. Every
 * operation started completes exactly once, with its result or -ECANCELED after
 * mxp_io_cancel(); only then may the socket be closed.
 */
#ifndef MXP_SEND_IO_H
#define MXP_SEND_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/uio.h>

enum mxp_io_op {
	MXP_IO_CONNECT,
	MXP_IO_SEND,
	MXP_IO_RECV,
};

struct mxp_io_req {
	enum mxp_io_op op;
	int fd;
	void *ctx;                  /* the caller's */
	int res;                    /* set when it completes: bytes, 0, or -errno */
	bool busy;                  /* started and not yet completed */
	/* the operation's arguments, kept here for the backend */
	const struct iovec *iov;
	unsigned iovcnt;
	void *buf;
	size_t len;
	struct msghdr msg;          /* io_uring's sendmsg reads it until completion */
};

struct mxp_io;

enum mxp_io_kind {
	MXP_IO_AUTO,                /* io_uring, else epoll (and say why) */
	MXP_IO_URING,
	MXP_IO_EPOLL,
};

/* Creates a backend of `kind`. MXP_IO_AUTO picks io_uring unless the environment sets
 * MXP_IO=epoll or io_uring cannot be set up here (seccomp, old kernel,
 * io_uring_disabled); the log says which one runs and why. Returns NULL with errno set
 * when none can be created. */
struct mxp_io *mxp_io_new(enum mxp_io_kind kind);
void mxp_io_free(struct mxp_io *io);
/* "io_uring" or "epoll" */
const char *mxp_io_name(const struct mxp_io *io);

/* Start an operation; its event comes from a later mxp_io_wait(). Return 0, or -errno
 * when it could not be started (then no event will come). The socket is non-blocking
 * and stays registered with nothing: the backends need no setup per socket. */
int mxp_io_connect(struct mxp_io *io, struct mxp_io_req *req, int fd, const struct sockaddr *addr,
		   socklen_t addrlen);
int mxp_io_send(struct mxp_io *io, struct mxp_io_req *req, int fd, const struct iovec *iov, unsigned iovcnt);
int mxp_io_recv(struct mxp_io *io, struct mxp_io_req *req, int fd, void *buf, size_t len);
/* Asks every operation in flight on fd to complete now (with -ECANCELED if it had not
 * finished). Their events still come through mxp_io_wait(). */
void mxp_io_cancel(struct mxp_io *io, int fd);

/* Sends what was started, then waits up to timeout_ms (-1: no limit, 0: do not wait)
 * for completions or a wake-up, and stores up to max completed requests in done[].
 * Returns how many (0 on timeout or wake-up), or -errno. The requests in done[] are
 * still `busy` until the caller hands each to mxp_io_done() as it handles it: an event
 * handled first (a peer's close, say) must not see a later one's operation as over
 * before that one is handled (its socket would be closed under it). */
int mxp_io_wait(struct mxp_io *io, struct mxp_io_req **done, unsigned max, int timeout_ms);

/* The caller handles req's completion now: it is no longer in flight. */
static inline void mxp_io_done(struct mxp_io_req *req)
{
	req->busy = false;
}

/* Any thread: makes the sender's current or next mxp_io_wait() return. */
void mxp_io_wake(struct mxp_io *io);

#endif
