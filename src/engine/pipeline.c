/* pipeline.c — the export of K instances that share a data source (one walk serves
 * them all) across 2 + N threads, joined only by mxp_channel.
 *
 * Threads and what they hand on (every arrow is one mxp_channel, hence one producer and
 * one consumer; objects come back through the channel's `empty` ring):
 *
 *   owner  --cmd[1 window]-->  collector  --shards[i]-->  formatter i  --out[i]-->  sink
 *     ^                          ^  (256 records/shard)        |  (mxp_buf, instance,  |
 *     |                          +------ack[i] (1/window)-----+    count)             |
 *     +-------------------------------- result (1/window) ---------------------------+
 *
 *  - owner (the caller of mxp_pipeline_export): holds the single `cmd` object between
 *    windows; fills it with [after, before] and publishes it; waits for the sink's
 *    `result`, then re-acquires `cmd`, which the collector released with the window's
 *    produced counts and error. So export returns when the window is delivered AND the
 *    collector has left its epoch section: windows never overlap.
 *  - collector (1 thread): receives `cmd`, opens an epoch read section, walks hosts and
 *    charts as export_walk.c does, asking each instance's filter cache, reads a chart
 *    (mxp_chart_read) when any instance takes it, and writes one record
 *    {dim, mask, t, value} (32 bytes) per exported dim — mask: the instances that
 *    take it — into formatter (dim->serial % N)'s current shard, publishing it when
 *    full; so a series always goes to one formatter and its points stay in order. At
 *    the end it publishes each formatter's last shard (possibly empty) marked
 *    end-of-window, then waits for N acks.
 *  - formatter i (N threads): formats each record of each shard, for each instance in
 *    its mask, into that instance's output buffer (its format table, through the
 *    series' record template when the format has one), counts what was appended,
 *    releases the shard; publishes a buffer to the sink whenever it passes
 *    MXP_PIPELINE_FLUSH_BYTES; on the end-of-window shard it publishes each instance's
 *    last buffer (possibly empty) marked end, then its ack (counts per instance and
 *    error) to the collector. After the ack it holds no pointer into the store.
 *  - sink (1 thread): polls the N `out` channels, hands each non-empty buffer to its
 *    instance's deliver() or take(), releases it; after an instance's N end-of-window
 *    buffers it calls that instance's window_end(); after all K, publishes `result`.
 *
 * Ordering relied on: only the channel's (channel.h): everything written into an object
 * before publish/release is visible after the matching receive/acquire, and nobody
 * touches an object after handing it on. Counts travel inside the objects, so the
 * owner reads them with no other synchronisation.
 *
 * Epoch rule: records hold pointers into the store, valid only while the collector's
 * epoch section is open (a removed object is freed only after it ends). The collector
 * calls mxp_store_read_end() only after receiving all N acks, and each formatter acks
 * only after its last read of a record: ack publish -> ack receive -> read_end ->
 * reclaim orders every formatter read before the free (TSan sees the same chain).
 *
 * Backpressure, never loss: a formatter with MXP_PIPELINE_SHARDS shards unreleased makes
 * the collector wait in mxp_channel_acquire_wait_spsc; a formatter whose output buffers
 * are all at the sink waits the same way. The shards' channel waits in batches
 * (channel.h): a collector that waits sleeps until half the shards are free, a formatter
 * that waits until a quarter are full or the window's last is published (a flush), so
 * the two, about as fast as each other, do not hand a core back and forth per shard.
 * Steady state allocates nothing: shards, buffers, acks and commands are channel objects
 * allocated at creation; only an output buffer may grow.
 *
 * Stop: mxp_pipeline_free() sets `stop` (between exports, so nothing is in flight); every
 * waiting call then returns NULL and each thread returns; free joins them all.
 */
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
#include "engine/thread_cpu.h"
#include "format/format.h"
#include "format/template_put.h"
#include "ring/channel.h"

/* 32 bytes: records cross from the collector's core to a formatter's, a cache line
 * per two records. The chart and host are the dim's (dim->chart, chart->host), valid
 * while the collector's epoch section is open. */
