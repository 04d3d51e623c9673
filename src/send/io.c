/* io.c — picks the sender's I/O backend and forwards to it (io.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "engine/log.h"
#include "send/io_internal.h"

struct mxp_io *mxp_io_new(enum mxp_io_kind kind)
{
	const char *env = getenv("MXP_IO");
	const char *why = NULL;

	if (kind == MXP_IO_AUTO && env != NULL && *env != '\0') {
		if (strcmp(env, "epoll") == 0) {
			kind = MXP_IO_EPOLL;
			why = "MXP_IO=epoll";
		} else if (strcmp(env, "io_uring") == 0 || strcmp(env, "uring") == 0) {
			kind = MXP_IO_URING;
		} else {
			mxp_log(MXP_LOG_WARNING, "MXP_IO='%s' is neither io_uring nor epoll; choosing by itself", env);
		}
	}

	struct mxp_io *io = calloc(1, sizeof(*io));
	if (io == NULL)
		return NULL;
	io->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (io->wake_fd < 0) {
		int e = errno;
		free(io);
		errno = e;
		return NULL;
	}

	int rc = -EINVAL;
	if (kind == MXP_IO_AUTO || kind == MXP_IO_URING) {
		rc = mxp_io_uring_init(io);
		if (rc == 0) {
			mxp_log(MXP_LOG_INFO, "sender I/O: io_uring");
			return io;
		}
		if (kind == MXP_IO_URING) {
			close(io->wake_fd);
			free(io);
			errno = -rc;
			return NULL;
		}
		why = strerror(-rc);
	}
	rc = mxp_io_epoll_init(io);
	if (rc != 0) {
		close(io->wake_fd);
		free(io);
		errno = -rc;
		return NULL;
	}
	if (why != NULL)
		mxp_log(MXP_LOG_INFO, "sender I/O: epoll (io_uring not used: %s)", why);
	else
		mxp_log(MXP_LOG_INFO, "sender I/O: epoll");
	return io;
}

void mxp_io_free(struct mxp_io *io)
{
	if (io == NULL)
		return;
	io->b->free(io);
	close(io->wake_fd);
	free(io);
}

const char *mxp_io_name(const struct mxp_io *io)
{
	return io->b->name;
}

int mxp_io_connect(struct mxp_io *io, struct mxp_io_req *req, int fd, const struct sockaddr *addr,
		   socklen_t addrlen)
{
	req->op = MXP_IO_CONNECT;
	req->fd = fd;
	req->res = 0;
	req->busy = true;
	int rc = io->b->connect(io, req, addr, addrlen);
	if (rc != 0)
		req->busy = false;
	return rc;
}

int mxp_io_send(struct mxp_io *io, struct mxp_io_req *req, int fd, const struct iovec *iov, unsigned iovcnt)
{
	req->op = MXP_IO_SEND;
	req->fd = fd;
	req->res = 0;
	req->iov = iov;
	req->iovcnt = iovcnt;
	memset(&req->msg, 0, sizeof(req->msg));
	req->msg.msg_iov = (struct iovec *)iov;
	req->msg.msg_iovlen = iovcnt;
	req->busy = true;
	int rc = io->b->send(io, req);
	if (rc != 0)
		req->busy = false;
	return rc;
}

int mxp_io_recv(struct mxp_io *io, struct mxp_io_req *req, int fd, void *buf, size_t len)
{
	req->op = MXP_IO_RECV;
	req->fd = fd;
	req->res = 0;
	req->buf = buf;
	req->len = len;
	req->busy = true;
	int rc = io->b->recv(io, req);
	if (rc != 0)
		req->busy = false;
	return rc;
}

void mxp_io_cancel(struct mxp_io *io, int fd)
{
	io->b->cancel(io, fd);
}

int mxp_io_wait(struct mxp_io *io, struct mxp_io_req **done, unsigned max, int timeout_ms)
{
	/* busy stays set: the caller clears it (mxp_io_done) as it handles each event, so
	 * while it handles the first, the others still count as in flight */
	return io->b->wait(io, done, max, timeout_ms);
}

void mxp_io_wake(struct mxp_io *io)
{
	uint64_t one = 1;
	/* EAGAIN means the counter is already nonzero: the sender will wake anyway */
	ssize_t r = write(io->wake_fd, &one, sizeof(one));
	(void)r;
}

void mxp_io_drain_wake(struct mxp_io *io)
{
	uint64_t v;
	while (read(io->wake_fd, &v, sizeof(v)) > 0)
		;
}
