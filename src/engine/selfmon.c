/* selfmon.c — the exporter's own charts in the store (FORMATS.md §8), per instance.
 *
 * One owner thread calls everything here and is the charts' only writer. Inputs are
 * copies: the sender's counters (taken under its sequence, send_counters.h) and each
 * thread's CPU slot (read under the slot's sequence, thread_cpu.h). The seed reset its
 * counters every iteration; mxp's are totals, so each update charts the difference
 * from the previous copy, which gives the seed's per-interval values. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect/store_internal.h"
#include "engine/selfmon.h"
#include "engine/thread_cpu.h"
#include "mxp/send_counters.h"

/* The seed's type and family, and the part of an id an instance name may take. */
#define SELFMON_TYPE "netdata"
#define SELFMON_FAMILY "backend"
#define SELFMON_NAME_MAX 100
/* print(): width of the thread column ("formatter 12" and then some) */
#define SELFMON_THREAD_COLUMN 14

const struct mxp_selfmon_chart_info mxp_selfmon_charts[MXP_SELFMON_NCHARTS] = {
	[MXP_SELFMON_METRICS] = {"backend_metrics", "Netdata Buffered Metrics", "metrics", 130600, "line"},
	[MXP_SELFMON_BYTES] = {"backend_bytes", "Netdata Backend Data Size", "KiB", 130610, "area"},
	[MXP_SELFMON_OPS] = {"backend_ops", "Netdata Backend Operations", "operations", 130630, "line"},
	/* the seed gave this chart the ops chart's priority; kept (docs/COMPAT.md) */
	[MXP_SELFMON_THREAD_CPU] = {"backend_thread_cpu", "NetData Backend Thread CPU usage", "milliseconds/s", 130630,
				    "stacked"},
	[MXP_SELFMON_THREADS_CPU] = {"mxp_thread_cpu", "mxp CPU usage per thread", "milliseconds/s", 130640, "stacked"},
	[MXP_SELFMON_LOST] = {"mxp_lost", "mxp metrics lost, by reason", "metrics", 130605, "stacked"},
};

struct dim_def {
	const char *id;
	long divisor;
	enum mxp_algorithm algorithm;
};

/* The seed's dimensions in its creation order; ops' `late` is mxp's, appended last. */
static const struct dim_def metrics_dims[] = {
	{"buffered", 1, MXP_ALG_ABSOLUTE}, {"lost", 1, MXP_ALG_ABSOLUTE}, {"sent", 1, MXP_ALG_ABSOLUTE}};
static const struct dim_def bytes_dims[] = {{"buffered", 1024, MXP_ALG_ABSOLUTE},
					    {"lost", 1024, MXP_ALG_ABSOLUTE},
					    {"sent", 1024, MXP_ALG_ABSOLUTE},
					    {"received", 1024, MXP_ALG_ABSOLUTE}};
static const struct dim_def ops_dims[] = {{"write", 1, MXP_ALG_ABSOLUTE},   {"discard", 1, MXP_ALG_ABSOLUTE},
					  {"reconnect", 1, MXP_ALG_ABSOLUTE}, {"failure", 1, MXP_ALG_ABSOLUTE},
					  {"read", 1, MXP_ALG_ABSOLUTE},    {"late", 1, MXP_ALG_ABSOLUTE}};
/* mxp's: why metrics were lost (their sum is backend_metrics' lost) */
static const struct dim_def lost_dims[] = {{"buffer_full", 1, MXP_ALG_ABSOLUTE},
					   {"rejected", 1, MXP_ALG_ABSOLUTE},
					   {"too_large", 1, MXP_ALG_ABSOLUTE},
					   {"shutdown", 1, MXP_ALG_ABSOLUTE}};
static const struct dim_def cpu_dims[] = {{"user", 1000, MXP_ALG_INCREMENTAL}, {"system", 1000, MXP_ALG_INCREMENTAL}};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

enum { M_BUFFERED, M_LOST, M_SENT };
enum { B_BUFFERED, B_LOST, B_SENT, B_RECEIVED };
enum { O_WRITE, O_DISCARD, O_RECONNECT, O_FAILURE, O_READ, O_LATE };
enum { L_BUFFER_FULL, L_REJECTED, L_TOO_LARGE, L_SHUTDOWN };

