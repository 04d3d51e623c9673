/* worker.c — see worker.h for the threads and the ordering. */
#include <ck_pr.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ring/doorbell.h"
#include "send/io.h"
#include "send/worker.h"

enum { IDLE, SUBMITTED, DONE, QUIT };

struct mxp_worker {
	const struct mxp_worker_ops *ops;
	void *state;
	struct mxp_io *io;
	pthread_t thread;
	struct mxp_doorbell bell;
	int st;                  /* ck_pr: IDLE, SUBMITTED, DONE (and QUIT from the owner) */
	/* the job: written by the sender before SUBMITTED */
	const char *body;
	size_t len;
	long records;
	/* the result: written by the worker before DONE */
	struct mxp_worker_result res;
};

static bool has_job(void *arg)
{
	struct mxp_worker *w = arg;
	int st = ck_pr_load_int(&w->st);
	return st == SUBMITTED || st == QUIT;
}

static void *worker_main(void *arg)
{
	struct mxp_worker *w = arg;
	pthread_setname_np(pthread_self(), "mxp-worker");
	for (;;) {
		int st = ck_pr_load_int(&w->st);
		ck_pr_fence_load(); /* the job's fields after SUBMITTED */
		if (st == QUIT)
			return NULL;
		if (st != SUBMITTED) {
			/* the timeout bounds how late QUIT is seen should a ring be missed */
			mxp_doorbell_sleep(&w->bell, has_job, w, 1000000000L);
			continue;
		}
		memset(&w->res, 0, sizeof(w->res));
		w->ops->send(w->state, w->body, w->len, w->records, &w->res);
		ck_pr_fence_store(); /* the result before DONE */
		ck_pr_store_int(&w->st, DONE);
		mxp_io_wake(w->io);
	}
}

struct mxp_worker *mxp_worker_new(const struct mxp_worker_ops *ops, const void *conf, struct mxp_io *io, char *why,
				  size_t whylen)
{
	struct mxp_worker *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->ops = ops;
	w->io = io;
	w->state = ops->open(conf, why, whylen);
	if (w->state == NULL) {
		free(w);
		errno = EINVAL;
		return NULL;
	}
	int rc = pthread_create(&w->thread, NULL, worker_main, w);
	if (rc != 0) {
		ops->close(w->state);
		free(w);
		errno = rc;
		return NULL;
	}
	return w;
}

int mxp_worker_submit(struct mxp_worker *w, const char *body, size_t len, long records)
{
	if (ck_pr_load_int(&w->st) != IDLE)
		return -EBUSY;
	w->body = body;
	w->len = len;
	w->records = records;
	ck_pr_fence_store(); /* the job before SUBMITTED */
	ck_pr_store_int(&w->st, SUBMITTED);
	mxp_doorbell_ring(&w->bell);
	return 0;
}

bool mxp_worker_poll(struct mxp_worker *w, struct mxp_worker_result *out)
{
	if (ck_pr_load_int(&w->st) != DONE)
		return false;
	ck_pr_fence_load(); /* the result after DONE */
	*out = w->res;
	ck_pr_store_int(&w->st, IDLE);
	return true;
}

bool mxp_worker_busy(const struct mxp_worker *w)
{
	return ck_pr_load_int((int *)&w->st) != IDLE;
}

void mxp_worker_free(struct mxp_worker *w)
{
	if (w == NULL)
		return;
	/* a job in flight ends first: its body is not ours to take from under it */
	while (ck_pr_load_int(&w->st) == SUBMITTED) {
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	ck_pr_store_int(&w->st, QUIT);
	mxp_doorbell_ring(&w->bell);
	pthread_join(w->thread, NULL);
	w->ops->close(w->state);
	free(w);
}
