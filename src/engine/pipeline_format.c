/* pipeline_format.c — the pipeline's formatter threads: each formats the records of its
 * shards for every instance in their mask into that instance's output buffer, through
 * the series' record templates (pipeline_internal.h says who hands what to whom). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/series_cache.h"
#include "collect/store_internal.h"
#include "engine/pipeline_internal.h"
#include "format/format.h"
#include "format/template_put.h"

/* Where the template of a record's series for instance k is kept: the store's series
 * cache, by the dim's serial (series_cache.h). Only this formatter touches it: the
 * serial maps the dim here, and the slot is instance k's of this pipeline alone. */
__attribute__((always_inline)) static inline struct mxp_record_template **
template_entry(const struct mxp_pipeline *p, unsigned k, const struct record *r)
{
	return (struct mxp_record_template **)mxp_series_cache_entry(p->series_dir, (unsigned)p->cache_slot[k],
								      record_serial(r));
}

/* The record's template for instance k when this pipeline's instance k rendered it,
 * else NULL. Enough for a format without template variants: the steady state, where a
 * record needs neither its dim, nor its chart, nor its host (template_of's series). */
__attribute__((always_inline)) static inline const struct mxp_record_template *
template_cached(const struct mxp_pipeline *p, unsigned k, const struct record *r)
{
	const struct mxp_record_template *t = *template_entry(p, k, r);
	return t != NULL && t->owner == p->owner[k] ? t : NULL;
}

/* The record's template for instance k, rendered on first use (or when another
 * pipeline left one in the slot). NULL: out of memory (the record is then formatted the
 * long way). */
static const struct mxp_record_template *template_of(const struct mxp_pipeline *p, struct formatter *f,
							unsigned k, const struct mxp_format_options *opt,
							const struct record *r, const struct mxp_series *series)
{
	struct mxp_record_template **e = template_entry(p, k, r);
	struct mxp_record_template *t = *e;
	const struct mxp_format *fmt = p->settings[k]->format;
	if (t != NULL && t->owner == p->owner[k] &&
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
	*e = n;
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

/* A formatter needs per record the template, whose address it reads from the series
 * cache (8 bytes per record, in walk order: the hardware's prefetcher follows), and,
 * for formats that need more than the template, the dim's chart line. Asked for
 * FORMAT_AHEAD / 2 and FORMAT_AHEAD records before use, so they arrive while the records
 * before are formatted. A dim stays valid while the collector's epoch section is open.
 * Always inlined, as chart_read.c's prefetch_dim (GCC drops the call otherwise). */
#define FORMAT_AHEAD 8u
__attribute__((always_inline)) static inline void prefetch_ahead(const struct mxp_pipeline *p,
								 const struct shard *sh, unsigned i,
								 unsigned k, bool templates, bool plain)
{
	if (!plain && i + FORMAT_AHEAD < sh->n && sh->rec[i + FORMAT_AHEAD].dim != NULL)
		__builtin_prefetch(&sh->rec[i + FORMAT_AHEAD].dim->chart);
	if (templates && i + FORMAT_AHEAD / 2 < sh->n && sh->rec[i + FORMAT_AHEAD / 2].dim != NULL) {
		const void *t = *template_entry(p, k, &sh->rec[i + FORMAT_AHEAD / 2]);
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
			prefetch_ahead(p, sh, i, k, templates, plain);
			if (!(r->mask & (1u << k)))
				continue;
			if (o == NULL && (o = outbuf_of(p, f, k)) == NULL)
				return -ECANCELED;
			if (o->err != 0)
				break;
			const time_t when = (time_t)r->t;
			const struct mxp_record_template *t;
			int rc;
			if (plain && r->dim != NULL && (t = template_cached(p, k, r)) != NULL) {
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
				t = templates ? template_of(p, f, k, &opt, r, &series) : NULL;
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

void *mxp_pipeline_formatter_main(void *arg)
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
