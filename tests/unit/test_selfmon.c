/* test_selfmon.c — the exporter's own charts: the seed's ids, titles, units, priorities
 * and dimensions; per-interval values from counter totals; instance names in ids; the
 * per-thread CPU chart; the printed block. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ck_pr.h>

#include "collect/store_internal.h"
#include "engine/selfmon.h"
#include "engine/thread_cpu.h"
#include "mxp/send_counters.h"

static struct mxp_store *store;
static struct mxp_host *local;

static void setup(void)
{
	store = mxp_store_new(NULL);
	cr_assert_not_null(store);
	local = mxp_host_add(store, "h0", NULL, NULL, 0);
	cr_assert_not_null(local);
	cr_assert_not_null(mxp_host_add(store, "child", NULL, NULL, 0));
}

static void teardown(void)
{
	mxp_store_free(store);
}

TestSuite(selfmon, .init = setup, .fini = teardown);

struct want_dim {
	const char *id;
	long multiplier, divisor;
	enum mxp_algorithm algorithm;
};

/* Checks chart `full_id` on the localhost against the seed's attributes and its dims,
 * in creation order. */
static struct mxp_chart *check_chart(const char *full_id, const char *context, enum mxp_selfmon_chart which,
				     const char *title, const char *units, int priority, const char *chart_type,
				     int update_every, const struct want_dim *dims, size_t ndims)
{
	struct mxp_chart *c = mxp_chart_find(local, full_id);
	cr_assert_not_null(c, "%s exists on the localhost", full_id);
	cr_assert_str_eq(c->id, full_id);
	cr_assert_str_eq(c->name, full_id, "name = id");
	cr_assert_str_eq(c->type, "netdata");
	cr_assert_str_eq(c->family, "backend");
	cr_assert_str_eq(c->context, context);
	cr_assert_str_eq(c->title, title);
	cr_assert_str_eq(c->units, units);
	cr_assert_str_eq(c->chart_type, chart_type);
	cr_assert_eq(c->update_every, update_every);
	cr_assert_str_eq(mxp_selfmon_charts[which].title, title);
	cr_assert_str_eq(mxp_selfmon_charts[which].units, units);
	cr_assert_eq(mxp_selfmon_charts[which].priority, priority);
	cr_assert_str_eq(mxp_selfmon_charts[which].chart_type, chart_type);
	size_t n = 0;
	for (const struct mxp_dim *d = mxp_chart_dims(c); d != NULL; d = mxp_dim_next(d), n++) {
		cr_assert_lt(n, ndims, "%s: more dims than expected (%s)", full_id, d->id);
		cr_assert_str_eq(d->id, dims[n].id, "%s: dim %zu", full_id, n);
		cr_assert_str_eq(d->name, dims[n].id, "name = id");
		cr_assert_eq(d->multiplier, dims[n].multiplier, "%s.%s multiplier", full_id, d->id);
		cr_assert_eq(d->divisor, dims[n].divisor, "%s.%s divisor", full_id, d->id);
		cr_assert_eq(d->algorithm, dims[n].algorithm, "%s.%s algorithm", full_id, d->id);
	}
	cr_assert_eq(n, ndims, "%s: %zu dims", full_id, n);
	return c;
}

static const struct want_dim metrics_dims[] = {
	{"buffered", 1, 1, MXP_ALG_ABSOLUTE}, {"lost", 1, 1, MXP_ALG_ABSOLUTE}, {"sent", 1, 1, MXP_ALG_ABSOLUTE}};
static const struct want_dim bytes_dims[] = {{"buffered", 1, 1024, MXP_ALG_ABSOLUTE},
					     {"lost", 1, 1024, MXP_ALG_ABSOLUTE},
					     {"sent", 1, 1024, MXP_ALG_ABSOLUTE},
					     {"received", 1, 1024, MXP_ALG_ABSOLUTE}};
static const struct want_dim ops_dims[] = {
	{"write", 1, 1, MXP_ALG_ABSOLUTE},   {"discard", 1, 1, MXP_ALG_ABSOLUTE}, {"reconnect", 1, 1, MXP_ALG_ABSOLUTE},
	{"failure", 1, 1, MXP_ALG_ABSOLUTE}, {"read", 1, 1, MXP_ALG_ABSOLUTE},    {"late", 1, 1, MXP_ALG_ABSOLUTE}};
