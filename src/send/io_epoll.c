/* io_epoll.c — the sender's I/O on epoll, emulating completions: an operation is tried
 * at once when that can only help (connect, send); otherwise it waits for readiness,
 * and is retried when epoll says the socket is ready; a finished operation goes to a
 * `ready` list that the next wait returns. Level-triggered; a socket's interest is
 * EPOLLOUT while a connect or send waits and EPOLLIN while a receive waits, and it
 * leaves the epoll set when nothing waits.
 *
 * Only the sender thread calls this file; the wake-up eventfd is in the set for good. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "send/io_internal.h"

#define MAX_EVENTS 64

struct fdstate {
	struct mxp_io_req *connect, *send, *recv;
	uint32_t interest;              /* what the epoll set holds for this fd; 0: not in it */
};

struct epoll_impl {
	int epfd;
	struct fdstate *fds;            /* indexed by fd */
	size_t nfds;
	struct mxp_io_req **ready;      /* completed, not yet returned */
	size_t nready, capready;
};

static struct fdstate *state_of(struct epoll_impl *e, int fd)
{
	if (fd < 0)
		return NULL;
	if ((size_t)fd >= e->nfds) {
		size_t n = e->nfds ? e->nfds : 64;
		while (n <= (size_t)fd)
			n *= 2;
		struct fdstate *f = realloc(e->fds, n * sizeof(*f));
		if (f == NULL)
			return NULL;
		memset(f + e->nfds, 0, (n - e->nfds) * sizeof(*f));
		e->fds = f;
		e->nfds = n;
	}
	return &e->fds[fd];
}

static int complete(struct epoll_impl *e, struct mxp_io_req *req, int res)
{
	if (e->nready == e->capready) {
		size_t n = e->capready ? e->capready * 2 : 64;
		struct mxp_io_req **r = realloc(e->ready, n * sizeof(*r));
		if (r == NULL)
			return -ENOMEM;
		e->ready = r;
		e->capready = n;
	}
	req->res = res;
	e->ready[e->nready++] = req;
	return 0;
}

/* Brings the epoll set in line with what waits on fd. */
static int update_interest(struct epoll_impl *e, int fd, struct fdstate *s)
{
	uint32_t want = (s->connect || s->send ? EPOLLOUT : 0u) | (s->recv ? EPOLLIN : 0u);
	if (want == s->interest)
		return 0;
	struct epoll_event ev = {.events = want, .data.fd = fd};
	int op = want == 0 ? EPOLL_CTL_DEL : s->interest == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
	if (epoll_ctl(e->epfd, op, fd, &ev) != 0 && op != EPOLL_CTL_DEL)
		return -errno;
	s->interest = want;
	return 0;
}

