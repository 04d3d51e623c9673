/* pipeline.c — the pipeline's sink thread, its owner's calls (export, stats) and its
 * start and stop. The design, the objects the threads hand each other and the ordering
 * they rely on: pipeline_internal.h; the collector: pipeline_collect.c; the formatters:
 * pipeline_format.c. */
#include <ck_pr.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect/chart_read.h"
#include "engine/export_walk.h"
#include "engine/filter_cache.h"
#include "engine/pipeline.h"
#include "engine/pipeline_internal.h"
#include "engine/thread_cpu.h"
#include "format/format.h"
#include "ring/channel.h"

/* ---- sink ---- */

/* What the sink looks for before it sleeps: a buffer from any formatter, or stop. */
static bool sink_ready(void *arg)
{
	const struct mxp_pipeline *p = arg;
	for (unsigned i = 0; i < p->n; i++)
		if (mxp_channel_full_count(&p->f[i].out) > 0)
			return true;
	return ck_pr_load_int((int *)&p->stop) != 0;
}

/* The sink found nothing: it sleeps at once on the bell that every formatter's
 * publish rings (doorbell.h). It has little to do per buffer, and yielding before
 * sleeping (64 rounds once) only cost CPU on a machine whose cores the pipeline's other
 * threads share. */
static void idle_wait(struct mxp_pipeline *p)
{
	mxp_doorbell_sleep(&p->sink_bell, sink_ready, p, MXP_CHANNEL_SLEEP_MAX_NS);
}

static void *sink_main(void *arg)
{
	struct mxp_pipeline *p = arg;
	unsigned ends[MXP_PIPELINE_MAX_INSTANCES] = {0}, ended = 0;
	long delivered[MXP_PIPELINE_MAX_INSTANCES] = {0};
	int err = 0;

	for (;;) {
		int stopping = ck_pr_load_int(&p->stop);
		bool got = false;
		for (unsigned i = 0; i < p->n; i++) {
			struct outbuf *o = mxp_channel_receive_spsc(&p->f[i].out);
			if (o == NULL)
				continue;
			got = true;
			unsigned k = o->inst;
			const struct mxp_pipeline_sink *sk = &p->sink_fn[k];
			if (o->err != 0 && err == 0)
				err = o->err;
			if (o->dropped > 0) {
				int rc = sk->dropped != NULL ? sk->dropped(sk->arg, o->dropped) : 0;
				if (rc < 0 && err == 0)
					err = rc;
				if (rc >= 0)
					delivered[k] += o->dropped;
			}
			if (o->buf.len > 0) {
				int rc = sk->take != NULL ? sk->take(sk->arg, &o->buf, o->records)
							  : sk->deliver(sk->arg, o->buf.data, o->buf.len, o->records);
				mxp_buf_reset(&o->buf);
				if (rc < 0 && err == 0)
					err = rc;
				if (rc >= 0)
					delivered[k] += o->records;
			}
			bool end = o->end;
			mxp_channel_release_spsc(&p->f[i].out, o);
			if (!end || ++ends[k] < p->n)
				continue;
			/* instance k's window is complete: every formatter's last buffer came */
			if (sk->window_end != NULL) {
				int rc = sk->window_end(sk->arg);
				if (rc < 0 && err == 0)
					err = rc;
			}
			if (++ended < p->k)
				continue;
			mxp_thread_cpu_sample(&p->sink_cpu);
			struct window_result *r = mxp_channel_acquire_wait_spsc(&p->result, &p->stop);
			if (r == NULL)
				return NULL;
			memcpy(r->delivered, delivered, sizeof(delivered));
			r->err = err;
			mxp_channel_publish_spsc(&p->result, r);
			memset(ends, 0, sizeof(ends));
			memset(delivered, 0, sizeof(delivered));
			ended = 0;
			err = 0;
		}
		if (got)
			continue;
		if (stopping)
			return NULL;
		idle_wait(p);
	}
}

/* ---- owner ---- */

long mxp_pipeline_export(struct mxp_pipeline *p, time_t after, time_t before)
{
	struct window_cmd *cmd = p->cmd_held;
	if (cmd == NULL)
		return -ECANCELED;
	cmd->after = after;
	cmd->before = before;
	memset(cmd->produced, 0, sizeof(cmd->produced));
	cmd->err = 0;
	cmd->retries = 0;
	mxp_channel_publish_spsc(&p->cmd, cmd);
	p->cmd_held = NULL;

	/* the window takes milliseconds at least: asleep until the sink rings */
	struct window_result *r = mxp_channel_receive_sleep_spsc(&p->result, &p->stop);
	if (r == NULL)
		return -ECANCELED;
	long delivered = 0;
	for (unsigned k = 0; k < p->k; k++) {
		p->stats.last_delivered_of[k] = r->delivered[k];
		delivered += r->delivered[k];
	}
	int derr = r->err;
	mxp_channel_release_spsc(&p->result, r);

	/* the collector released cmd after its read_end: the window is over everywhere */
	cmd = mxp_channel_acquire_wait_spsc(&p->cmd, &p->stop);
	if (cmd == NULL)
		return -ECANCELED;
	p->cmd_held = cmd;

	long produced = 0;
	for (unsigned k = 0; k < p->k; k++) {
		p->stats.last_produced_of[k] = cmd->produced[k];
		produced += cmd->produced[k];
	}
	p->stats.windows++;
	p->stats.last_produced = produced;
	p->stats.last_delivered = delivered;
	p->stats.produced += (uint64_t)produced;
	p->stats.delivered += (uint64_t)delivered;
	p->stats.read_retries += cmd->retries;
	p->stats.templates = cmd->templates;
	if (cmd->err != 0)
		return cmd->err;
	if (derr != 0)
		return derr;
	return delivered;
}

