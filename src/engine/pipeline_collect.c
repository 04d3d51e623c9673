/* pipeline_collect.c — the pipeline's collector thread: one walk of the store per
 * window for all K instances, a record per exported dim into the formatters' shards
 * (pipeline_internal.h says who hands what to whom). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "collect/store_internal.h"
#include "engine/pipeline_internal.h"

#define EMIT_AHEAD 8u /* records ahead that emit() asks for its shard's lines */

/* A prefetch for ownership. GCC emits prefetchw for __builtin_prefetch(p, 1) only when
 * told the CPU has it (-mprfchw); every x86-64 that lacks it runs the opcode as a NOP,
 * so it is written out here. */
__attribute__((always_inline)) static inline void prefetch_for_write(const void *a)
{
#if defined(__x86_64__)
	__asm__ volatile("prefetchw %0" : : "m"(*(const char *)a));
#else
	__builtin_prefetch(a, 1);
#endif
}

/* Appends r to formatter i's current shard, publishing the shard when it is full.
 * Returns 0 or -ECANCELED (stopping). */
static int emit(struct mxp_pipeline *p, unsigned i, const struct record *r)
{
	struct shard *s = p->cur[i];
	if (s == NULL) {
		s = mxp_channel_acquire_wait_spsc(&p->f[i].shards, &p->stop);
		if (s == NULL)
			return -ECANCELED;
		s->n = 0;
		s->end = false;
		p->cur[i] = s;
		for (unsigned a = 0; a < EMIT_AHEAD; a += 2)
			prefetch_for_write(&s->rec[a]);
	}
	/* a shard's lines were last in the formatter's cache, on the other core: asked for,
	 * for writing, 8 records (4 lines) before they are written */
	if (s->n + EMIT_AHEAD < MXP_PIPELINE_SHARD_RECORDS)
		prefetch_for_write(&s->rec[s->n + EMIT_AHEAD]);
	s->rec[s->n++] = *r;
	if (s->n == MXP_PIPELINE_SHARD_RECORDS) {
		mxp_channel_publish_spsc(&p->f[i].shards, s);
		p->cur[i] = NULL;
	}
	return 0;
}

/* The walk of export_walk.c for K instances at once: a host or chart is read when any
 * instance's filters take it, and each record carries the mask of those that do (the
 * filter decisions are cached per object and instance). 0, -ENOMEM, -ECANCELED. */
static int walk(struct mxp_pipeline *p, time_t after, time_t before)
{
	const enum mxp_source source = p->settings[0]->source;
	for (struct mxp_host *h = mxp_store_hosts(p->store); h != NULL; h = mxp_host_next(h)) {
		uint32_t hmask = 0;
		for (unsigned k = 0; k < p->k; k++) {
			int want = mxp_filter_host(&p->filters[k], p->settings[k], h);
			if (want < 0)
				return -ENOMEM;
			hmask |= (uint32_t)want << k;
		}
		if (hmask == 0)
			continue;
		if (hmask & p->host_mask) {
			/* the host's own series (remote write's netdata_info), before its charts,
			 * stamped with the window's end */
			struct record r = {.dim = NULL, .mask = hmask & p->host_mask, .t = (uint32_t)before};
			r.v.host = h;
			int rc = emit(p, p->n == 1 ? 0 : h->serial % p->n, &r);
			if (rc != 0)
				return rc;
		}
		for (struct mxp_chart *c = mxp_host_charts(h); c != NULL; c = mxp_chart_next(c)) {
			uint32_t mask = 0;
			for (unsigned k = 0; k < p->k; k++) {
				if (!(hmask & (1u << k)))
					continue;
				int want = mxp_filter_chart(&p->filters[k], p->settings[k], c);
				if (want < 0)
					return -ENOMEM;
				mask |= (uint32_t)want << k;
			}
			if (mask == 0)
				continue;
			if (mxp_chart_read(c, source, after, before, &mxp_ring_query_ops, NULL, &p->reading) != 0)
				return -ENOMEM;
			for (size_t i = 0; i < p->reading.ndims; i++) {
				const struct mxp_dim_reading *x = &p->reading.dims[i];
				struct record r = {.dim = x->dim, .mask = mask, .t = x->t};
				/* the value's 16 bytes as they lie, whichever the source: an
				 * assignment of the long double goes through the x87 (an 80-bit
				 * load and store per record) */
				memcpy(&r.v, &x->v, sizeof(r.v));
				/* serial % n, without a division for the usual power of two */
				const uint32_t serial = x->serial;
#if MXP_RECORD_SERIAL_IN_VALUE
				r.v.tail.serial = serial;
#endif
				const unsigned to = (p->n & (p->n - 1)) == 0 ? serial & (p->n - 1) : serial % p->n;
				int rc = emit(p, to, &r);
				if (rc != 0)
					return rc;
			}
		}
	}
	return 0;
}

/* One window: walk, end-of-window shard to every formatter, N acks, then read_end. */
static void collect_window(struct mxp_pipeline *p, struct window_cmd *cmd)
{
	unsigned retries0 = p->reading.retries;
	long produced[MXP_PIPELINE_MAX_INSTANCES] = {0};
	uint64_t templates = 0;

	mxp_store_read_begin(p->reader);
	int err = walk(p, cmd->after, cmd->before);
	for (unsigned i = 0; i < p->n; i++) {
		struct shard *s = p->cur[i];
		if (s == NULL) {
			s = mxp_channel_acquire_wait_spsc(&p->f[i].shards, &p->stop);
			if (s == NULL) {
				/* stopping mid-window: free() broke its contract; formatters
				 * are leaving too, so no ack will come */
				mxp_store_read_end(p->reader);
				cmd->err = -ECANCELED;
				return;
			}
			s->n = 0;
		}
		s->end = true;
		/* wakes the formatter, however few shards it was waiting for */
		mxp_channel_publish_flush_spsc(&p->f[i].shards, s);
		p->cur[i] = NULL;
	}
	for (unsigned i = 0; i < p->n; i++) {
		/* asleep at once: the formatter has up to MXP_PIPELINE_SHARDS shards to go */
		struct ack *a = mxp_channel_receive_sleep_spsc(&p->f[i].ack, &p->stop);
		if (a == NULL) {
			err = -ECANCELED;
			break;
		}
		for (unsigned k = 0; k < p->k; k++)
			produced[k] += a->records[k];
		templates += a->templates;
		if (a->err != 0 && err == 0)
			err = a->err;
		mxp_channel_release_spsc(&p->f[i].ack, a);
	}
	/* every formatter acked its last read of a record: store objects may go now */
	mxp_store_read_end(p->reader);

	memcpy(cmd->produced, produced, sizeof(produced));
	cmd->err = err;
	cmd->retries = p->reading.retries - retries0;
	cmd->templates = templates;
}

void *mxp_pipeline_collector_main(void *arg)
{
	struct mxp_pipeline *p = arg;
	struct window_cmd *cmd;
	/* asleep at once: windows are seconds apart */
	while ((cmd = mxp_channel_receive_sleep_spsc(&p->cmd, &p->stop)) != NULL) {
		collect_window(p, cmd);
		mxp_thread_cpu_sample(&p->collector_cpu);
		mxp_channel_release_spsc(&p->cmd, cmd);
	}
	return NULL;
}