struct record {
	const struct mxp_dim *dim;      /* NULL: a host's own record (v.host) */
	uint32_t mask;                  /* bit k: instance k exports it */
	uint32_t t;                     /* seconds since the epoch (until 2106) */
	union {
		struct {
			long long value;
			uint32_t ms;    /* the milliseconds of the collection time */
		} collected;            /* MXP_SOURCE_AS_COLLECTED */
		long double stored;     /* average, sum */
		const struct mxp_host *host; /* dim == NULL: formats' put_host, at t */
	} v;
};
_Static_assert(sizeof(struct record) == 32, "a record is half a cache line");
/* walk() copies a reading's value into a record as bytes */
_Static_assert(sizeof(((struct record *)0)->v) == sizeof(((struct mxp_dim_reading *)0)->v) &&
		       offsetof(struct record, v.collected.ms) - offsetof(struct record, v) ==
			       offsetof(struct mxp_dim_reading, v.collected.ms) - offsetof(struct mxp_dim_reading, v),
	       "a record's value lies as a reading's");

struct shard {
	unsigned n;                     /* records used */
	bool end;                       /* the formatter's last shard of the window */
	struct record rec[MXP_PIPELINE_SHARD_RECORDS];
};

struct outbuf {
	struct mxp_buf buf;             /* owned by the object; grown, never freed until teardown */
	unsigned inst;                  /* the instance whose bytes these are */
	long records;                   /* what the format calls appended (and the seal kept) */
	long dropped;                   /* records the seal left out */
	int err;                        /* 0 or -errno of a format call */
	bool end;
};

struct ack {
	long records[MXP_PIPELINE_MAX_INSTANCES]; /* per instance, this window */
	int err;
	uint64_t templates;             /* the formatter's templates rendered so far */
};

struct window_cmd {
	time_t after, before;           /* owner -> collector */
	long produced[MXP_PIPELINE_MAX_INSTANCES]; /* collector -> owner: the formatters' counts */
	int err;                        /* collector -> owner: walk or formatter error */
	unsigned retries;               /* collector -> owner: chart read retries */
	uint64_t templates;             /* collector -> owner: the formatters' templates so far */
};

struct window_result {
	long delivered[MXP_PIPELINE_MAX_INSTANCES];
	int err;
};

struct formatter {
	struct mxp_channel shards;      /* collector -> this formatter */
	struct mxp_channel out;         /* this formatter -> sink */
	struct mxp_channel ack;         /* this formatter -> collector */
	struct mxp_pipeline *p;
	unsigned index;
	pthread_t thread;
	bool started;
	struct mxp_thread_cpu cpu;      /* this formatter's own, sampled each window */
	struct mxp_buf scratch;         /* where a record template is rendered */
	struct mxp_buf sealed;          /* where a body format may seal a body (swapped in) */
	struct outbuf *o[MXP_PIPELINE_MAX_INSTANCES]; /* formatter only: being filled, or NULL */
	long win_records[MXP_PIPELINE_MAX_INSTANCES]; /* of the pieces handed on this window */
	int win_err;
	uint64_t templates_rendered;    /* this formatter's; the owner learns it through the ack */
};

struct mxp_pipeline {
	struct mxp_channel cmd;         /* owner -> collector */
	struct mxp_channel result;      /* sink -> owner */

	/* read-only once the threads run */
	struct mxp_store *store;
	const struct mxp_export_settings *settings[MXP_PIPELINE_MAX_INSTANCES];
	unsigned k;                     /* instances: one walk, K outputs */
	unsigned n;                     /* formatters */
	struct mxp_pipeline_sink sink_fn[MXP_PIPELINE_MAX_INSTANCES];
	struct formatter *f;
	int cache_slot[MXP_PIPELINE_MAX_INSTANCES]; /* each instance's export_cache slot, or -1 */
	uint64_t owner[MXP_PIPELINE_MAX_INSTANCES]; /* unique: marks the templates each made */
	uint32_t host_mask;             /* instances whose format writes per-host records */            /* n, cache-line aligned */
	pthread_t collector, sink;
	bool collector_started, sink_started;
	struct mxp_thread_cpu collector_cpu, sink_cpu;
	/* rung by every formatter's publish to the sink: the sink sleeps on it */
	_Alignas(CK_MD_CACHELINE) struct mxp_doorbell sink_bell;

	/* written by free() only, read by everyone (ck_pr) */
	_Alignas(CK_MD_CACHELINE) int stop;

	/* collector only */
	_Alignas(CK_MD_CACHELINE) struct mxp_store_reader *reader;
	struct mxp_filter_cache filters[MXP_PIPELINE_MAX_INSTANCES];
	struct mxp_chart_reading reading;
	struct shard **cur;             /* n: each formatter's shard being filled, or NULL */

