/* exporter.c — the engine: mxp/exporter.h over the configuration, the pipelines, the
 * sender and the self-monitoring charts.
 *
 * Per enabled instance: its export settings (from the config), a sender queue and a
 * selfmon. Instances with the same `data source` and `update every` form a group: one
 * pipeline (collector, N formatters, sink) whose one walk serves them all — each chart is
 * read once for every instance whose filters take it, and each record formatted once
 * per such instance — and whose sink hands every buffer to the sender
 * (mxp_sender_put, no copy) and marks each window's end per instance
 * (mxp_sender_end_interval). One sender serves all instances.
 *
 * Schedule (the seed's): a group exports when the monotonic second is a multiple of
 * its `update every`, the window (after, before] running from its previous export's
 * `before` to now, so a late export leaves no gap. A tick that finds more than one
 * interval passed since the previous export counts the intervals skipped in each
 * member's `late_exports` and logs it (rate-limited); the seed fell behind silently.
 *
 * Threads: the scheduler (or the owner, in manual mode) is the only caller of the
 * pipelines, the selfmons and the instances' schedule; the sender's counters are read
 * through mxp_sender_counters() (any thread).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "collect/store_internal.h"
#include "config/config.h"
#include "config/config_keys.h"
#include "engine/export_settings.h"
#include "engine/exporter_http.h"
#include "send/mongo.h"
#include "engine/exporter_internal.h"
#include "engine/log.h"
#include "engine/pipeline.h"
#include "engine/selfmon.h"
#include "engine/thread_cpu.h"
#include "format/format.h"
#include "mxp/exporter.h"
#include "send/sender.h"

struct instance {
	struct mxp_exporter *e;
	unsigned index;                 /* in the sender */
	const char *name;               /* the config's, "graphite:prod" */
	const char *type;               /* as written: "graphite", "opentsdb:telnet" */
	struct mxp_export_settings set;
	unsigned formatters;            /* the option, or its `formatter threads`, or the default */
	struct mxp_selfmon *selfmon;
};

/* Instances that share a data source and update every: one walk serves them. */
struct group {
	unsigned member[MXP_PIPELINE_MAX_INSTANCES]; /* indexes into inst[] */
	unsigned n;
	int update_every;
	enum mxp_source source;
	struct mxp_pipeline *pipeline;
	time_t after;                   /* the previous export's before */
	int64_t last_tick;              /* monotonic second of the previous export, -1 none */
	struct mxp_log_limit late_log;
};

struct mxp_exporter {
	struct mxp_store *store;
	struct mxp_conf *conf;
	struct mxp_exporter_options opt;
	struct mxp_sender *sender;
	struct instance *inst;
	size_t n;
	struct group *groups;
	size_t ngroups;
	pthread_t scheduler;
	bool scheduler_started;
	int stop;                       /* scheduler: leave */
	pthread_mutex_t stop_lock;      /* with stop_cond: the scheduler's sleep */
	pthread_cond_t stop_cond;
	uint64_t dropped_logged;        /* the store's updates_dropped at the last line */
	int64_t dropped_next_log;       /* monotonic second before which no line is logged */
};

/* ---- the pipeline's sink: into the sender ---- */

static int take(void *arg, struct mxp_buf *buf, long records)
{
	struct instance *in = arg;
	return mxp_sender_put(in->e->sender, in->index, buf, records);
}

static int dropped(void *arg, long metrics)
{
	struct instance *in = arg;
	return mxp_sender_put_dropped(in->e->sender, in->index, metrics);
}

static int window_end(void *arg)
{
	struct instance *in = arg;
	return mxp_sender_end_interval(in->e->sender, in->index);
}

/* ---- exporting ---- */

static int64_t mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

static void after_export(struct mxp_exporter *e, struct instance *in)
{
	if (in->selfmon == NULL && e->opt.stats == NULL)
		return;
	struct mxp_send_counters c;
	mxp_sender_counters(e->sender, in->index, &c);
	if (in->selfmon != NULL) {
		mxp_selfmon_update(in->selfmon, &c, NULL);
		if (e->opt.stats != NULL) {
			mxp_selfmon_print(in->selfmon, e->opt.stats);
			fflush(e->opt.stats);
		}
	}
}

static long export_group(struct mxp_exporter *e, struct group *g, time_t after, time_t before)
{
	long n = mxp_pipeline_export(g->pipeline, after, before);
	if (n < 0)
		mxp_log(MXP_LOG_ERROR, "[%s]%s export of (%lld, %lld] failed: %s", e->inst[g->member[0]].name,
			g->n > 1 ? " and its group's" : "", (long long)after, (long long)before, strerror((int)-n));
	for (unsigned m = 0; m < g->n; m++)
		after_export(e, &e->inst[g->member[m]]);
	return n;
}