static const struct want_dim lost_dims[] = {{"buffer_full", 1, 1, MXP_ALG_ABSOLUTE},
					    {"rejected", 1, 1, MXP_ALG_ABSOLUTE},
					    {"too_large", 1, 1, MXP_ALG_ABSOLUTE},
					    {"shutdown", 1, 1, MXP_ALG_ABSOLUTE}};
static const struct want_dim cpu_dims[] = {{"user", 1, 1000, MXP_ALG_INCREMENTAL},
					   {"system", 1, 1000, MXP_ALG_INCREMENTAL}};
static const struct want_dim thread_dims[] = {
	{"collector_user", 1, 1000, MXP_ALG_INCREMENTAL},    {"collector_system", 1, 1000, MXP_ALG_INCREMENTAL},
	{"formatter_0_user", 1, 1000, MXP_ALG_INCREMENTAL},  {"formatter_0_system", 1, 1000, MXP_ALG_INCREMENTAL},
	{"sender_user", 1, 1000, MXP_ALG_INCREMENTAL},       {"sender_system", 1, 1000, MXP_ALG_INCREMENTAL}};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void check_all(const char *suffix, int ue, bool with_threads)
{
	char id[256];
	snprintf(id, sizeof(id), "netdata.backend_metrics%s", suffix);
	check_chart(id, "netdata.backend_metrics", MXP_SELFMON_METRICS, "Netdata Buffered Metrics", "metrics", 130600,
		    "line", ue, metrics_dims, N(metrics_dims));
	snprintf(id, sizeof(id), "netdata.backend_bytes%s", suffix);
	check_chart(id, "netdata.backend_bytes", MXP_SELFMON_BYTES, "Netdata Backend Data Size", "KiB", 130610, "area",
		    ue, bytes_dims, N(bytes_dims));
	snprintf(id, sizeof(id), "netdata.backend_ops%s", suffix);
	check_chart(id, "netdata.backend_ops", MXP_SELFMON_OPS, "Netdata Backend Operations", "operations", 130630,
		    "line", ue, ops_dims, N(ops_dims));
	snprintf(id, sizeof(id), "netdata.mxp_lost%s", suffix);
	check_chart(id, "netdata.mxp_lost", MXP_SELFMON_LOST, "mxp metrics lost, by reason", "metrics", 130605,
		    "stacked", ue, lost_dims, N(lost_dims));
	snprintf(id, sizeof(id), "netdata.backend_thread_cpu%s", suffix);
	if (!with_threads) {
		cr_assert_null(mxp_chart_find(local, id), "no CPU chart without threads");
		return;
	}
	check_chart(id, "netdata.backend_thread_cpu", MXP_SELFMON_THREAD_CPU, "NetData Backend Thread CPU usage",
		    "milliseconds/s", 130630, "stacked", ue, cpu_dims, N(cpu_dims));
	snprintf(id, sizeof(id), "netdata.mxp_thread_cpu%s", suffix);
	check_chart(id, "netdata.mxp_thread_cpu", MXP_SELFMON_THREADS_CPU, "mxp CPU usage per thread",
		    "milliseconds/s", 130640, "stacked", ue, thread_dims, N(thread_dims));
}

static struct mxp_thread_cpu slots[3];

static void init_slots(void)
{
	mxp_thread_cpu_init(&slots[0], "collector");
	mxp_thread_cpu_init(&slots[1], "formatter 0");
	mxp_thread_cpu_init(&slots[2], "sender");
}

/* What a thread would have published (single-threaded test: plain ck_pr stores). */
static void set_slot(struct mxp_thread_cpu *s, uint64_t user, uint64_t sys)
{
	ck_pr_store_64(&s->user_us, user);
	ck_pr_store_64(&s->system_us, sys);
}

static void update_at(struct mxp_selfmon *sm, const struct mxp_send_counters *c, time_t t)
{
	struct timeval tv = {.tv_sec = t};
	mxp_selfmon_update(sm, c, &tv);
}

