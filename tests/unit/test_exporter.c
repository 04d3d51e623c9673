/* test_exporter.c — mxp_exporter_start/tick/flush/stop: what the engine does with its
 * configuration and its schedule. The receiver is a listening socket of the test that
 * never accepts: the kernel completes the connection and keeps the few bytes sent
 * (real receivers are in tests/integration). */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "collect/store_internal.h"
#include "engine/log.h"
#include "mxp/exporter.h"
#include "mxp/store.h"

static int listener(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof(a);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(fd, 4), 0);
	getsockname(fd, (struct sockaddr *)&a, &l);
	*port = ntohs(a.sin_port);
	return fd;
}

static char *write_conf(const char *text)
{
	static char path[64];
	strcpy(path, "/tmp/test_exporter.XXXXXX");
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* A store with one chart collected every second for the last 20 s. */
static struct mxp_store *small_store(void)
{
	struct mxp_store *store = mxp_store_new(NULL);
	struct mxp_host *h = mxp_host_add(store, "exporter-test", NULL, NULL, 0);
	struct mxp_chart_def def = {.type = "test", .id = "c", .update_every = 1};
	struct mxp_chart *c = mxp_chart_add(h, &def);
	struct mxp_dim *d = mxp_dim_add(c, "d", NULL, 1, 1, MXP_ALG_ABSOLUTE);
	cr_assert(store && h && c && d);
	time_t now = time(NULL);
	for (time_t t = now - 20; t <= now; t++) {
		struct timeval tv = {.tv_sec = t, .tv_usec = 0};
		mxp_dim_set(d, t % 100);
		mxp_chart_done(c, &tv);
	}
	return store;
}

/* The log lines of a test, to check what the exporter said. */
static char logged[8192];
static void keep_log(enum mxp_log_level level, const char *line, void *arg)
{
	(void)level;
	(void)arg;
	size_t n = strlen(logged);
	snprintf(logged + n, sizeof(logged) - n, "%s\n", line);
}

Test(exporter, a_late_tick_counts_the_intervals_it_covers)
{
	int port;
	int lfd = listener(&port);
	char text[512];
	snprintf(text, sizeof(text),
		 "[exporting:global]\n enabled = yes\n[graphite:late]\n enabled = yes\n destination = 127.0.0.1:%d\n"
		 " update every = 1\n data source = as collected\n",
		 port);
	char *conf = write_conf(text);
	logged[0] = '\0';
	mxp_log_configure(keep_log, NULL, MXP_LOG_INFO);
	struct mxp_store *store = small_store();
	struct mxp_exporter_options opt = {.manual = 1};
	struct mxp_exporter *e = mxp_exporter_start(store, conf, &opt);
	cr_assert_not_null(e, "start: %s", strerror(errno));

	cr_assert_eq(mxp_exporter_tick(e), 1, "the first tick exports the instance");
	/* the owner stalls for more than two intervals: the next tick is late */
	struct timespec nap = {2, 300000000};
	nanosleep(&nap, NULL);
	cr_assert_eq(mxp_exporter_tick(e), 1);
	cr_assert_eq(mxp_exporter_flush(e, 5000), 0);
	struct mxp_send_counters c;
	cr_assert_eq(mxp_exporter_counters(e, 0, &c), 0);
	cr_assert_geq(c.late_exports, 1, "late exports: %llu", (unsigned long long)c.late_exports);
	cr_assert_leq(c.late_exports, 2);
	cr_assert_eq(c.intervals, 2, "two exports, two intervals");
	cr_assert_eq(c.produced, c.delivered);
	cr_assert_eq(mxp_exporter_stop(e, 1000), 0);
	mxp_log_configure(NULL, NULL, MXP_LOG_INFO);
	cr_assert(strstr(logged, "[graphite:late] 1 export was late") != NULL ||
			  strstr(logged, "[graphite:late] 2 exports were late") != NULL,
		  "the log says so:\n%s", logged);
	mxp_store_free(store);
	unlink(conf);
	close(lfd);
}

static void *no_memory(size_t alignment, size_t size)
{
	(void)alignment;
	(void)size;
	errno = ENOMEM;
	return NULL;
}

Test(exporter, updates_the_store_could_not_keep_are_logged_once_with_their_count)
{
	int port;
	int lfd = listener(&port);
	char text[512];
	snprintf(text, sizeof(text),
		 "[exporting:global]\n enabled = yes\n[graphite:x]\n enabled = yes\n destination = 127.0.0.1:%d\n"
		 " update every = 1\n",
		 port);
	char *conf = write_conf(text);
	logged[0] = '\0';
	mxp_log_configure(keep_log, NULL, MXP_LOG_INFO);
	struct mxp_store *store = small_store();
	/* a second chart, whose first slot table cannot be had: its updates are lost */
	struct mxp_chart *c = mxp_chart_add(mxp_store_hosts(store),
					    &(const struct mxp_chart_def){.type = "test", .id = "nomem", .update_every = 1});
	struct mxp_dim *d = mxp_dim_add(c, "d", NULL, 1, 1, MXP_ALG_ABSOLUTE);
	cr_assert(c && d);
	store->table_alloc = no_memory;
	for (long i = 0; i < 3; i++) {
		mxp_dim_set(d, i);
		mxp_chart_done(c, &(struct timeval){.tv_sec = time(NULL) - 3 + i});
	}
	struct mxp_exporter_options opt = {.manual = 1};
	struct mxp_exporter *e = mxp_exporter_start(store, conf, &opt);
	cr_assert_not_null(e, "start: %s", strerror(errno));
	cr_assert_eq(mxp_exporter_tick(e), 1);
	const char *line = "the store could not keep 3 chart updates (no memory for a chart's table of stored "
			   "values, or a clock before 1970 or past 2106; 3 since it was made): their values are lost";
	cr_assert(strstr(logged, line) != NULL, "logged:\n%s", logged);
	/* more are lost: within the minute nothing more is said */
	mxp_chart_done(c, &(struct timeval){.tv_sec = time(NULL)});
	struct timespec nap = {1, 100000000};
	nanosleep(&nap, NULL);
	mxp_exporter_tick(e);
	cr_assert_eq(strstr(strstr(logged, line) + strlen(line), "could not keep"), NULL, "one line a minute:\n%s", logged);
	cr_assert_eq(mxp_store_updates_dropped(store), 4);
	cr_assert_eq(mxp_exporter_stop(e, 1000), 0);
	mxp_log_configure(NULL, NULL, MXP_LOG_INFO);
	mxp_store_free(store);
	unlink(conf);
	close(lfd);
}

Test(exporter, config_errors_and_nothing_enabled_refuse_to_start)
{
	struct mxp_store *store = small_store();
	logged[0] = '\0';
	mxp_log_configure(keep_log, NULL, MXP_LOG_INFO);
	char *conf = write_conf("[graphite:x]\n enabled = yes\n destinaton = 127.0.0.1:1\n");
	errno = 0;
	cr_assert_null(mxp_exporter_start(store, conf, NULL));
	cr_assert_eq(errno, EINVAL);
	cr_assert(strstr(logged, ":3: [graphite:x] destinaton: unknown key") != NULL, "logged:\n%s", logged);
	unlink(conf);

	conf = write_conf("[graphite:x]\n enabled = no\n destination = 127.0.0.1:1\n");
	errno = 0;
	cr_assert_null(mxp_exporter_start(store, conf, NULL));
	cr_assert_eq(errno, ENOENT);
	unlink(conf);
	mxp_log_configure(NULL, NULL, MXP_LOG_INFO);
	mxp_store_free(store);
}

Test(exporter, flush_times_out_while_the_receiver_is_down)
{
	int port;
	int lfd = listener(&port);
	close(lfd); /* nobody listens there now */
	char text[512];
	snprintf(text, sizeof(text),
		 "[exporting:global]\n enabled = yes\n[json:down]\n enabled = yes\n destination = 127.0.0.1:%d\n"
		 " data source = as collected\n",
		 port);
	char *conf = write_conf(text);
	struct mxp_store *store = small_store();
	struct mxp_exporter_options opt = {.manual = 1, .self_charts = 0};
	struct mxp_exporter *e = mxp_exporter_start(store, conf, &opt);
	cr_assert_not_null(e);
	time_t now = time(NULL);
	cr_assert_eq(mxp_exporter_export(e, now - 10, now), 1);
	cr_assert_eq(mxp_exporter_flush(e, 300), -ETIMEDOUT);
	struct mxp_send_counters c;
	mxp_exporter_counters(e, 0, &c);
	cr_assert_eq(c.buffered, 1, "the record waits for the receiver");
	cr_assert_eq(mxp_exporter_stop(e, 0), 1, "stopping counts it lost");
	mxp_store_free(store);
	unlink(conf);
}

/* The owner sleeps to mxp_exporter_next_tick() instead of ticking every second: the
 * second it gives must be the next one at which mxp_exporter_tick() exports (a multiple
 * of some group's update every, 2 or 3 here), and once that tick has exported, a later
 * one. Over 7 s, the ticks at those seconds export, and a tick in between exports none. */
Test(exporter, next_tick_is_the_next_second_with_an_export_due)
{
	int port;
	int lfd = listener(&port);
	char text[512];
	snprintf(text, sizeof(text),
		 "[exporting:global]\n enabled = yes\n"
		 "[graphite:two]\n enabled = yes\n destination = 127.0.0.1:%d\n update every = 2\n"
		 "[graphite:three]\n enabled = yes\n destination = 127.0.0.1:%d\n update every = 3\n",
		 port, port);
	char *conf = write_conf(text);
	struct mxp_store *store = small_store();
	struct mxp_exporter_options opt = {.manual = 1, .self_charts = 0};
	struct mxp_exporter *e = mxp_exporter_start(store, conf, &opt);
	cr_assert_not_null(e, "start: %s", strerror(errno));
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	const int64_t start = ts.tv_sec;
	unsigned exports = 0, sleeps = 0;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &ts); /* before: the second may turn in between */
		const int64_t next = mxp_exporter_next_tick(e);
		if (next >= start + 7)
			break;
		cr_assert_gt(next, ts.tv_sec, "a second ahead, as the seed's heartbeat");
		cr_assert(next % 2 == 0 || next % 3 == 0, "second %lld: no group is due then", (long long)next);
		/* nothing is due before it: the second before it, if still ahead, exports none */
		if (next - 1 > ts.tv_sec) {
			struct timespec until = {.tv_sec = (time_t)(next - 1), .tv_nsec = 0};
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
			cr_assert_eq(mxp_exporter_tick(e), 0, "second %lld: nothing due", (long long)(next - 1));
		}
		struct timespec until = {.tv_sec = (time_t)next, .tv_nsec = 0};
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
		sleeps++;
		const int due = (next % 2 == 0) + (next % 3 == 0);
		cr_assert_eq(mxp_exporter_tick(e), due, "second %lld: %d due", (long long)next, due);
		exports += (unsigned)due;
		cr_assert_gt(mxp_exporter_next_tick(e), next, "once exported, a later second");
	}
	/* in 7 s: at least three multiples of 2 and two of 3 */
	cr_assert_geq(sleeps, 4, "sleeps: %u", sleeps);
	cr_assert_geq(exports, 5, "exports: %u", exports);
	cr_assert_eq(mxp_exporter_stop(e, 1000), 0);
	mxp_store_free(store);
	unlink(conf);
	close(lfd);
}