void mxp_pipeline_stats(const struct mxp_pipeline *p, struct mxp_pipeline_stats *out)
{
	*out = p->stats;
}

static void stop_and_join(struct mxp_pipeline *p)
{
	ck_pr_fence_store(); /* everything published before the flag (the drain of channel.h) */
	ck_pr_store_int(&p->stop, 1);
	/* wake every sleeper now: both bells of every channel, whichever side may wait on
	 * it. The sleep bound (channel.h) is 10 s, so a bell left out would stall the stop
	 * that long. (A channel that failed to initialise has no bell yet.) */
	struct mxp_doorbell *bells[] = {&p->sink_bell, p->cmd.full_bell, p->cmd.empty_bell, p->result.full_bell,
					p->result.empty_bell};
	for (size_t b = 0; b < sizeof(bells) / sizeof(bells[0]); b++)
		if (bells[b] != NULL)
			mxp_doorbell_ring(bells[b]);
	for (unsigned i = 0; i < p->n && p->f != NULL; i++) {
		struct mxp_doorbell *fb[] = {p->f[i].shards.full_bell, p->f[i].shards.empty_bell,
					     p->f[i].out.full_bell,    p->f[i].out.empty_bell,
					     p->f[i].ack.full_bell,    p->f[i].ack.empty_bell};
		for (size_t b = 0; b < sizeof(fb) / sizeof(fb[0]); b++)
			if (fb[b] != NULL)
				mxp_doorbell_ring(fb[b]);
	}
	if (p->collector_started)
		pthread_join(p->collector, NULL);
	for (unsigned i = 0; i < p->n && p->f != NULL; i++)
		if (p->f[i].started)
			pthread_join(p->f[i].thread, NULL);
	if (p->sink_started)
		pthread_join(p->sink, NULL);
	p->collector_started = p->sink_started = false;
	for (unsigned i = 0; i < p->n && p->f != NULL; i++)
		p->f[i].started = false;
}

void mxp_pipeline_free(struct mxp_pipeline *p)
{
	if (p == NULL)
		return;
	stop_and_join(p);
	if (p->f != NULL) {
		for (unsigned i = 0; i < p->n; i++) {
			struct formatter *f = &p->f[i];
			for (unsigned k = 0; k < MXP_PIPELINE_OUTBUFS * p->k; k++) {
				struct outbuf *o = mxp_channel_object(&f->out, k);
				if (o != NULL)
					mxp_buf_free(&o->buf);
			}
			mxp_channel_free(&f->shards);
			mxp_channel_free(&f->out);
			mxp_channel_free(&f->ack);
			mxp_buf_free(&f->scratch);
			mxp_buf_free(&f->sealed);
		}
		free(p->f);
	}
	/* the templates stay in the dims (freed with them, or re-rendered by the slot's
	 * next pipeline, whose owner differs) */
	for (unsigned k = 0; k < p->k; k++)
		mxp_store_cache_slot_put(p->store, p->cache_slot[k]);
	mxp_channel_free(&p->cmd);
	mxp_channel_free(&p->result);
	if (p->reader != NULL)
		mxp_store_reader_put(p->reader);
	for (unsigned k = 0; k < MXP_PIPELINE_MAX_INSTANCES; k++)
		mxp_filter_cache_free(&p->filters[k]);
	mxp_chart_reading_free(&p->reading);
	free(p->cur);
	free(p);
}

unsigned mxp_pipeline_default_formatters(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu <= 2)
		return 1;
	return ncpu - 1 > (long)MXP_PIPELINE_MAX_FORMATTERS ? MXP_PIPELINE_MAX_FORMATTERS : (unsigned)(ncpu - 1);
}

struct mxp_pipeline *mxp_pipeline_new(struct mxp_store *store, const struct mxp_export_settings *settings,
				      unsigned nformatters, mxp_pipeline_deliver_fn deliver, void *arg)
{
	const struct mxp_pipeline_sink sink = {.deliver = deliver, .arg = arg};
	return mxp_pipeline_new_sink(store, settings, nformatters, &sink);
}

const struct mxp_thread_cpu *mxp_pipeline_thread_cpu(const struct mxp_pipeline *p, unsigned k)
{
	if (k == 0)
		return &p->collector_cpu;
	if (k == 1)
		return &p->sink_cpu;
	return k - 2 < p->n ? &p->f[k - 2].cpu : NULL;
}

unsigned mxp_pipeline_threads(const struct mxp_pipeline *p)
{
	return 2 + p->n;
}