static long long collected(const char *chart_id, const char *dim)
{
	struct mxp_chart *c = mxp_chart_find(local, chart_id);
	cr_assert_not_null(c, "%s", chart_id);
	struct mxp_dim *d = mxp_dim_find(c, dim);
	cr_assert_not_null(d, "%s.%s", chart_id, dim);
	return mxp_dim_last_collected_value(d);
}

static double stored_at(const char *chart_id, const char *dim, time_t t)
{
	struct mxp_dim *d = mxp_dim_find(mxp_chart_find(local, chart_id), dim);
	return mxp_dim_slot_at(d, t);
}

Test(selfmon, single_instance_has_the_seeds_charts)
{
	struct mxp_selfmon *sm = mxp_selfmon_new(store, "graphite:prod", false, 10);
	cr_assert_not_null(sm);
	check_all("", 10, false);
	cr_assert_null(mxp_selfmon_chart(sm, MXP_SELFMON_THREAD_CPU));
	init_slots();
	for (int i = 0; i < 3; i++)
		cr_assert_eq(mxp_selfmon_add_thread(sm, &slots[i]), 0);
	check_all("", 10, true);
	cr_assert_eq(mxp_selfmon_chart(sm, MXP_SELFMON_METRICS), mxp_chart_find(local, "netdata.backend_metrics"));
	cr_assert_null(mxp_chart_find(mxp_host_find(store, "child"), "netdata.backend_metrics"), "localhost only");

	/* creation order on the host: metrics, bytes, ops, lost by reason, then the CPU charts */
	const char *order[] = {"netdata.backend_metrics", "netdata.backend_bytes", "netdata.backend_ops",
			       "netdata.mxp_lost", "netdata.backend_thread_cpu", "netdata.mxp_thread_cpu"};
	size_t n = 0;
	for (struct mxp_chart *c = mxp_host_charts(local); c != NULL; c = mxp_chart_next(c), n++)
		cr_assert_str_eq(c->id, order[n]);
	cr_assert_eq(n, 6);
	mxp_selfmon_free(sm);
}

Test(selfmon, several_instances_carry_their_names_in_ids)
{
	struct mxp_selfmon *a = mxp_selfmon_new(store, "graphite:prod", true, 1);
	struct mxp_selfmon *b = mxp_selfmon_new(store, "opentsdb:dc-1.eu", true, 5);
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	init_slots();
	for (int i = 0; i < 3; i++)
		cr_assert_eq(mxp_selfmon_add_thread(a, &slots[i]), 0);
	check_all("_graphite_prod", 1, true);
	check_all("_opentsdb_dc_1_eu", 5, false);
	cr_assert_null(mxp_chart_find(local, "netdata.backend_metrics"), "no seed id when names are in ids");

	/* a name that sanitizes like a's: its ids are taken */
	errno = 0;
	cr_assert_null(mxp_selfmon_new(store, "graphite/prod", true, 1));
	cr_assert_eq(errno, EEXIST);
	check_all("_graphite_prod", 1, true); /* a's charts untouched */
	mxp_selfmon_free(a);
	mxp_selfmon_free(b);
}

Test(selfmon, free_removes_the_charts_so_they_can_be_created_again)
{
	struct mxp_selfmon *sm = mxp_selfmon_new(store, NULL, false, 1);
	cr_assert_not_null(sm);
	errno = 0;
	cr_assert_null(mxp_selfmon_new(store, "again", false, 1), "the seed's ids are taken");
	cr_assert_eq(errno, EEXIST);
	init_slots();
	cr_assert_eq(mxp_selfmon_add_thread(sm, &slots[0]), 0);
	mxp_selfmon_free(sm);
	cr_assert_null(mxp_host_charts(local), "every chart removed");
	sm = mxp_selfmon_new(store, NULL, false, 1);
	cr_assert_not_null(sm);
	mxp_selfmon_free(sm);
	mxp_selfmon_free(NULL);
}

