/* io_internal.h — what io.c shares with the two backends (io_uring.c, io_epoll.c). */
#ifndef MXP_SEND_IO_INTERNAL_H
#define MXP_SEND_IO_INTERNAL_H

#include "send/io.h"

struct mxp_io_backend {
	const char *name;
	int (*connect)(struct mxp_io *io, struct mxp_io_req *req, const struct sockaddr *addr, socklen_t len);
	int (*send)(struct mxp_io *io, struct mxp_io_req *req);
	int (*recv)(struct mxp_io *io, struct mxp_io_req *req);
	void (*cancel)(struct mxp_io *io, int fd);
	int (*wait)(struct mxp_io *io, struct mxp_io_req **done, unsigned max, int timeout_ms);
	void (*free)(struct mxp_io *io);
};

struct mxp_io {
	const struct mxp_io_backend *b;
	int wake_fd;                /* eventfd: mxp_io_wake() writes, the backend reads */
	void *impl;                 /* the backend's state */
};

/* Each sets io->b and io->impl, or returns -errno and leaves nothing allocated. */
int mxp_io_uring_init(struct mxp_io *io);
int mxp_io_epoll_init(struct mxp_io *io);

/* Reads the eventfd empty (it is non-blocking). */
void mxp_io_drain_wake(struct mxp_io *io);

#endif