static ssize_t try_send(struct mxp_io_req *req)
{
	ssize_t r = sendmsg(req->fd, &req->msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	return r >= 0 ? r : -errno;
}

static ssize_t try_recv(struct mxp_io_req *req)
{
	ssize_t r = recv(req->fd, req->buf, req->len, MSG_DONTWAIT);
	return r >= 0 ? r : -errno;
}

static int epoll_connect(struct mxp_io *io, struct mxp_io_req *req, const struct sockaddr *addr, socklen_t len)
{
	struct epoll_impl *e = io->impl;
	struct fdstate *s = state_of(e, req->fd);
	if (s == NULL)
		return -ENOMEM;
	if (connect(req->fd, addr, len) == 0)
		return complete(e, req, 0);
	if (errno != EINPROGRESS)
		return complete(e, req, -errno);
	s->connect = req;
	int rc = update_interest(e, req->fd, s);
	if (rc != 0)
		s->connect = NULL;
	return rc;
}

static int epoll_send(struct mxp_io *io, struct mxp_io_req *req)
{
	struct epoll_impl *e = io->impl;
	struct fdstate *s = state_of(e, req->fd);
	if (s == NULL)
		return -ENOMEM;
	ssize_t r = try_send(req);
	if (r != -EAGAIN && r != -EWOULDBLOCK)
		return complete(e, req, (int)r);
	s->send = req;
	int rc = update_interest(e, req->fd, s);
	if (rc != 0)
		s->send = NULL;
	return rc;
}

static int epoll_recv(struct mxp_io *io, struct mxp_io_req *req)
{
	struct epoll_impl *e = io->impl;
	struct fdstate *s = state_of(e, req->fd);
	if (s == NULL)
		return -ENOMEM;
	s->recv = req;
	int rc = update_interest(e, req->fd, s);
	if (rc != 0)
		s->recv = NULL;
	return rc;
}

static void epoll_cancel(struct mxp_io *io, int fd)
{
	struct epoll_impl *e = io->impl;
	struct fdstate *s = state_of(e, fd);
	if (s == NULL)
		return;
	struct mxp_io_req **w[] = {&s->connect, &s->send, &s->recv};
	for (size_t i = 0; i < 3; i++) {
		if (*w[i] != NULL && complete(e, *w[i], -ECANCELED) == 0)
			*w[i] = NULL;
	}
	update_interest(e, fd, s);
}

/* fd is ready for `events`: retry what waits on it. */
static void on_ready(struct epoll_impl *e, int fd, uint32_t events)
{
	struct fdstate *s = state_of(e, fd);
	if (s == NULL)
		return;
	bool out = events & (EPOLLOUT | EPOLLERR | EPOLLHUP);
	bool in = events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP);

	if (s->connect != NULL && out) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			err = errno;
		if (complete(e, s->connect, -err) == 0)
			s->connect = NULL;
	} else if (s->send != NULL && out) {
		ssize_t r = try_send(s->send);
		if (r != -EAGAIN && r != -EWOULDBLOCK && complete(e, s->send, (int)r) == 0)
			s->send = NULL;
	}
	if (s->recv != NULL && in) {
		ssize_t r = try_recv(s->recv);
		if (r != -EAGAIN && r != -EWOULDBLOCK && complete(e, s->recv, (int)r) == 0)
			s->recv = NULL;
	}
	update_interest(e, fd, s);
}

static int epoll_wait_events(struct mxp_io *io, struct mxp_io_req **done, unsigned max, int timeout_ms)
{
	struct epoll_impl *e = io->impl;
	struct epoll_event ev[MAX_EVENTS];

	int n = epoll_wait(e->epfd, ev, MAX_EVENTS, e->nready > 0 ? 0 : timeout_ms);
	if (n < 0 && errno != EINTR)
		return -errno;
	for (int i = 0; i < n; i++) {
		if (ev[i].data.fd == io->wake_fd)
			mxp_io_drain_wake(io);
		else
			on_ready(e, ev[i].data.fd, ev[i].events);
	}

	unsigned k = 0;
	while (k < max && k < e->nready) {
		done[k] = e->ready[k];
		k++;
	}
	if (k > 0 && e->nready > k)
		memmove(e->ready, e->ready + k, (e->nready - k) * sizeof(*e->ready));
	e->nready -= k;
	return (int)k;
}

static void epoll_free(struct mxp_io *io)
{
	struct epoll_impl *e = io->impl;
	close(e->epfd);
	free(e->fds);
	free(e->ready);
	free(e);
}

static const struct mxp_io_backend epoll_backend = {
	.name = "epoll",
	.connect = epoll_connect,
	.send = epoll_send,
	.recv = epoll_recv,
	.cancel = epoll_cancel,
	.wait = epoll_wait_events,
	.free = epoll_free,
};

int mxp_io_epoll_init(struct mxp_io *io)
{
	struct epoll_impl *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->epfd < 0) {
		int err = errno;
		free(e);
		return -err;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = io->wake_fd};
	if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, io->wake_fd, &ev) != 0) {
		int err = errno;
		close(e->epfd);
		free(e);
		return -err;
	}
	io->impl = e;
	io->b = &epoll_backend;
	return 0;
}