Test(selfmon, invalid_arguments)
{
	errno = 0;
	cr_assert_null(mxp_selfmon_new(store, "x", false, 0));
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_null(mxp_selfmon_new(store, NULL, true, 1));
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_null(mxp_selfmon_new(store, "", true, 1));
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(mxp_host_charts(local), "nothing left behind");

	struct mxp_selfmon *sm = mxp_selfmon_new(store, NULL, false, 1);
	struct mxp_thread_cpu unnamed, dup;
	mxp_thread_cpu_init(&unnamed, "");
	cr_assert_eq(mxp_selfmon_add_thread(sm, &unnamed), -EINVAL);
	init_slots();
	cr_assert_eq(mxp_selfmon_add_thread(sm, &slots[1]), 0);
	mxp_thread_cpu_init(&dup, "formatter_0");
	cr_assert_eq(mxp_selfmon_add_thread(sm, &dup), -EEXIST, "sanitizes like \"formatter 0\"");
	struct mxp_send_counters zero = {0};
	update_at(sm, &zero, 1000);
	cr_assert_eq(mxp_selfmon_add_thread(sm, &slots[2]), -EBUSY);
	mxp_selfmon_free(sm);
}

Test(selfmon, a_store_without_hosts_gets_its_localhost)
{
	struct mxp_store *empty = mxp_store_new(NULL);
	struct mxp_selfmon *sm = mxp_selfmon_new(empty, NULL, false, 1);
	cr_assert_not_null(sm);
	struct mxp_host *h = mxp_store_hosts(empty);
	cr_assert_not_null(h);
	cr_assert(h->is_localhost);
	char name[256] = "";
	gethostname(name, sizeof(name) - 1);
	cr_assert_str_eq(h->hostname, name[0] ? name : "localhost");
	cr_assert_eq(mxp_selfmon_chart(sm, MXP_SELFMON_OPS)->host, h);
	mxp_selfmon_free(sm);
	mxp_store_free(empty);
}