struct selfmon_thread {
	const struct mxp_thread_cpu *slot;
	struct mxp_dim *user, *system;
	struct mxp_thread_cpu_sample prev, last; /* at the previous and the last update */
};

struct mxp_selfmon {
	struct mxp_host *host;
	char *name;                    /* printed */
	char suffix[SELFMON_NAME_MAX + 2]; /* "" or "_" + the sanitized name */
	int update_every;
	struct mxp_chart *chart[MXP_SELFMON_NCHARTS];
	struct mxp_dim *metrics[NELEM(metrics_dims)];
	struct mxp_dim *bytes[NELEM(bytes_dims)];
	struct mxp_dim *ops[NELEM(ops_dims)];
	struct mxp_dim *lost[NELEM(lost_dims)];
	struct mxp_dim *cpu[NELEM(cpu_dims)];
	struct selfmon_thread *threads;
	size_t nthreads;

	struct mxp_send_counters prev; /* the copy of the previous update (zero before) */
	struct mxp_selfmon_values last;
	uint64_t updates;
	int64_t prev_usec, last_usec;  /* times of the previous and the last update */
};

/* Writes src into dst (cap bytes with the NUL), ASCII letters and digits kept, every
 * other byte '_', at most max bytes. Returns the length. */
static size_t sanitize(char *dst, size_t cap, const char *src, size_t max)
{
	size_t n = 0;
	for (; src[n] != '\0' && n < max && n + 1 < cap; n++) {
		unsigned char ch = (unsigned char)src[n];
		bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
		dst[n] = keep ? (char)ch : '_';
	}
	dst[n] = '\0';
	return n;
}

/* The store's localhost (its first host), adding it when the store has no host.
 * Returns it, or NULL with errno (ENOENT when it was removed, or mxp_host_add's). */
static struct mxp_host *localhost_of(struct mxp_store *s)
{
	for (;;) {
		pthread_rwlock_rdlock(&s->structure_lock);
		struct mxp_host *h = s->hosts;
		bool empty = h == NULL;
		while (h != NULL && !h->is_localhost)
			h = h->next;
		pthread_rwlock_unlock(&s->structure_lock);
		if (h != NULL)
			return h;
		if (!empty) {
			errno = ENOENT;
			return NULL;
		}
		char hostname[256] = "localhost";
		if (gethostname(hostname, sizeof(hostname) - 1) != 0 || hostname[0] == '\0')
			strcpy(hostname, "localhost");
		h = mxp_host_add(s, hostname, NULL, NULL, 0);
		if (h == NULL && errno != EEXIST)
			return NULL;
		if (h != NULL && h->is_localhost)
			return h;
		/* another writer added a host meanwhile: ours (if any) is not the localhost */
		if (h != NULL)
			mxp_host_remove(h);
	}
}

/* Adds chart `which` with its dims into dims[]. Returns 0 or -errno. */
static int chart_create(struct mxp_selfmon *sm, enum mxp_selfmon_chart which, const struct dim_def *defs,
			size_t ndefs, struct mxp_dim **dims)
{
	const struct mxp_selfmon_chart_info *ci = &mxp_selfmon_charts[which];
	char id[128 + SELFMON_NAME_MAX], context[128];
	snprintf(id, sizeof(id), "%s%s", ci->id, sm->suffix);
	snprintf(context, sizeof(context), SELFMON_TYPE ".%s", ci->id);
	struct mxp_chart_def def = {
		.type = SELFMON_TYPE,
		.id = id,
		.family = SELFMON_FAMILY,
		.context = context,
		.units = ci->units,
		.title = ci->title,
		.chart_type = ci->chart_type,
		.update_every = sm->update_every,
	};
	struct mxp_chart *c = mxp_chart_add(sm->host, &def);
	if (c == NULL)
		return -errno;
	sm->chart[which] = c;
	for (size_t i = 0; i < ndefs; i++) {
		dims[i] = mxp_dim_add(c, defs[i].id, NULL, 1, defs[i].divisor, defs[i].algorithm);
		if (dims[i] == NULL)
			return -errno;
	}
	return 0;
}

