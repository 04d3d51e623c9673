/* io_uring.c — the sender's I/O on io_uring (liburing): each operation is one SQE whose
 * user_data is its mxp_io_req; everything started since the last wait is submitted in
 * one io_uring_submit_and_wait_timeout() call, so a round of the sender's loop costs one
 * system call however many sockets it writes to.
 *
 * Only the sender thread touches the ring. The wake-up eventfd has a read always armed
 * (user_data = &u->wake_req) that is re-armed whenever it completes. Cancellation is one
 * IORING_OP_ASYNC_CANCEL by fd for every operation on the socket (user_data fd << 1 | 1,
 * odd where a request's address is even: its own completion is recognised and ignored); on kernels without cancel-by-fd (< 5.19) it answers -EINVAL
 * and the socket is shut down instead, which completes pending sends and receives. */
#include <errno.h>
#include <liburing.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "send/io_internal.h"

#define RING_ENTRIES 256u

struct uring {
	struct io_uring ring;
	struct mxp_io_req wake_req;     /* the armed read of the wake-up eventfd */
	uint64_t wake_value;
};

static struct uring *u_of(struct mxp_io *io)
{
	return io->impl;
}

static struct io_uring_sqe *get_sqe(struct uring *u)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	if (sqe == NULL) {
		/* the submission queue is full: hand it to the kernel and take a fresh slot */
		io_uring_submit(&u->ring);
		sqe = io_uring_get_sqe(&u->ring);
	}
	return sqe;
}

static int arm_wake(struct mxp_io *io)
{
	struct uring *u = io->impl;
	struct io_uring_sqe *sqe = get_sqe(u);
	if (sqe == NULL)
		return -EBUSY;
	io_uring_prep_read(sqe, io->wake_fd, &u->wake_value, sizeof(u->wake_value), 0);
	io_uring_sqe_set_data(sqe, &u->wake_req);
	u->wake_req.busy = true;
	return 0;
}

static int uring_connect(struct mxp_io *io, struct mxp_io_req *req, const struct sockaddr *addr, socklen_t len)
{
	struct io_uring_sqe *sqe = get_sqe(io->impl);
	if (sqe == NULL)
		return -EBUSY;
	io_uring_prep_connect(sqe, req->fd, addr, len);
	io_uring_sqe_set_data(sqe, req);
	return 0;
}

static int uring_send(struct mxp_io *io, struct mxp_io_req *req)
{
	struct io_uring_sqe *sqe = get_sqe(io->impl);
	if (sqe == NULL)
		return -EBUSY;
	/* sendmsg rather than writev: MSG_NOSIGNAL, so a reset peer is an error, not SIGPIPE */
	io_uring_prep_sendmsg(sqe, req->fd, &req->msg, MSG_NOSIGNAL);
	io_uring_sqe_set_data(sqe, req);
	return 0;
}

static int uring_recv(struct mxp_io *io, struct mxp_io_req *req)
{
	struct io_uring_sqe *sqe = get_sqe(io->impl);
	if (sqe == NULL)
		return -EBUSY;
	io_uring_prep_recv(sqe, req->fd, req->buf, req->len, 0);
	io_uring_sqe_set_data(sqe, req);
	return 0;
}

static void uring_cancel(struct mxp_io *io, int fd)
{
	struct io_uring_sqe *sqe = get_sqe(io->impl);
	if (sqe == NULL) {
		shutdown(fd, SHUT_RDWR);
		return;
	}
	io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
	io_uring_sqe_set_data64(sqe, (uint64_t)fd << 1 | 1u); /* odd: a cancel's own completion */
	/* submitted now, not with the next wait: the caller closes fd once its operations
	 * are over, and a new socket may get the same number before that wait, whose
	 * operations a late cancel by fd would hit */
	io_uring_submit(&u_of(io)->ring);
}

static int uring_wait(struct mxp_io *io, struct mxp_io_req **done, unsigned max, int timeout_ms)
{
	struct uring *u = io->impl;
	struct io_uring_cqe *cqe;
	int rc;

	if (!u->wake_req.busy && arm_wake(io) != 0)
		return -EBUSY;
	if (timeout_ms == 0 || io_uring_cq_ready(&u->ring) > 0) {
		rc = io_uring_submit(&u->ring);
	} else if (timeout_ms < 0) {
		rc = io_uring_submit_and_wait_timeout(&u->ring, &cqe, 1, NULL, NULL);
	} else {
		struct __kernel_timespec ts = {.tv_sec = timeout_ms / 1000,
					       .tv_nsec = (long long)(timeout_ms % 1000) * 1000000};
		rc = io_uring_submit_and_wait_timeout(&u->ring, &cqe, 1, &ts, NULL);
	}
	if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
		return rc;

	unsigned n = 0;
	while (n < max && io_uring_peek_cqe(&u->ring, &cqe) == 0) {
		uint64_t data = io_uring_cqe_get_data64(cqe);
		int res = cqe->res;
		io_uring_cqe_seen(&u->ring, cqe);
		if (data & 1u) {
			/* a cancel's completion; -EINVAL: no cancel-by-fd here, shut it down */
			if (res == -EINVAL)
				shutdown((int)(data >> 1), SHUT_RDWR);
			continue;
		}
		struct mxp_io_req *req = (struct mxp_io_req *)(uintptr_t)data;
		if (req == &u->wake_req) {
			u->wake_req.busy = false;
			continue;
		}
		req->res = res;
		done[n++] = req;
	}
	return (int)n;
}

static void uring_free(struct mxp_io *io)
{
	struct uring *u = io->impl;
	io_uring_queue_exit(&u->ring);
	free(u);
}

static const struct mxp_io_backend uring_backend = {
	.name = "io_uring",
	.connect = uring_connect,
	.send = uring_send,
	.recv = uring_recv,
	.cancel = uring_cancel,
	.wait = uring_wait,
	.free = uring_free,
};

int mxp_io_uring_init(struct mxp_io *io)
{
	struct uring *u = calloc(1, sizeof(*u));
	if (u == NULL)
		return -ENOMEM;
	int rc = io_uring_queue_init(RING_ENTRIES, &u->ring, 0);
	if (rc < 0) {
		free(u);
		return rc;
	}
	/* the operations the sender needs: a kernel may have io_uring without them */
	struct io_uring_probe *probe = io_uring_get_probe_ring(&u->ring);
	static const int needed[] = {IORING_OP_CONNECT, IORING_OP_SENDMSG, IORING_OP_RECV,
				     IORING_OP_READ, IORING_OP_ASYNC_CANCEL};
	bool ok = probe != NULL;
	for (size_t i = 0; ok && i < sizeof(needed) / sizeof(needed[0]); i++)
		ok = io_uring_opcode_supported(probe, needed[i]);
	io_uring_free_probe(probe);
	if (!ok) {
		io_uring_queue_exit(&u->ring);
		free(u);
		return -EOPNOTSUPP;
	}
	io->impl = u;
	io->b = &uring_backend;
	return 0;
}