	/* owner only */
	_Alignas(CK_MD_CACHELINE) struct window_cmd *cmd_held;
	struct mxp_pipeline_stats stats;
};

/* ---- collector ---- */

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
				if (!x->exported)
					continue;
				struct record r = {.dim = x->dim, .mask = mask, .t = x->t};
				/* the value's 16 bytes as they lie, whichever the source: an
				 * assignment of the long double goes through the x87 (an 80-bit
				 * load and store per record) */
				memcpy(&r.v, &x->v, sizeof(r.v));
				/* serial % n, without a division for the usual power of two */
				const uint32_t serial = x->dim->serial;
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

static void *collector_main(void *arg)
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

/* ---- formatters ---- */

/* The dim's template for instance k when this pipeline's instance k rendered it, else
 * NULL. Enough for a format without template variants: the steady state, where a record
 * needs neither its chart nor its host (template_of's series). */
__attribute__((always_inline)) static inline const struct mxp_record_template *
template_cached(const struct mxp_pipeline *p, unsigned k, const struct mxp_dim *d)
{
	const struct mxp_record_template *t = d->export_cache[p->cache_slot[k]];
	return t != NULL && t->owner == p->owner[k] ? t : NULL;
}

/* The dim's record template for instance k, rendered on first use (or when another
 * pipeline left one in the slot). Only this formatter touches this dim's slot: the
 * dim's serial maps it here, and the slot is instance k's of this pipeline alone.
 * NULL: out of memory (the record is then formatted the long way). */
static const struct mxp_record_template *template_of(const struct mxp_pipeline *p, struct formatter *f,
							unsigned k, const struct mxp_format_options *opt,
							const struct mxp_series *series)
{
	struct mxp_dim *d = (struct mxp_dim *)series->dim;
	struct mxp_record_template *t = d->export_cache[p->cache_slot[k]];
	const struct mxp_format *fmt = p->settings[k]->format;
	if (template_cached(p, k, d) != NULL &&
	    (fmt->template_variant == NULL || t->variant == fmt->template_variant(opt, series)))
		return t;
	struct mxp_template_shape shape = {0};
	mxp_buf_reset(&f->scratch);
	if (p->settings[k]->format->render_template(&f->scratch, opt, series, &shape) != 0)
		return NULL;
	struct mxp_record_template *n = malloc(sizeof(*n) + f->scratch.len + MXP_TEMPLATE_SLACK);
	if (n == NULL)
		return NULL;
	memset(n->bytes + f->scratch.len, 0, MXP_TEMPLATE_SLACK);
	n->owner = p->owner[k];
	n->a = shape.a;
	n->b = shape.b;
	n->c = shape.c;
	n->variant = shape.variant;
	n->ts_first = shape.ts_first;
	memcpy(n->bytes, f->scratch.data, f->scratch.len);
	free(t);
	d->export_cache[p->cache_slot[k]] = n;
	f->templates_rendered++;
	return n;
}

/* Instance k's output buffer being filled, taken from the channel when there is none.
 * NULL: stopping. */
static struct outbuf *outbuf_of(struct mxp_pipeline *p, struct formatter *f, unsigned k)
{
	struct outbuf *o = f->o[k];
	if (o != NULL)
		return o;
	o = mxp_channel_acquire_wait_spsc(&f->out, &p->stop);
	if (o == NULL)
		return NULL;
	mxp_buf_reset(&o->buf);
	o->inst = k;
	o->records = 0;
	o->dropped = 0;
	o->err = 0;
	o->end = false;
	const struct mxp_body *body = p->settings[k]->format->body;
	if (body != NULL && body->open != NULL)
		o->err = body->open(&o->buf);
	f->o[k] = o;
	return o;
}

/* Hands instance k's buffer to the sink (end: its last of the window). A body format's
 * buffer is sealed into a finished request body first, or emptied when it has no
 * record (no request is sent for it). */