Test(selfmon, values_are_per_interval_differences_and_levels)
{
	struct mxp_selfmon *sm = mxp_selfmon_new(store, NULL, false, 1);
	init_slots();
	for (int i = 0; i < 3; i++)
		cr_assert_eq(mxp_selfmon_add_thread(sm, &slots[i]), 0);
	cr_assert_null(mxp_selfmon_last(sm));

	/* interval 1: 100 produced, 90 written, 10 still queued */
	struct mxp_send_counters c = {
		.produced = 100, .delivered = 90, .buffered = 10,
		.bytes_produced = 10240, .bytes_sent = 9216, .bytes_buffered = 1024, .bytes_received = 7,
		.writes = 1, .reconnects = 2, .failures = 1, .reads = 3, .intervals = 1, .late_exports = 1,
	};
	set_slot(&slots[0], 1000000, 200000);
	set_slot(&slots[1], 3000000, 0);
	set_slot(&slots[2], 500000, 100000);
	update_at(sm, &c, 1000);

	cr_assert_eq(collected("netdata.backend_metrics", "buffered"), 100, "queued 10 + sent 90");
	cr_assert_eq(collected("netdata.backend_metrics", "sent"), 90);
	cr_assert_eq(collected("netdata.backend_metrics", "lost"), 0);
	cr_assert_eq(collected("netdata.backend_bytes", "buffered"), 10240);
	cr_assert_eq(collected("netdata.backend_bytes", "sent"), 9216);
	cr_assert_eq(collected("netdata.backend_bytes", "lost"), 0);
	cr_assert_eq(collected("netdata.backend_bytes", "received"), 7);
	cr_assert_eq(collected("netdata.backend_ops", "write"), 1);
	cr_assert_eq(collected("netdata.backend_ops", "discard"), 0);
	cr_assert_eq(collected("netdata.backend_ops", "reconnect"), 2);
	cr_assert_eq(collected("netdata.backend_ops", "failure"), 1);
	cr_assert_eq(collected("netdata.backend_ops", "read"), 3);
	cr_assert_eq(collected("netdata.backend_ops", "late"), 1);
	cr_assert_eq(collected("netdata.backend_thread_cpu", "user"), 4500000, "sum over the threads");
	cr_assert_eq(collected("netdata.backend_thread_cpu", "system"), 300000);
	cr_assert_eq(collected("netdata.mxp_thread_cpu", "collector_user"), 1000000);
	cr_assert_eq(collected("netdata.mxp_thread_cpu", "collector_system"), 200000);
	cr_assert_eq(collected("netdata.mxp_thread_cpu", "formatter_0_user"), 3000000);
	cr_assert_eq(collected("netdata.mxp_thread_cpu", "sender_system"), 100000);

	/* interval 2: 50 more produced; the queue (10) and 30 new written, 20 dropped with
	 * the buffer full; one discard, 2 more failures, no reads, no reconnects */
	c.produced = 150;
	c.delivered = 130;
	c.buffered = 0;
	c.lost = c.lost_buffer_full = 20;
	c.bytes_produced = 15360;
	c.bytes_sent = 13312;
	c.bytes_buffered = 0;
	c.bytes_lost = 2048;
	c.writes = 2;
	c.discards = 1;
	c.failures = 3;
	c.intervals = 2;
	set_slot(&slots[0], 1250000, 210000);
	set_slot(&slots[1], 3500000, 0);
	set_slot(&slots[2], 600000, 150000);
	update_at(sm, &c, 1001);

	cr_assert_eq(collected("netdata.backend_metrics", "buffered"), 60, "queued 0 + sent 40 + lost 20");
	cr_assert_eq(collected("netdata.backend_metrics", "sent"), 40);
	cr_assert_eq(collected("netdata.backend_metrics", "lost"), 20);
	cr_assert_eq(collected("netdata.backend_bytes", "buffered"), 6144);
	cr_assert_eq(collected("netdata.backend_bytes", "sent"), 4096);
	cr_assert_eq(collected("netdata.backend_bytes", "lost"), 2048);
	cr_assert_eq(collected("netdata.backend_bytes", "received"), 0);
	cr_assert_eq(collected("netdata.mxp_lost", "buffer_full"), 20);
	cr_assert_eq(collected("netdata.mxp_lost", "rejected"), 0);
	cr_assert_eq(collected("netdata.backend_ops", "write"), 1);
	cr_assert_eq(collected("netdata.backend_ops", "discard"), 1);
	cr_assert_eq(collected("netdata.backend_ops", "reconnect"), 0);
	cr_assert_eq(collected("netdata.backend_ops", "failure"), 2);
	cr_assert_eq(collected("netdata.backend_ops", "read"), 0);
	cr_assert_eq(collected("netdata.backend_ops", "late"), 0);
	cr_assert_eq(collected("netdata.backend_thread_cpu", "user"), 5350000);
	cr_assert_eq(collected("netdata.backend_thread_cpu", "system"), 360000);

	/* stored: bytes are KiB; CPU is incremental µs / 1000 per second = ms/s */
	cr_assert_float_eq(stored_at("netdata.backend_bytes", "buffered", 1001), 6.0, 1e-9);
	cr_assert_float_eq(stored_at("netdata.backend_thread_cpu", "user", 1001), 850.0, 1e-9);
	cr_assert_float_eq(stored_at("netdata.mxp_thread_cpu", "formatter_0_user", 1001), 500.0, 1e-9);
	cr_assert_float_eq(stored_at("netdata.mxp_thread_cpu", "sender_system", 1001), 50.0, 1e-9);
	cr_assert_float_eq(stored_at("netdata.backend_metrics", "sent", 1001), 40.0, 1e-9);

	const struct mxp_selfmon_values *v = mxp_selfmon_last(sm);
	cr_assert_not_null(v);
	cr_assert_eq(v->buffered, 60);
	cr_assert_eq(v->queued, 0);
	cr_assert_eq(v->discards, 1);
	mxp_selfmon_free(sm);
}

static char *printed(const struct mxp_selfmon *sm);

/* Each reason of a loss has its dimension; the dims add up to backend_metrics' lost. */
Test(selfmon, losses_are_charted_by_reason)
{
	struct mxp_selfmon *sm = mxp_selfmon_new(store, NULL, false, 1);
	struct mxp_send_counters c = {.produced = 100, .delivered = 90, .lost = 10, .lost_rejected = 6,
				      .lost_too_large = 3, .lost_shutdown = 1};
	update_at(sm, &c, 1000);
	cr_assert_eq(collected("netdata.mxp_lost", "buffer_full"), 0);
	cr_assert_eq(collected("netdata.mxp_lost", "rejected"), 6);
	cr_assert_eq(collected("netdata.mxp_lost", "too_large"), 3);
	cr_assert_eq(collected("netdata.mxp_lost", "shutdown"), 1);
	cr_assert_eq(collected("netdata.backend_metrics", "lost"), 10);
	char *out = printed(sm);
	cr_assert(strstr(out, "lost     buffer full 0  rejected 6  too large 3  shutdown 1") != NULL, "%s", out);
	free(out);

	/* the next interval: growth only (4 more rejected) */
	c.produced += 4;
	c.lost += 4;
	c.lost_rejected += 4;
	update_at(sm, &c, 1001);
	cr_assert_eq(collected("netdata.mxp_lost", "rejected"), 4);
	cr_assert_eq(collected("netdata.mxp_lost", "too_large"), 0);
	cr_assert_eq(collected("netdata.backend_metrics", "lost"), 4);
	mxp_selfmon_free(sm);
}

