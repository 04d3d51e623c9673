/* agent.c — an agent that exports its metrics with mxp, through the public headers
 * alone (mxp/store.h, mxp/exporter.h).
 *
 *     agent [CONFIG [SECONDS]]
 *
 * The agent's two collection threads each own some charts and write a value to every
 * dimension of them once a second (mxp_dim_set, then mxp_chart_done), while mxp's
 * threads, started by mxp_exporter_start() from netdata's own configuration (CONFIG:
 * exporting.conf or netdata.conf with [backend]), export every enabled instance at the
 * end of each of its `update every` intervals. The writers never wait for mxp. After
 * SECONDS (default 3) the agent waits for what was exported to be written, prints each
 * instance's counters, and stops the exporter with a deadline of 2 s.
 *
 * Without CONFIG it only collects, exports nothing, and says so.
 *
 * Build it against an installed mxp:
 *     cc -std=c11 agent.c $(pkg-config --cflags --libs mxp)
 * or, with CMake, examples/CMakeLists.txt (find_package(mxp)). A config to try with a
 * graphite receiver listening on 127.0.0.1:2003:
 *     [exporting:global]
 *         enabled = yes
 *     [graphite:local]
 *         enabled = yes
 *         destination = 127.0.0.1:2003
 *         data source = as collected
 *         update every = 1
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <mxp/exporter.h>
#include <mxp/store.h>

#define COLLECTORS 2            /* the agent's collection threads */
#define CHARTS_PER_COLLECTOR 2
#define DIMS_PER_CHART 2

/* One chart and the thread that owns it: only its collector writes its values (the
 * store's rule: one writer per chart). */
struct chart {
	struct mxp_chart *chart;
	struct mxp_dim *dim[DIMS_PER_CHART];
	long long value[DIMS_PER_CHART];
};

struct collector {
	pthread_t thread;
	unsigned id;
	struct chart charts[CHARTS_PER_COLLECTOR];
	unsigned long updates;      /* chart updates done; read by main after the join */
};

static atomic_bool stopping;

/* Sleeps until the next whole second of the wall clock, as a collector aligned to its
 * `update every` does; returns early (within 100 ms) once stopping is set. */
static void sleep_to_next_second(void)
{
	for (;;) {
		struct timeval now;
		gettimeofday(&now, NULL);
		long left_us = 1000000L - now.tv_usec;
		if (left_us > 100000L)
			left_us = 100000L;
		struct timespec nap = {0, left_us * 1000L};
		nanosleep(&nap, NULL);
		if (atomic_load(&stopping))
			return;
		struct timeval after;
		gettimeofday(&after, NULL);
		if (after.tv_sec != now.tv_sec)
			return;
	}
}

/* A collection thread: every second, a new value for each dimension of each of its
 * charts (counters that grow, so the incremental algorithm charts a rate), then
 * mxp_chart_done() publishes the chart's update. Neither call ever blocks: mxp's
 * threads read the chart under a sequence counter and retry if the writer was
 * publishing meanwhile. */
static void *collect(void *arg)
{
	struct collector *c = arg;
	while (!atomic_load(&stopping)) {
		for (unsigned k = 0; k < CHARTS_PER_COLLECTOR; k++) {
			struct chart *ch = &c->charts[k];
			for (unsigned d = 0; d < DIMS_PER_CHART; d++) {
				ch->value[d] += 100 * (long long)(c->id + 1) + 10 * (long long)k + (long long)d;
				mxp_dim_set(ch->dim[d], ch->value[d]);
			}
			mxp_chart_done(ch->chart, NULL); /* NULL: now, on the wall clock */
			c->updates++;
		}
		sleep_to_next_second();
	}
	return NULL;
}

/* Adds collector c's charts to host: example.c<id>_<k>, with dims "a" and "b". */
static int add_charts(struct mxp_host *host, struct collector *c)
{
	for (unsigned k = 0; k < CHARTS_PER_COLLECTOR; k++) {
		char id[32];
		snprintf(id, sizeof(id), "c%u_%u", c->id, k);
		const struct mxp_chart_def def = {
			.type = "example",
			.id = id,
			.units = "events/s",
			.title = "Events counted by a collection thread",
			.update_every = 1,
		};
		struct chart *ch = &c->charts[k];
		ch->chart = mxp_chart_add(host, &def);
		if (ch->chart == NULL)
			return -1;
		for (unsigned d = 0; d < DIMS_PER_CHART; d++) {
			const char *dim_id = d == 0 ? "a" : "b";
			ch->dim[d] = mxp_dim_add(ch->chart, dim_id, NULL, 1, 1, MXP_ALG_INCREMENTAL);
			if (ch->dim[d] == NULL)
				return -1;
		}
	}
	return 0;
}