/* Values the store could not keep are lost before any export sees them: said at the
 * tick after, at most once a minute, with how many since the last line. */
static void report_dropped_updates(struct mxp_exporter *e, int64_t now)
{
	const uint64_t dropped = mxp_store_updates_dropped(e->store);
	if (dropped == e->dropped_logged || now < e->dropped_next_log)
		return;
	mxp_log(MXP_LOG_WARNING,
		"the store could not keep %llu chart update%s (no memory for a chart's table of stored values, "
		"or a clock before 1970 or past 2106; %llu since it was made): their values are lost",
		(unsigned long long)(dropped - e->dropped_logged), dropped - e->dropped_logged == 1 ? "" : "s",
		(unsigned long long)dropped);
	e->dropped_logged = dropped;
	e->dropped_next_log = now + 60;
}

int mxp_exporter_tick(struct mxp_exporter *e)
{
	int64_t now = mono_s();
	int exported = 0;
	for (size_t i = 0; i < e->ngroups; i++) {
		struct group *g = &e->groups[i];
		int ue = g->update_every;
		if (now % ue != 0 || now == g->last_tick)
			continue;
		if (g->last_tick >= 0 && now - g->last_tick > ue) {
			/* intervals went by without an export (a slow export, a stalled owner):
			 * this one covers them all, and says so */
			unsigned skipped = (unsigned)((now - g->last_tick) / ue - 1);
			if (skipped > 0) {
				for (unsigned m = 0; m < g->n; m++)
					mxp_sender_count_late(e->sender, e->inst[g->member[m]].index, skipped);
				mxp_log_limited(&g->late_log, MXP_LOG_WARNING,
						"[%s]%s %u export%s late (the previous one ended %lld s ago, update every "
						"%d s): this export covers the whole time since",
						e->inst[g->member[0]].name, g->n > 1 ? " and its group:" : "", skipped,
						skipped == 1 ? " was" : "s were", (long long)(now - g->last_tick), ue);
			}
		}
		g->last_tick = now;
		time_t before = time(NULL);
		export_group(e, g, g->after, before);
		g->after = before;
		exported += (int)g->n;
	}
	report_dropped_updates(e, now);
	return exported;
}

int64_t mxp_exporter_next_tick(const struct mxp_exporter *e)
{
	/* always a second ahead, as the seed's heartbeat: its first export is at the first
	 * due second after the start, not at once, and a tick that overran its second
	 * goes on to the next due one (counted late by mxp_exporter_tick) */
	const int64_t now = mono_s();
	int64_t next = now + 1; /* no group: every second, as before */
	for (size_t i = 0; i < e->ngroups; i++) {
		const int64_t ue = e->groups[i].update_every;
		const int64_t due = (now / ue + 1) * ue;
		if (i == 0 || due < next)
			next = due;
	}
	return next;
}

long mxp_exporter_export(struct mxp_exporter *e, time_t after, time_t before)
{
	long total = 0;
	int err = 0;
	for (size_t i = 0; i < e->ngroups; i++) {
		long n = export_group(e, &e->groups[i], after, before);
		if (n < 0 && err == 0)
			err = (int)n;
		else if (n > 0)
			total += n;
	}
	return err != 0 ? err : total;
}

static void *scheduler_main(void *arg)
{
	struct mxp_exporter *e = arg;
	pthread_mutex_lock(&e->stop_lock);
	while (!e->stop) {
		/* to the next whole second of the monotonic clock at which an export is
		 * due (the seed's heartbeat woke every second, and mostly found none) */
		struct timespec until = {.tv_sec = (time_t)mxp_exporter_next_tick(e), .tv_nsec = 0};
		/* the condvar waits on CLOCK_MONOTONIC (set at init) */
		pthread_cond_timedwait(&e->stop_cond, &e->stop_lock, &until);
		if (e->stop)
			break;
		pthread_mutex_unlock(&e->stop_lock);
		mxp_exporter_tick(e);
		pthread_mutex_lock(&e->stop_lock);
	}
	pthread_mutex_unlock(&e->stop_lock);
	return NULL;
}

/* ---- start and stop ---- */

size_t mxp_exporter_instances(const struct mxp_exporter *e)
{
	return e->n;
}

const char *mxp_exporter_instance_name(const struct mxp_exporter *e, size_t i)
{
	return i < e->n ? e->inst[i].name : NULL;
}