/* Removes chart `which` if it was created. */
static void chart_drop(struct mxp_selfmon *sm, enum mxp_selfmon_chart which)
{
	if (sm->chart[which] != NULL)
		mxp_chart_remove(sm->chart[which]);
	sm->chart[which] = NULL;
}

struct mxp_selfmon *mxp_selfmon_new(struct mxp_store *store, const char *instance_name, bool name_in_ids,
				    int update_every)
{
	int err = 0;
	struct mxp_selfmon *sm = NULL;
	if (store == NULL || update_every < 1 ||
	    (name_in_ids && (instance_name == NULL || instance_name[0] == '\0'))) {
		err = EINVAL;
		goto fail;
	}
	sm = calloc(1, sizeof(*sm));
	if (sm == NULL || (sm->name = strdup(instance_name ? instance_name : "backend")) == NULL) {
		err = ENOMEM;
		goto fail;
	}
	sm->update_every = update_every;
	if (name_in_ids) {
		sm->suffix[0] = '_';
		sanitize(sm->suffix + 1, sizeof(sm->suffix) - 1, instance_name, SELFMON_NAME_MAX);
	}
	sm->host = localhost_of(store);
	if (sm->host == NULL) {
		err = errno;
		goto fail;
	}
	if ((err = -chart_create(sm, MXP_SELFMON_METRICS, metrics_dims, NELEM(metrics_dims), sm->metrics)) != 0 ||
	    (err = -chart_create(sm, MXP_SELFMON_BYTES, bytes_dims, NELEM(bytes_dims), sm->bytes)) != 0 ||
	    (err = -chart_create(sm, MXP_SELFMON_OPS, ops_dims, NELEM(ops_dims), sm->ops)) != 0 ||
	    (err = -chart_create(sm, MXP_SELFMON_LOST, lost_dims, NELEM(lost_dims), sm->lost)) != 0)
		goto fail;
	return sm;

fail:
	mxp_selfmon_free(sm);
	errno = err;
	return NULL;
}