static void outbuf_publish(struct mxp_pipeline *p, struct formatter *f, unsigned k, bool end)
{
	struct outbuf *o = f->o[k];
	const struct mxp_body *body = p->settings[k]->format->body;
	if (body != NULL && o->err != 0) {
		/* a body that could not be written or sealed whole (out of memory) is not sent
		 * half made: its records are dropped here, and the window's export fails with
		 * the error (logged by the exporter) */
		mxp_buf_reset(&o->buf);
		o->records = 0;
	} else if (body != NULL) {
		if (o->records == 0) {
			mxp_buf_reset(&o->buf);
		} else if (body->seal != NULL) {
			const struct mxp_export_settings *s = p->settings[k];
			const struct mxp_format_options opt = {.prefix = s->prefix,
							       .send_names = s->send_names,
							       .source = s->source,
							       .stream_name = s->stream_name,
							       .partition_key = s->partition_key};
			long dropped = 0;
			mxp_buf_reset(&f->sealed);
			int rc = body->seal(&o->buf, o->records, &f->sealed, &opt, &dropped);
			if (rc != 0) {
				o->err = rc;
				mxp_buf_reset(&o->buf);
				o->records = 0;
			} else if (dropped > 0) {
				o->records -= dropped;
				o->dropped = dropped;
			}
		}
	}
	f->win_records[k] += o->records + o->dropped;
	if (f->win_err == 0)
		f->win_err = o->err;
	o->end = end;
	mxp_channel_publish_spsc(&f->out, o);
	f->o[k] = NULL;
}

/* A formatter needs two things per record that are rarely in its cache: the dim's
 * chart and record template slots (side by side, store_internal.h) and the template
 * itself, which the slot names. Asked for FORMAT_AHEAD and FORMAT_AHEAD / 2 records
 * before use, so they arrive while the records before are formatted. The slot read is
 * this formatter's own (template_of); a dim stays valid while the collector's epoch
 * section is open. Always inlined, as chart_read.c's prefetch_dim (GCC drops the call
 * otherwise). */
#define FORMAT_AHEAD 8u
__attribute__((always_inline)) static inline void prefetch_ahead(const struct mxp_pipeline *p,
								 const struct shard *sh, unsigned i,
								 unsigned k, bool templates)
{
	if (i + FORMAT_AHEAD < sh->n && sh->rec[i + FORMAT_AHEAD].dim != NULL) {
		/* its template slots share the chart's line (store_internal.h) */
		__builtin_prefetch(&sh->rec[i + FORMAT_AHEAD].dim->chart);
	}
	if (templates && i + FORMAT_AHEAD / 2 < sh->n && sh->rec[i + FORMAT_AHEAD / 2].dim != NULL) {
		const void *t = sh->rec[i + FORMAT_AHEAD / 2].dim->export_cache[p->cache_slot[k]];
		if (t != NULL)
			__builtin_prefetch(t);
	}
}

/* Formats the records of a shard for each instance that exports them. Returns 0, or
 * -ECANCELED when stopping. */