Test(selfmon, a_restarted_counter_counts_from_zero)
{
	struct mxp_selfmon *sm = mxp_selfmon_new(store, NULL, false, 1);
	struct mxp_send_counters c = {.produced = 500, .delivered = 500, .writes = 5};
	update_at(sm, &c, 1000);
	cr_assert_eq(collected("netdata.backend_metrics", "sent"), 500);
	c = (struct mxp_send_counters){.produced = 30, .delivered = 30, .writes = 1};
	update_at(sm, &c, 1001);
	cr_assert_eq(collected("netdata.backend_metrics", "sent"), 30);
	cr_assert_eq(collected("netdata.backend_ops", "write"), 1);
	mxp_selfmon_free(sm);
}

/* The printed block of sm, as a string the caller frees. */
static char *printed(const struct mxp_selfmon *sm)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
	mxp_selfmon_print(sm, f);
	fclose(f);
	return buf;
}

Test(selfmon, print_shows_the_last_interval)
{
	struct mxp_selfmon *sm = mxp_selfmon_new(store, "graphite:prod", true, 1);
	init_slots();
	for (int i = 0; i < 3; i++)
		cr_assert_eq(mxp_selfmon_add_thread(sm, &slots[i]), 0);
	char *out = printed(sm);
	cr_assert(strstr(out, "[graphite:prod] no update yet") != NULL, "%s", out);
	free(out);

	struct mxp_send_counters c = {.produced = 1200, .delivered = 1234 - 34, .buffered = 0, .lost = 0,
				      .bytes_sent = 56789, .writes = 1, .reads = 4, .late_exports = 2};
	c.produced = c.delivered;
	update_at(sm, &c, 2000);
	out = printed(sm);
	cr_assert(strstr(out, "first interval") != NULL, "%s", out);
	cr_assert(strstr(out, "ms/s from the second update on") != NULL, "%s", out);
	free(out);

	c.delivered += 1234;
	c.produced += 1234 + 7;
	c.buffered = 7;
	c.bytes_sent += 99999;
	c.bytes_buffered = 512;
	c.writes += 1;
	c.failures = 3;
	set_slot(&slots[0], 250000, 50000);   /* 0.5 s later: 500 ms/s user, 100 system */
	set_slot(&slots[1], 1000000, 0);      /* 2000 ms/s: both cores */
	set_slot(&slots[2], 0, 0);
	struct timeval tv = {.tv_sec = 2000, .tv_usec = 500000};
	mxp_selfmon_update(sm, &c, &tv);
	out = printed(sm);
	cr_assert(strstr(out, "[graphite:prod] last interval: 0.500 s (every 1 s)") != NULL, "%s", out);
	cr_assert(strstr(out, "buffered 1241  sent 1234  lost 0  (queued now 7)") != NULL, "%s", out);
	cr_assert(strstr(out, "buffered 100511  sent 99999  lost 0  received 0") != NULL, "%s", out);
	cr_assert(strstr(out, "write 1  discard 0  reconnect 0  failure 3  read 0  late 0") != NULL, "%s", out);
	cr_assert(strstr(out, "collector          600.0     500.0     100.0") != NULL, "%s", out);
	cr_assert(strstr(out, "formatter 0       2000.0    2000.0       0.0") != NULL, "%s", out);
	cr_assert(strstr(out, "sender               0.0       0.0       0.0") != NULL, "%s", out);
	cr_assert(strstr(out, "all               2600.0    2500.0     100.0") != NULL, "%s", out);
	free(out);
	mxp_selfmon_free(sm);
}