struct mxp_pipeline *mxp_pipeline_new_sink(struct mxp_store *store, const struct mxp_export_settings *settings,
					   unsigned nformatters, const struct mxp_pipeline_sink *sink)
{
	return mxp_pipeline_new_group(store, &settings, sink, 1, nformatters);
}

struct mxp_pipeline *mxp_pipeline_new_group(struct mxp_store *store, const struct mxp_export_settings *const *settings,
					    const struct mxp_pipeline_sink *sinks, unsigned k, unsigned nformatters)
{
	struct mxp_pipeline *p = NULL;
	void *mem = NULL;
	int err;

	bool ok = store != NULL && settings != NULL && sinks != NULL && k >= 1 && k <= MXP_PIPELINE_MAX_INSTANCES &&
		  nformatters >= 1 && nformatters <= MXP_PIPELINE_MAX_FORMATTERS;
	for (unsigned i = 0; ok && i < k; i++)
		ok = settings[i] != NULL && settings[i]->format != NULL &&
		     settings[i]->source == settings[0]->source &&
		     (sinks[i].deliver == NULL) != (sinks[i].take == NULL);
	if (!ok) {
		errno = EINVAL;
		return NULL;
	}
	if (posix_memalign(&mem, CK_MD_CACHELINE, sizeof(*p)) != 0) {
		errno = ENOMEM;
		return NULL;
	}
	p = mem;
	memset(p, 0, sizeof(*p));
	p->store = store;
	p->series_dir = (void **const *)store->series.dir; /* an array in the store: never moves */
	p->k = k;
	p->n = nformatters;
	static uint64_t owners;         /* instances of pipelines ever made, for template owners */
	for (unsigned i = 0; i < k; i++) {
		p->settings[i] = settings[i];
		p->sink_fn[i] = sinks[i];
		p->owner[i] = ck_pr_faa_64(&owners, 1) + 1;
		p->cache_slot[i] = mxp_store_cache_slot_get(store);
		if (settings[i]->format->put_host != NULL)
			p->host_mask |= 1u << i;
	}
	mxp_thread_cpu_init(&p->collector_cpu, "collector");
	mxp_thread_cpu_init(&p->sink_cpu, "sink");

	err = -ENOMEM;
	mem = NULL;
	if (posix_memalign(&mem, CK_MD_CACHELINE, nformatters * sizeof(*p->f)) != 0)
		goto fail;
	p->f = mem;
	memset(p->f, 0, nformatters * sizeof(*p->f));
	p->cur = calloc(nformatters, sizeof(*p->cur));
	if (p->cur == NULL)
		goto fail;
	/* registered here, used by the collector only; pthread_create/join order the hand-over */
	p->reader = mxp_store_reader_get(store);
	if (p->reader == NULL)
		goto fail;
	if ((err = mxp_channel_init(&p->cmd, 1, sizeof(struct window_cmd), 0)) != 0 ||
	    (err = mxp_channel_init(&p->result, 1, sizeof(struct window_result), 0)) != 0)
		goto fail;
	for (unsigned i = 0; i < nformatters; i++) {
		struct formatter *f = &p->f[i];
		f->p = p;
		f->index = i;
		char name[32];
		snprintf(name, sizeof(name), "formatter %u", i);
		mxp_thread_cpu_init(&f->cpu, name);
		if ((err = mxp_channel_init(&f->shards, MXP_PIPELINE_SHARDS, sizeof(struct shard), 0)) != 0 ||
		    (err = mxp_channel_init(&f->out, MXP_PIPELINE_OUTBUFS * k, sizeof(struct outbuf), 0)) != 0 ||
		    (err = mxp_channel_init(&f->ack, 1, sizeof(struct ack), 0)) != 0 ||
		    (err = mxp_channel_set_batch(&f->shards, MXP_PIPELINE_FORMATTER_WAKE,
						 MXP_PIPELINE_COLLECTOR_WAKE)) != 0)
			goto fail;
		mxp_channel_set_full_bell(&f->out, &p->sink_bell);
	}
	p->cmd_held = mxp_channel_acquire_spsc(&p->cmd);

	if ((err = -pthread_create(&p->sink, NULL, sink_main, p)) != 0)
		goto fail;
	p->sink_started = true;
	/* names for top -H, perf and gdb (15 bytes at most) */
	pthread_setname_np(p->sink, "mxp-sink");
	for (unsigned i = 0; i < nformatters; i++) {
		if ((err = -pthread_create(&p->f[i].thread, NULL, mxp_pipeline_formatter_main, &p->f[i])) != 0)
			goto fail;
		p->f[i].started = true;
		char name[16];
		snprintf(name, sizeof(name), "mxp-format-%u", i % 1000);
		pthread_setname_np(p->f[i].thread, name);
	}
	if ((err = -pthread_create(&p->collector, NULL, mxp_pipeline_collector_main, p)) != 0)
		goto fail;
	p->collector_started = true;
	pthread_setname_np(p->collector, "mxp-collect");
	return p;

fail:
	mxp_pipeline_free(p);
	errno = -err;
	return NULL;
}