int mxp_selfmon_add_thread(struct mxp_selfmon *sm, const struct mxp_thread_cpu *slot)
{
	if (sm->updates > 0)
		return -EBUSY;
	char base[MXP_THREAD_CPU_NAME_MAX];
	if (sanitize(base, sizeof(base), slot->name, sizeof(base) - 1) == 0)
		return -EINVAL;
	struct selfmon_thread *t = realloc(sm->threads, (sm->nthreads + 1) * sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	sm->threads = t;
	if (sm->chart[MXP_SELFMON_THREADS_CPU] == NULL) {
		int rc = chart_create(sm, MXP_SELFMON_THREAD_CPU, cpu_dims, NELEM(cpu_dims), sm->cpu);
		if (rc == 0)
			rc = chart_create(sm, MXP_SELFMON_THREADS_CPU, NULL, 0, NULL);
		if (rc != 0) {
			/* both or neither: the next call starts again */
			chart_drop(sm, MXP_SELFMON_THREAD_CPU);
			chart_drop(sm, MXP_SELFMON_THREADS_CPU);
			return rc;
		}
	}
	struct mxp_chart *c = sm->chart[MXP_SELFMON_THREADS_CPU];
	char id[MXP_THREAD_CPU_NAME_MAX + 8];
	/* "<a>_user" never equals "<b>_system", so only equal names collide, on _user */
	snprintf(id, sizeof(id), "%s_user", base);
	struct mxp_dim *user = mxp_dim_add(c, id, NULL, 1, 1000, MXP_ALG_INCREMENTAL);
	if (user == NULL)
		return -errno;
	snprintf(id, sizeof(id), "%s_system", base);
	struct mxp_dim *sys = mxp_dim_add(c, id, NULL, 1, 1000, MXP_ALG_INCREMENTAL);
	if (sys == NULL)
		return -errno; /* ENOMEM only; the store cannot remove a dim, so _user stays, never set */
	t[sm->nthreads++] = (struct selfmon_thread){.slot = slot, .user = user, .system = sys};
	return 0;
}

/* The growth of a total since the previous copy; a total below it restarted from 0. */
static uint64_t growth(uint64_t now, uint64_t prev)
{
	return now >= prev ? now - prev : now;
}

static void dim_set(struct mxp_dim *d, uint64_t v)
{
	mxp_dim_set(d, v > (uint64_t)LLONG_MAX ? LLONG_MAX : (long long)v);
}

void mxp_selfmon_update(struct mxp_selfmon *sm, const struct mxp_send_counters *now, const struct timeval *tv)
{
	struct timeval wall;
	if (tv == NULL) {
		gettimeofday(&wall, NULL);
		tv = &wall;
	}
	const struct mxp_send_counters *p = &sm->prev;
	struct mxp_selfmon_values v = {
		.lost = growth(now->lost, p->lost),
		.sent = growth(now->delivered, p->delivered),
		.queued = now->buffered,
		.bytes_lost = growth(now->bytes_lost, p->bytes_lost),
		.bytes_sent = growth(now->bytes_sent, p->bytes_sent),
		.bytes_received = growth(now->bytes_received, p->bytes_received),
		.writes = growth(now->writes, p->writes),
		.discards = growth(now->discards, p->discards),
		.reconnects = growth(now->reconnects, p->reconnects),
		.failures = growth(now->failures, p->failures),
		.reads = growth(now->reads, p->reads),
		.late = growth(now->late_exports, p->late_exports),
		.lost_buffer_full = growth(now->lost_buffer_full, p->lost_buffer_full),
		.lost_rejected = growth(now->lost_rejected, p->lost_rejected),
		.lost_too_large = growth(now->lost_too_large, p->lost_too_large),
		.lost_shutdown = growth(now->lost_shutdown, p->lost_shutdown),
	};
	/* the seed's "buffered": everything in the buffer during the interval */
	v.buffered = now->buffered + v.sent + v.lost;
	v.bytes_buffered = now->bytes_buffered + v.bytes_sent + v.bytes_lost;

	dim_set(sm->ops[O_READ], v.reads);
	dim_set(sm->ops[O_WRITE], v.writes);
	dim_set(sm->ops[O_DISCARD], v.discards);
	dim_set(sm->ops[O_FAILURE], v.failures);
	dim_set(sm->ops[O_RECONNECT], v.reconnects);
	dim_set(sm->ops[O_LATE], v.late);
	mxp_chart_done(sm->chart[MXP_SELFMON_OPS], tv);

	dim_set(sm->metrics[M_BUFFERED], v.buffered);
	dim_set(sm->metrics[M_LOST], v.lost);
	dim_set(sm->metrics[M_SENT], v.sent);
	mxp_chart_done(sm->chart[MXP_SELFMON_METRICS], tv);

	dim_set(sm->lost[L_BUFFER_FULL], v.lost_buffer_full);
	dim_set(sm->lost[L_REJECTED], v.lost_rejected);
	dim_set(sm->lost[L_TOO_LARGE], v.lost_too_large);
	dim_set(sm->lost[L_SHUTDOWN], v.lost_shutdown);
	mxp_chart_done(sm->chart[MXP_SELFMON_LOST], tv);

	dim_set(sm->bytes[B_BUFFERED], v.bytes_buffered);
	dim_set(sm->bytes[B_LOST], v.bytes_lost);
	dim_set(sm->bytes[B_SENT], v.bytes_sent);
	dim_set(sm->bytes[B_RECEIVED], v.bytes_received);
	mxp_chart_done(sm->chart[MXP_SELFMON_BYTES], tv);

	if (sm->nthreads > 0) {
		struct mxp_thread_cpu_sample sum = {0};
		for (size_t i = 0; i < sm->nthreads; i++) {
			struct selfmon_thread *t = &sm->threads[i];
			t->prev = t->last;
			mxp_thread_cpu_read(t->slot, &t->last);
			dim_set(t->user, t->last.user_us);
			dim_set(t->system, t->last.system_us);
			sum.user_us += t->last.user_us;
			sum.system_us += t->last.system_us;
		}
		dim_set(sm->cpu[0], sum.user_us);
		dim_set(sm->cpu[1], sum.system_us);
		mxp_chart_done(sm->chart[MXP_SELFMON_THREAD_CPU], tv);
		mxp_chart_done(sm->chart[MXP_SELFMON_THREADS_CPU], tv);
	}

	sm->prev = *now;
	sm->last = v;
	sm->prev_usec = sm->last_usec;
	sm->last_usec = (int64_t)tv->tv_sec * 1000000 + tv->tv_usec;
	sm->updates++;
}

const struct mxp_selfmon_values *mxp_selfmon_last(const struct mxp_selfmon *sm)
{
	return sm->updates > 0 ? &sm->last : NULL;
}

struct mxp_chart *mxp_selfmon_chart(const struct mxp_selfmon *sm, enum mxp_selfmon_chart which)
{
	return (unsigned)which < MXP_SELFMON_NCHARTS ? sm->chart[which] : NULL;
}

/* CPU microseconds over the interval, as milliseconds per second. */
static double ms_per_s(uint64_t now_us, uint64_t prev_us, double seconds)
{
	return (double)growth(now_us, prev_us) / 1000.0 / seconds;
}

void mxp_selfmon_print(const struct mxp_selfmon *sm, FILE *out)
{
	if (sm->updates == 0) {
		fprintf(out, "[%s] no update yet\n", sm->name);
		return;
	}
	const struct mxp_selfmon_values *v = &sm->last;
	double seconds = sm->updates > 1 ? (double)(sm->last_usec - sm->prev_usec) / 1e6 : 0;
	if (sm->updates > 1)
		fprintf(out, "[%s] last interval: %.3f s (every %d s)\n", sm->name, seconds, sm->update_every);
	else
		fprintf(out, "[%s] first interval (every %d s)\n", sm->name, sm->update_every);
	fprintf(out, "  metrics  buffered %llu  sent %llu  lost %llu  (queued now %llu)\n",
		(unsigned long long)v->buffered, (unsigned long long)v->sent, (unsigned long long)v->lost,
		(unsigned long long)v->queued);
	fprintf(out, "  bytes    buffered %llu  sent %llu  lost %llu  received %llu\n",
		(unsigned long long)v->bytes_buffered, (unsigned long long)v->bytes_sent,
		(unsigned long long)v->bytes_lost, (unsigned long long)v->bytes_received);
	fprintf(out, "  ops      write %llu  discard %llu  reconnect %llu  failure %llu  read %llu  late %llu\n",
		(unsigned long long)v->writes, (unsigned long long)v->discards, (unsigned long long)v->reconnects,
		(unsigned long long)v->failures, (unsigned long long)v->reads, (unsigned long long)v->late);
	if (v->lost > 0)
		fprintf(out, "  lost     buffer full %llu  rejected %llu  too large %llu  shutdown %llu\n",
			(unsigned long long)v->lost_buffer_full, (unsigned long long)v->lost_rejected,
			(unsigned long long)v->lost_too_large, (unsigned long long)v->lost_shutdown);
	if (sm->nthreads == 0)
		return;
	if (seconds <= 0) {
		fprintf(out, "  cpu      ms/s from the second update on\n");
		return;
	}
	fprintf(out, "  cpu ms/s %-*s %9s %9s %9s\n", SELFMON_THREAD_COLUMN, "thread", "total", "user",
		"system");
	double tu = 0, ts = 0;
	for (size_t i = 0; i < sm->nthreads; i++) {
		const struct selfmon_thread *t = &sm->threads[i];
		double u = ms_per_s(t->last.user_us, t->prev.user_us, seconds);
		double s = ms_per_s(t->last.system_us, t->prev.system_us, seconds);
		tu += u;
		ts += s;
		fprintf(out, "           %-*s %9.1f %9.1f %9.1f\n", SELFMON_THREAD_COLUMN, t->slot->name,
			u + s, u, s);
	}
	fprintf(out, "           %-*s %9.1f %9.1f %9.1f\n", SELFMON_THREAD_COLUMN, "all", tu + ts, tu, ts);
}

void mxp_selfmon_free(struct mxp_selfmon *sm)
{
	if (sm == NULL)
		return;
	for (int i = 0; i < MXP_SELFMON_NCHARTS; i++)
		chart_drop(sm, (enum mxp_selfmon_chart)i);
	free(sm->threads);
	free(sm->name);
	free(sm);
}