static void print_counters(struct mxp_exporter *e)
{
	for (size_t i = 0; i < mxp_exporter_instances(e); i++) {
		struct mxp_send_counters c;
		if (mxp_exporter_counters(e, i, &c) != 0)
			continue;
		/* produced = delivered + buffered + lost holds in every copy */
		printf("agent: [%s] produced %llu delivered %llu buffered %llu lost %llu; "
		       "bytes sent %llu; intervals %llu written %llu dropped %llu; reconnects %llu failures %llu\n",
		       mxp_exporter_instance_name(e, i), (unsigned long long)c.produced,
		       (unsigned long long)c.delivered, (unsigned long long)c.buffered, (unsigned long long)c.lost,
		       (unsigned long long)c.bytes_sent, (unsigned long long)c.intervals,
		       (unsigned long long)c.writes, (unsigned long long)c.discards,
		       (unsigned long long)c.reconnects, (unsigned long long)c.failures);
	}
}

int main(int argc, char **argv)
{
	const char *config = argc > 1 ? argv[1] : NULL;
	long seconds = 3;
	if (argc > 2) {
		char *end;
		seconds = strtol(argv[2], &end, 10);
		if (*end != '\0' || seconds < 1) {
			fprintf(stderr, "usage: agent [CONFIG [SECONDS]]  (SECONDS: a whole number, at least 1)\n");
			return 2;
		}
	}

	/* 1. The store: the agent's hosts, charts and dimensions. The first host added is
	 *    "localhost" to the exporter (the config's `hostname` applies to it). */
	int rc = 1;
	struct mxp_exporter *exporter = NULL;
	struct collector collectors[COLLECTORS];
	unsigned started = 0;
	memset(collectors, 0, sizeof(collectors));
	struct mxp_store *store = mxp_store_new(NULL);
	if (store == NULL) {
		fprintf(stderr, "agent: cannot create a store: %s\n", strerror(errno));
		return 1;
	}
	const struct mxp_label labels[] = {{"role", "example"}};
	struct mxp_host *host = mxp_host_add(store, "agent-host", NULL, labels, 1);
	if (host == NULL) {
		fprintf(stderr, "agent: cannot add the host: %s\n", strerror(errno));
		goto done;
	}
	for (unsigned t = 0; t < COLLECTORS; t++) {
		collectors[t].id = t;
		if (add_charts(host, &collectors[t]) != 0) {
			fprintf(stderr, "agent: cannot add the charts: %s\n", strerror(errno));
			goto done;
		}
	}

	/* 2. The exporter: reads the configuration and starts mxp's threads (a scheduler
	 *    that exports each instance every `update every` seconds, per instance a
	 *    collector, formatters and a sink, and one sender). opt NULL: the defaults
	 *    (formatter threads from the config, io_uring or epoll, the netdata.backend_*
	 *    charts created in the store and exported like the agent's own). A bad config
	 *    is logged as FILE:LINE: [section] key: what is wrong. */
	if (config != NULL) {
		exporter = mxp_exporter_start(store, config, NULL);
		if (exporter == NULL) {
			fprintf(stderr, "agent: cannot start exporting with %s: %s\n", config, strerror(errno));
			goto done;
		}
		printf("agent: exporting %zu instance%s with %s (sender I/O: %s)\n", mxp_exporter_instances(exporter),
		       mxp_exporter_instances(exporter) == 1 ? "" : "s", config, mxp_exporter_io_name(exporter));
	} else {
		printf("agent: no configuration given (agent CONFIG [SECONDS]): collecting only, exporting nothing\n");
	}

	/* 3. The agent's collection threads start writing; the exporter may already be
	 *    reading: neither waits for the other. */
	for (; started < COLLECTORS; started++) {
		if (pthread_create(&collectors[started].thread, NULL, collect, &collectors[started]) != 0) {
			fprintf(stderr, "agent: cannot start a collection thread\n");
			goto done;
		}
	}
	struct timespec run = {seconds, 0};
	while (nanosleep(&run, &run) != 0 && errno == EINTR)
		;

	/* 4. Before stopping: exports return once their bytes are handed to the sender, so
	 *    wait (up to 2 s) until it has written them, then read the counters. */
	if (exporter != NULL) {
		if (mxp_exporter_flush(exporter, 2000) != 0)
			printf("agent: the receiver did not take everything within 2 s\n");
		print_counters(exporter);
	}
	rc = 0;

done:
	/* 5. Stop the exporter first (it gives the sender 2 s for what is still queued and
	 *    counts the rest as lost; it removes its charts from the store), then the
	 *    collection threads, then free the store: no reader or writer may be left. */
	if (exporter != NULL) {
		unsigned long long lost = mxp_exporter_stop(exporter, 2000);
		printf("agent: exporter stopped (%llu metrics lost at stop)\n", lost);
	}
	atomic_store(&stopping, true);
	unsigned long updates = 0;
	for (unsigned t = 0; t < started; t++) {
		pthread_join(collectors[t].thread, NULL);
		updates += collectors[t].updates;
	}
	if (rc == 0)
		printf("agent: %u collection threads made %lu chart updates of %u charts on host agent-host\n",
		       COLLECTORS, updates, COLLECTORS * CHARTS_PER_COLLECTOR);
	mxp_store_free(store);
	return rc;
}