int mxp_exporter_counters(struct mxp_exporter *e, size_t i, struct mxp_send_counters *out)
{
	if (i >= e->n)
		return -EINVAL;
	mxp_sender_counters(e->sender, e->inst[i].index, out);
	return 0;
}

int mxp_exporter_flush(struct mxp_exporter *e, long timeout_ms)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		bool idle = true;
		for (size_t i = 0; i < e->n && idle; i++)
			idle = mxp_sender_idle(e->sender, e->inst[i].index);
		if (idle)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &t);
		long ms = (long)(t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (timeout_ms >= 0 && ms >= timeout_ms)
			return -ETIMEDOUT;
		struct timespec nap = {0, 1000000};
		nanosleep(&nap, NULL);
	}
}

const char *mxp_exporter_io_name(const struct mxp_exporter *e)
{
	return mxp_sender_io_name(e->sender);
}

static void exporter_free(struct mxp_exporter *e)
{
	for (size_t i = 0; i < e->ngroups; i++)
		mxp_pipeline_free(e->groups[i].pipeline);
	for (size_t i = 0; i < e->n; i++)
		mxp_selfmon_free(e->inst[i].selfmon);
	free(e->groups);
	mxp_sender_free(e->sender);
	free(e->inst);
	mxp_conf_free(e->conf);
	pthread_cond_destroy(&e->stop_cond);
	pthread_mutex_destroy(&e->stop_lock);
	free(e);
}

unsigned long long mxp_exporter_stop(struct mxp_exporter *e, long deadline_ms)
{
	if (e == NULL)
		return 0;
	if (e->scheduler_started) {
		pthread_mutex_lock(&e->stop_lock);
		e->stop = 1;
		pthread_cond_signal(&e->stop_cond);
		pthread_mutex_unlock(&e->stop_lock);
		pthread_join(e->scheduler, NULL);
	}
	/* no export runs now: the pipelines have handed everything to the sender */
	unsigned long long lost = e->sender != NULL ? mxp_sender_stop(e->sender, deadline_ms) : 0;
	for (size_t i = 0; i < e->n; i++) {
		after_export(e, &e->inst[i]); /* the charts' last values, losses included */
		if (e->opt.stats != NULL && e->sender != NULL) {
			struct mxp_send_counters c;
			mxp_sender_counters(e->sender, e->inst[i].index, &c);
			fprintf(e->opt.stats,
				"[%s] totals: produced %llu delivered %llu buffered %llu lost %llu (buffer full %llu, "
				"shutdown %llu, rejected %llu, too large %llu); bytes produced %llu sent %llu lost %llu received %llu; intervals %llu "
				"written %llu dropped %llu; reconnects %llu failures %llu reads %llu late %llu\n",
				e->inst[i].name, (unsigned long long)c.produced, (unsigned long long)c.delivered,
				(unsigned long long)c.buffered, (unsigned long long)c.lost,
				(unsigned long long)c.lost_buffer_full, (unsigned long long)c.lost_shutdown,
				(unsigned long long)c.lost_rejected, (unsigned long long)c.lost_too_large,
				(unsigned long long)c.bytes_produced, (unsigned long long)c.bytes_sent,
				(unsigned long long)c.bytes_lost, (unsigned long long)c.bytes_received,
				(unsigned long long)c.intervals, (unsigned long long)c.writes,
				(unsigned long long)c.discards, (unsigned long long)c.reconnects,
				(unsigned long long)c.failures, (unsigned long long)c.reads,
				(unsigned long long)c.late_exports);
			fflush(e->opt.stats);
		}
	}
	exporter_free(e);
	return lost;
}

static enum mxp_io_kind io_kind(enum mxp_exporter_io io)
{
	return io == MXP_EXPORTER_IO_URING ? MXP_IO_URING : io == MXP_EXPORTER_IO_EPOLL ? MXP_IO_EPOLL : MXP_IO_AUTO;
}