static int format_shard(struct mxp_pipeline *p, struct formatter *f, const struct shard *sh)
{
	for (unsigned k = 0; k < p->k; k++) {
		const struct mxp_export_settings *s = p->settings[k];
		const struct mxp_format *fmt = s->format;
		const struct mxp_format_options opt = {
			.prefix = s->prefix, .send_names = s->send_names, .source = s->source};
		const bool as_collected = s->source == MXP_SOURCE_AS_COLLECTED;
		const bool templates = p->cache_slot[k] >= 0 && fmt->render_template != NULL;
		/* text templates that depend on the instance and the series alone: once
		 * rendered, a record is the template and two numbers */
		const bool plain = templates && fmt->put_template == NULL && fmt->template_variant == NULL;
		/* a body format: at most this many records per request body */
		const long max_records = fmt->body == NULL ? 0
					 : s->max_records > 0 ? s->max_records : fmt->body->max_records;
		/* a body format: a body is also handed on past this many bytes */
		const size_t max_bytes = fmt->body == NULL	   ? SIZE_MAX
					 : fmt->body->max_bytes > 0 ? fmt->body->max_bytes
								    : MXP_PIPELINE_BODY_BYTES;
		struct outbuf *o = NULL;

		for (unsigned i = 0; i < sh->n; i++) {
			const struct record *r = &sh->rec[i];
			prefetch_ahead(p, sh, i, k, templates);
			if (!(r->mask & (1u << k)))
				continue;
			if (o == NULL && (o = outbuf_of(p, f, k)) == NULL)
				return -ECANCELED;
			if (o->err != 0)
				break;
			const time_t when = (time_t)r->t;
			const struct mxp_record_template *t;
			int rc;
			if (plain && r->dim != NULL && (t = template_cached(p, k, r->dim)) != NULL) {
				/* the value by address, read where the record holds it (number.h:
				 * mxp_num_ld7_at) */
				rc = mxp_template_put(&o->buf, t, as_collected, as_collected ? r->v.collected.value : 0,
						      &r->v.stored, when);
			} else if (r->dim == NULL) {
				/* the host's own series, one at a time, each counted against the body's
				 * bound like any record */
				const struct mxp_host *h = r->v.host;
				const char *hn = h->is_localhost ? s->hostname : h->hostname;
				for (unsigned part = 0;; part++) {
					rc = fmt->put_host(&o->buf, &opt, h, hn, when, part);
					if (rc <= 0)
						break;
					o->records += rc;
					if ((max_records > 0 && o->records >= max_records) || o->buf.len >= max_bytes) {
						outbuf_publish(p, f, k, false);
						if ((o = outbuf_of(p, f, k)) == NULL)
							return -ECANCELED;
					}
				}
				rc = rc < 0 ? rc : 0;
			} else {
				const struct mxp_chart *chart = r->dim->chart;
				const struct mxp_host *host = chart->host;
				const struct mxp_series series = {
					.host = host,
					.chart = chart,
					.dim = r->dim,
					.hostname = host->is_localhost ? s->hostname : host->hostname,
					.collected_ms = as_collected ? r->v.collected.ms : 0,
				};
				const long long cv = as_collected ? r->v.collected.value : 0;
				t = templates ? template_of(p, f, k, &opt, &series) : NULL;
				if (t != NULL && fmt->put_template == NULL)
					rc = mxp_template_put(&o->buf, t, as_collected, cv, &r->v.stored, when);
				else if (t != NULL)
					rc = fmt->put_template(&o->buf, t, &series, as_collected, cv,
							       as_collected ? 0 : r->v.stored, when);
				else if (as_collected)
					rc = fmt->put_collected(&o->buf, &opt, &series, cv, when);
				else
					rc = fmt->put_stored(&o->buf, &opt, &series, r->v.stored, when);
			}
			if (rc < 0)
				o->err = rc;
			else
				o->records += rc;
			if ((max_records > 0 && o->records >= max_records) || o->buf.len >= max_bytes) {
				outbuf_publish(p, f, k, false);
				o = NULL;
			}
		}
		/* stream the window out in bounded pieces: memory stays small and the sender
		 * writes while the rest is formatted. Request bodies are cut by record count
		 * and size as they fill (above): each piece is a request, and fewer, fuller
		 * requests cost fewer round trips */
		if (o != NULL && fmt->body == NULL && o->buf.len >= MXP_PIPELINE_FLUSH_BYTES)
			outbuf_publish(p, f, k, false);
	}
	return 0;
}

static void *formatter_main(void *arg)
{
	struct formatter *f = arg;
	struct mxp_pipeline *p = f->p;
	struct shard *sh;

	while ((sh = mxp_channel_receive_wait_spsc(&f->shards, &p->stop)) != NULL) {
		int rc = format_shard(p, f, sh);
		bool end = sh->end;
		mxp_channel_release_spsc(&f->shards, sh);
		if (rc != 0)
			break;
		if (!end)
			continue;

		/* every instance gets its end-of-window buffer, empty or not */
		for (unsigned k = 0; k < p->k; k++) {
			if (outbuf_of(p, f, k) == NULL)
				return NULL;
			outbuf_publish(p, f, k, true);
		}
		struct ack *a = mxp_channel_acquire_wait_spsc(&f->ack, &p->stop);
		if (a == NULL)
			break;
		memcpy(a->records, f->win_records, sizeof(a->records));
		a->err = f->win_err;
		a->templates = f->templates_rendered;
		memset(f->win_records, 0, sizeof(f->win_records));
		f->win_err = 0;
		/* last read of a record (format_shard) before the collector may end its epoch */
		mxp_channel_publish_spsc(&f->ack, a);
		mxp_thread_cpu_sample(&f->cpu);
	}
	return NULL;
}

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
		if ((err = -pthread_create(&p->f[i].thread, NULL, formatter_main, &p->f[i])) != 0)
			goto fail;
		p->f[i].started = true;
		char name[16];
		snprintf(name, sizeof(name), "mxp-format-%u", i % 1000);
		pthread_setname_np(p->f[i].thread, name);
	}
	if ((err = -pthread_create(&p->collector, NULL, collector_main, p)) != 0)
		goto fail;
	p->collector_started = true;
	pthread_setname_np(p->collector, "mxp-collect");
	return p;

fail:
	mxp_pipeline_free(p);
	errno = -err;
	return NULL;
}