struct mxp_exporter *mxp_exporter_start(struct mxp_store *store, const char *config_file,
					const struct mxp_exporter_options *opt)
{
	static const struct mxp_exporter_options defaults = {.self_charts = 1};
	int err = ENOMEM;
	struct mxp_exporter *e = calloc(1, sizeof(*e));
	if (e == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	e->store = store;
	e->opt = opt != NULL ? *opt : defaults;
	pthread_mutex_init(&e->stop_lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->stop_cond, &ca);
	pthread_condattr_destroy(&ca);

	e->conf = mxp_conf_load(config_file);
	if (e->conf == NULL)
		goto fail;
	for (size_t i = 0; i < e->conf->nwarnings; i++)
		mxp_log(MXP_LOG_WARNING, "%s", e->conf->warnings[i]);
	if (e->conf->nerrors != 0) {
		for (size_t i = 0; i < e->conf->nerrors; i++)
			mxp_log(MXP_LOG_ERROR, "%s", e->conf->errors[i]);
		err = EINVAL;
		goto fail;
	}

	size_t enabled = 0;
	for (size_t i = 0; i < e->conf->ninstances; i++)
		enabled += e->conf->instances[i].enabled;
	if (enabled == 0) {
		mxp_log(MXP_LOG_ERROR, "%s: no instance is enabled: nothing to export", e->conf->file);
		err = ENOENT;
		goto fail;
	}
	e->inst = calloc(enabled, sizeof(*e->inst));
	if (e->inst == NULL)
		goto fail;
	e->sender = mxp_sender_new(io_kind(e->opt.io));
	if (e->sender == NULL) {
		err = errno;
		mxp_log(MXP_LOG_ERROR, "cannot start the sender's I/O: %s", strerror(err));
		goto fail;
	}

	const unsigned by_default = mxp_pipeline_default_formatters();
	for (size_t i = 0; i < e->conf->ninstances; i++) {
		const struct mxp_instance_conf *ic = &e->conf->instances[i];
		if (!ic->enabled)
			continue;
		struct instance *in = &e->inst[e->n];
		bool tls = false;
		in->e = e;
		in->name = ic->name;
		in->type = ic->type;
		in->set = (struct mxp_export_settings){
			.format = mxp_format_find_tls(ic->type, &tls),
			.source = ic->source,
			.prefix = ic->set[MXP_KEY_PREFIX].value,
			.hostname = ic->set[MXP_KEY_HOSTNAME].value,
			.send_names = ic->send_names,
			.update_every = ic->update_every,
			.charts = ic->charts,
			.hosts = ic->hosts,
			.stream_name = ic->set[MXP_KEY_STREAM_NAME].value,
			.partition_key = ic->set[MXP_KEY_PARTITION_KEY].value,
		};
		if (in->set.format == NULL) {
			mxp_log(MXP_LOG_ERROR, "%s:%u: [%s] type '%s' is not sent by mxp; disable the instance or change its type",
				ic->file, ic->line, ic->name, ic->type);
			err = EINVAL;
			goto fail;
		}
		struct mxp_sender_instance si = {
			.name = ic->name,
			.destinations = ic->destinations,
			.ndestinations = ic->ndestinations,
			.timeout_ms = ic->timeout_ms,
			.buffer_on_failures = ic->buffer_on_failures,
		};
		struct mxp_sender_http http;
		char *auth = NULL; /* the Authorization value; mxp_sender_add copies it */
		const struct mxp_body *body = in->set.format->body;
		const struct mxp_mongo_conf mongo = {.uri = ic->set[MXP_KEY_DESTINATION].value,
						     .database = ic->set[MXP_KEY_DATABASE].value,
						     .collection = ic->set[MXP_KEY_COLLECTION].value,
						     .socket_timeout_ms = ic->mongo_socket_timeout_ms,
						     .timeseries = ic->mongo_timeseries};
		if (strncmp(ic->type, "mongodb", 7) == 0) {
			/* libmongoc blocks: a worker thread of the sender's sends */
			in->set.max_records = ic->max_samples;
			si.worker_ops = &mxp_mongo_ops;
			si.worker_conf = &mongo;
			si.retry_min_ms = ic->retry_min_ms;
			si.retry_max_ms = ic->retry_max_ms;
		} else if (body != NULL) {
			in->set.max_records = ic->max_samples;
			int rc = mxp_exporter_http_settings(ic, body, tls, &http, &auth);
			if (rc != 0) {
				err = -rc;
				goto fail;
			}
			si.http = &http;
		}
		if (si.destinations == NULL && ic->kinesis_dest.host[0] != '\0') {
			/* kinesis: its endpoint, from `endpoint` or the region (config.c) */
			si.destinations = &ic->kinesis_dest;
			si.ndestinations = 1;
		}
		int idx = mxp_sender_add(e->sender, &si);
		free(auth);
		if (idx < 0) {
			mxp_log(MXP_LOG_ERROR, "%s:%u: [%s] cannot send to its destination: %s", ic->file, ic->line,
				ic->name, strerror(-idx));
			err = -idx;
			goto fail;
		}
		in->index = (unsigned)idx;
		in->formatters = e->opt.formatters ? e->opt.formatters
				 : ic->formatter_threads > 0 ? (unsigned)ic->formatter_threads : by_default;
		e->n++;
	}

	/* groups: same data source and update every, one walk each */
	e->groups = calloc(e->n, sizeof(*e->groups));
	if (e->groups == NULL)
		goto fail;
	for (size_t i = 0; i < e->n; i++) {
		struct instance *in = &e->inst[i];
		struct group *g = NULL;
		for (size_t j = 0; j < e->ngroups && g == NULL; j++)
			if (e->groups[j].source == in->set.source && e->groups[j].update_every == in->set.update_every &&
			    e->groups[j].n < MXP_PIPELINE_MAX_INSTANCES)
				g = &e->groups[j];
		if (g == NULL) {
			g = &e->groups[e->ngroups++];
			g->source = in->set.source;
			g->update_every = in->set.update_every;
			g->last_tick = -1;
			g->late_log.period_s = 60;
			g->after = time(NULL);
		}
		g->member[g->n++] = (unsigned)i;
	}
	for (size_t j = 0; j < e->ngroups; j++) {
		struct group *g = &e->groups[j];
		const struct mxp_export_settings *sets[MXP_PIPELINE_MAX_INSTANCES];
		struct mxp_pipeline_sink sinks[MXP_PIPELINE_MAX_INSTANCES];
		unsigned nf = 0;
		for (unsigned m = 0; m < g->n; m++) {
			struct instance *in = &e->inst[g->member[m]];
			sets[m] = &in->set;
			sinks[m] = (struct mxp_pipeline_sink){.take = take, .window_end = window_end, .dropped = dropped, .arg = in};
			if (in->formatters > nf)
				nf = in->formatters; /* the most any member asks for */
		}
		g->pipeline = mxp_pipeline_new_group(store, sets, sinks, g->n, nf);
		if (g->pipeline == NULL) {
			err = errno;
			mxp_log(MXP_LOG_ERROR, "[%s] cannot start its pipeline: %s", e->inst[g->member[0]].name,
				strerror(err));
			goto fail;
		}
	}

	if (e->opt.self_charts) {
		for (size_t i = 0; i < e->n; i++) {
			struct instance *in = &e->inst[i];
			in->selfmon = mxp_selfmon_new(store, in->name, e->n > 1, in->set.update_every);
			if (in->selfmon == NULL)
				mxp_log(MXP_LOG_WARNING, "[%s] no self-monitoring charts: %s", in->name, strerror(errno));
		}
		/* a thread's CPU is charted once: a group's threads on its first member's
		 * charts, the sender's on the first instance's */
		for (size_t j = 0; j < e->ngroups; j++) {
			struct group *g = &e->groups[j];
			struct instance *first = &e->inst[g->member[0]];
			if (first->selfmon == NULL)
				continue;
			for (unsigned k = 0; k < mxp_pipeline_threads(g->pipeline); k++)
				mxp_selfmon_add_thread(first->selfmon, mxp_pipeline_thread_cpu(g->pipeline, k));
			if (g->member[0] == 0)
				mxp_selfmon_add_thread(first->selfmon, mxp_sender_thread_cpu(e->sender));
		}
	}

	int rc = mxp_sender_start(e->sender);
	if (rc != 0) {
		err = -rc;
		goto fail;
	}
	for (size_t j = 0; j < e->ngroups; j++) {
		const struct group *g = &e->groups[j];
		for (unsigned m = 0; m < g->n; m++) {
			const struct instance *in = &e->inst[g->member[m]];
			mxp_log(MXP_LOG_INFO, "[%s] exporting %s as %s every %d s (walk %zu of %zu, shared by %u; sender I/O: %s)",
				in->name, mxp_source_name(in->set.source), in->type, in->set.update_every, j + 1,
				e->ngroups, g->n, mxp_sender_io_name(e->sender));
		}
	}
	if (!e->opt.manual) {
		rc = pthread_create(&e->scheduler, NULL, scheduler_main, e);
		if (rc != 0) {
			err = rc;
			mxp_sender_stop(e->sender, 0);
			goto fail;
		}
		pthread_setname_np(e->scheduler, "mxp-schedule");
		e->scheduler_started = true;
	}
	return e;

fail:
	exporter_free(e);
	errno = err;
	return NULL;
}

const struct mxp_export_settings *mxp_exporter_settings(const struct mxp_exporter *e, size_t i)
{
	return i < e->n ? &e->inst[i].set : NULL;
}
