/* mxpd.c — the mxp daemon, v0: fills a store from this machine's /proc (or a synthetic
 * generator) on one thread, and exports it on another, as the seed's backend loop
 * timed it, in graphite, opentsdb or json lines on standard output. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "config/data_source.h"
#include "config/simple_pattern.h"
#include "engine/export_settings.h"
#include "engine/pipeline.h"
#include "engine/log.h"
#include "format/format.h"
#include "mxp/exporter.h"
#include "plugin_runner.h"
#include "proc_source.h"
#include "stream_receiver.h"
#include "synthetic_source.h"

#define MXPD_VERSION "0.1.0"

static const char usage_text[] =
	"NAME\n"
	"    mxpd - export a monitoring agent's metrics to time-series databases\n"
	"\n"
	"SYNOPSIS\n"
	"    mxpd -c FILE [--stats] [--io io_uring|epoll] [--formatters N]\n"
	"         [--synthetic HOSTS,CHARTS,DIMS] [--count N] [--quiet] [-D]\n"
	"    mxpd --check -c FILE\n"
	"    mxpd [--synthetic HOSTS,CHARTS,DIMS] [--type TYPE] [--data-source SOURCE]\n"
	"         [--update-every SECONDS] [--prefix PREFIX] [--hostname NAME]\n"
	"         [--send-charts-matching PATTERN] [--send-hosts-matching PATTERN]\n"
	"         [--ids] [--formatters N] [--count N] [--quiet] [--log stderr|syslog]\n"
	"    mxpd --help | --version\n"
	"\n"
	"DESCRIPTION\n"
	"    mxpd fills mxp's metric store from a source and exports every metric, every\n"
	"    update-every seconds, exactly as netdata's backends exporter formatted it.\n"
	"    With -c it sends them to each enabled instance's destination over TCP or UDP\n"
	"    (graphite, opentsdb telnet, json lines) or in HTTP(S) requests (the :http and\n"
	"    :https types, and Prometheus remote write); without -c it writes them to\n"
	"    standard output.\n"
	"\n"
	"    With no arguments it reads this machine's /proc every second (system.cpu,\n"
	"    system.ram, system.load, net.<iface>, disk.<dev>) and prints graphite lines of\n"
	"    the values as collected, every second, so that the first lines appear within a\n"
	"    second of starting. Stop it with Ctrl-C.\n"
	"\n"
	"    Exports are timed as netdata's exporter timed them: each one covers the window\n"
	"    from the end of the previous one to now, and starts on a multiple of\n"
	"    update-every on the monotonic clock.\n"
	"\n"
	"CONFIGURATION\n"
	"    -c FILE reads netdata's own configuration, unchanged: either netdata.conf, whose\n"
	"    [backend] section is netdata's one exporter (the rest of the file is ignored),\n"
	"    or exporting.conf, with [exporting:global], [TYPE] sections and any number of\n"
	"    [TYPE:NAME] instances (a key is looked up in the instance, then [TYPE], then\n"
	"    [exporting:global], then its default). The file's sections tell which it is.\n"
	"    Every enabled instance of type graphite, opentsdb or json (plain, :http or\n"
	"    :https), prometheus_remote_write, kinesis or mongodb is sent to the first\n"
	"    of its destinations that answers (connect within `timeout ms`; reconnect with\n"
	"    a backoff of 0.1 s doubling to 5 s); a receiver that is down or slow makes\n"
	"    mxpd keep at most `buffer on failures` intervals, dropping the oldest beyond\n"
	"    and counting them as lost on the netdata.backend_* and netdata.mxp_lost\n"
	"    charts (--stats prints them). A line cut by a broken connection is sent\n"
	"    again from its start, never twice in full. On SIGINT/SIGTERM mxpd writes\n"
	"    what is queued for up to 5 s.\n"
	"    HTTP types (opentsdb:http, json:http, graphite:http, and :https) post one\n"
	"    request per body of at most `max samples per send` metrics on a keep-alive\n"
	"    connection: a 2xx answer delivers them; 429 and 5xx send them again after a\n"
	"    backoff with jitter (`retry backoff min ms` doubling to `retry backoff max\n"
	"    ms`) or the receiver's Retry-After; any other status drops them, counts them\n"
	"    lost and logs the receiver's answer. :https verifies the receiver's\n"
	"    certificate and host name (`tls ca file`, `tls ca path`; `tls verify = no`\n"
	"    turns that off, with a warning) and never falls back to plain text.\n"
	"    prometheus_remote_write posts snappy-compressed protobuf WriteRequests (the\n"
	"    Remote-Write 1.0 spec) to `remote write URL path`: the seed's names, labels\n"
	"    sorted and valid, host labels and tags on every series, times in ms; its\n"
	"    destination must name a port. kinesis posts PutRecords of json lines signed\n"
	"    with SigV4 (credentials from the config or AWS_ACCESS_KEY_ID, ...; the region\n"
	"    in `destination`, or `endpoint = http(s)://HOST:PORT`), sending again only\n"
	"    the records that failed. mongodb inserts BSON documents with libmongoc on a\n"
	"    thread of its own (`destination` is the URI, `database` and `collection`\n"
	"    needed).\n"
	"    Instances that share a data source and update every are served by one walk\n"
	"    of the store. Their settings replace --type, --data-source, --update-every,\n"
	"    --prefix, --hostname, --send-*-matching and --ids. An unknown key, a bad\n"
	"    value or an enabled instance of a type this build cannot export is an error\n"
	"    naming FILE:LINE, the section and the key; mxpd then prints every error, one\n"
	"    per line, and does not start.\n"
	"    docs/CONFIG.md lists every key with its default.\n"
	"\n"
	"PLUGINS\n"
	"    With -c, each [plugin:NAME] section of exporting.conf runs an external\n"
	"    program that writes netdata's plugin protocol (CHART, DIMENSION, BEGIN, SET,\n"
	"    END, FLUSH, DISABLE, VARIABLE, LABEL, CLABEL) on its standard output; its\n"
	"    charts join this machine's and are exported with them:\n"
	"        [plugin:NAME]\n"
	"            command = PROGRAM [OPTIONS]    run by /bin/sh, with the update every\n"
	"                                           appended (netdata's argument)\n"
	"            update every = 1               seconds (NETDATA_UPDATE_EVERY too)\n"
	"            enabled = yes\n"
	"    A plugin that exits is started again after 1 s, doubling to 60 s; one that\n"
	"    writes DISABLE or exits with status 1 is not. A line mxp cannot take is\n"
	"    counted, and the first of each kind logged; it never stops the plugin. At\n"
	"    stop a plugin gets SIGTERM (SIGKILL 2 s later) and the log says what was\n"
	"    read from it.\n"
	"\n"
	"STREAMING (mxpd as a netdata parent)\n"
	"    With -c and a [stream] section, netdata children stream to mxpd as to a\n"
	"    netdata parent; their charts are exported with this machine's:\n"
	"        [stream]\n"
	"            listen = 0.0.0.0:19999         [IP:]PORT, the children's destination\n"
	"            stream config = /etc/netdata/stream.conf\n"
	"            timeout seconds = 60           a silent child is disconnected\n"
	"    stream config is netdata's own stream.conf: its [API_KEY] sections (enabled,\n"
	"    allow from) say who may stream, its [MACHINE_GUID] sections may refuse one.\n"
	"    Each child gets a host of its name with its labels and tags; a child that\n"
	"    connects again resumes its host. mxpd speaks protocol version 4 at most\n"
	"    (labels, no compression or replication).\n"
	"\n"
	"OPTIONS\n"
	"    -c, --config FILE\n"
	"        Read netdata.conf or exporting.conf (see CONFIGURATION).\n"
	"    --check\n"
	"        With -c: print every instance with each key's effective value and where it\n"
	"        came from (default, [exporting:global], type section, instance, with file\n"
	"        and line), then the warnings and errors; exit 0 when there is no error, 1\n"
	"        otherwise. Passwords, tokens and secret keys are never printed, here or in\n"
	"        the log; a file holding one that every user can read gets a warning (at\n"
	"        start too): chmod o-r it.\n"
	"    -D, --foreground\n"
	"        Stay in the foreground (mxpd always does; under systemd it runs as a simple\n"
	"        service). Accepted for netdata's habit.\n"
	"    --synthetic HOSTS,CHARTS,DIMS\n"
	"        Instead of /proc, generate HOSTS x CHARTS x DIMS series with plausible\n"
	"        values (random walks and counters), for benchmarks and demonstrations.\n"
	"        Without -c, a summary of each export (records, bytes, milliseconds) goes\n"
	"        to standard error; with -c, --stats shows what each export did.\n"
	"    -t, --type TYPE\n"
	"        The record format: graphite (graphite:plaintext), opentsdb (opentsdb:telnet)\n"
	"        or json (json:plaintext). Default: graphite.\n"
	"    -s, --data-source SOURCE\n"
	"        as collected (also raw, as-collected, as_collected, ascollected): the raw\n"
	"        integer the collector read, at its collection time; average: the mean of the\n"
	"        stored values of the window; sum (also volume): their sum. Default here: as\n"
	"        collected (netdata's default, average, prints its first line only after\n"
	"        about three seconds, since it steps back two collections).\n"
	"    -u, --update-every SECONDS\n"
	"        Seconds between exports, at least 1. Default: 1.\n"
	"    --prefix PREFIX\n"
	"        The first component of every metric name. Default: netdata.\n"
	"    --hostname NAME\n"
	"        The host name sent for this machine. Default: this machine's host name.\n"
	"    --send-charts-matching PATTERN\n"
	"        A netdata simple pattern (space-separated globs, ! to exclude, first match\n"
	"        decides) tested against each chart's id and name. Default: *.\n"
	"    --send-hosts-matching PATTERN\n"
	"        The same, tested against host names (this machine is \"localhost\").\n"
	"        Default: localhost *.\n"
	"    --ids\n"
	"        Send chart and dimension ids instead of names.\n"
	"    -n, --count N\n"
	"        Stop after N rounds of exports. Default: run until interrupted.\n"
	"    --formatters N\n"
	"        Formatter threads of each pipeline (one pipeline, and one walk of the\n"
	"        store, per group of instances that share a data source and update every;\n"
	"        1 to 256). Default: the largest `formatter threads` of the group, else one\n"
	"        per core but one (at least one): the collector and the sender need a core\n"
	"        too.\n"
	"    --stats\n"
	"        With -c: after each export, print each instance's self-monitoring values to\n"
	"        standard output (metrics buffered/sent/lost, bytes, operations, each\n"
	"        thread's CPU in ms/s, and what was lost by reason: buffer full, rejected,\n"
	"        too large, shutdown): what the netdata.backend_* and netdata.mxp_* charts\n"
	"        show. At exit, a totals line per instance: produced = delivered +\n"
	"        buffered + lost, with the reasons.\n"
	"    --io io_uring|epoll\n"
	"        The sender's I/O. Default: io_uring, or epoll where io_uring is unavailable\n"
	"        (or the environment sets MXP_IO=epoll); the log says which one runs.\n"
	"    -q, --quiet\n"
	"        Log only warnings and errors.\n"
	"    --log stderr|syslog\n"
	"        Where log lines go. Default: standard error, with time and level (under\n"
	"        systemd the journal keeps them). syslog: the daemon facility, ident mxpd.\n"
	"        An event that repeats is logged at most once per period, with a count of\n"
	"        the ones held back: a receiver that keeps failing or a dropped interval\n"
	"        every 10 s, a receiver's answers and late exports once a minute.\n"
	"    -h, --help\n"
	"        Print this text.\n"
	"    -V, --version\n"
	"        Print the version.\n"
	"\n"
	"OUTPUT\n"
	"    graphite:  PREFIX.HOST.CHART.DIM VALUE TIMESTAMP\n"
	"    opentsdb:  put PREFIX.CHART.DIM TIMESTAMP VALUE host=HOST\n"
	"    json:      one JSON object per line with prefix, hostname, chart and dimension\n"
	"               ids and names, units, value and timestamp.\n"
	"    Values as collected are integers; averages and sums have 7 decimals.\n"
	"    Timestamps are seconds since the epoch. Logs go to standard error.\n"
	"\n"
	"EXIT STATUS\n"
	"    0 when stopped by a signal or after --count exports, or --check found no error;\n"
	"    1 on a configuration error or a runtime error; 2 on a bad argument.\n"
	"\n"
	"EXAMPLES\n"
	"    mxpd\n"
	"    mxpd --type json --count 3\n"
	"    mxpd --data-source average --send-charts-matching 'system.*'\n"
	"    mxpd --synthetic 10,100,10 --update-every 5 > /dev/null\n"
	"    mxpd --check -c /etc/netdata/exporting.conf\n"
	"    mxpd -c exporting.conf     (with a [plugin:NAME] section and an instance)\n"
	"    mxpd -c /etc/netdata/netdata.conf --count 1\n";

static atomic_int stopping; /* set by signals and by either thread */

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

struct feeder {
	pthread_t thread;
	struct mxp_proc_source *proc;
	struct mxp_synthetic *synthetic;
	int update_every;
};

/* Sleeps until the next multiple of step_ns on the monotonic clock; returns that time. */
static int64_t sleep_until_next(int64_t step_ns)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	int64_t next = (ns / step_ns + 1) * step_ns;
	struct timespec until = {.tv_sec = next / 1000000000, .tv_nsec = next % 1000000000};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR && !stopping)
		;
	return next;
}

/* One instance's exports: its settings, its pipeline, and the end of its last window. */
struct job {
	const char *name;
	const char *type;
	struct mxp_export_settings set;
	unsigned formatters;
	struct mxp_pipeline *pipeline;
	time_t after;
	long exports;
	size_t bytes;            /* of the window being delivered (sink thread, then owner) */
	int write_errno;         /* set by deliver on a failed write */
};

/* The pipeline's sink hands each formatter's output here: standard output, until mxp
 * sends over the network. Runs on the sink thread; the owner reads bytes/write_errno
 * after the export returned (the pipeline orders them). */
static int deliver_stdout(void *arg, const char *data, size_t len, long records)
{
	struct job *jb = arg;
	(void)records;
	if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
		jb->write_errno = errno ? errno : EIO;
		return -jb->write_errno;
	}
	jb->bytes += len;
	return 0;
}

#define MXPD_MAX_JOBS 64

/* The agent's side: collects every source on its own thread, never waiting for the
 * exporter (that is the store's promise). */
static void *feeder_main(void *arg)
{
	struct feeder *f = arg;
	int last_rc = 0;
	while (!stopping) {
		struct timeval now;
		gettimeofday(&now, NULL);
		int rc = f->proc != NULL ? mxp_proc_source_collect(f->proc, &now) : 0;
		/* what could be read was published; say so once when reading starts failing
		 * and once when it recovers, not every second */
		if (rc != 0 && rc != last_rc)
			mxp_log(MXP_LOG_WARNING, "cannot read part of /proc: %s; its charts get gaps", strerror(-rc));
		else if (rc == 0 && last_rc != 0)
			mxp_log(MXP_LOG_INFO, "reading /proc works again");
		last_rc = rc;
		if (f->synthetic != NULL)
			mxp_synthetic_collect(f->synthetic, &now);
		sleep_until_next((int64_t)f->update_every * 1000000000);
	}
	return NULL;
}

#define MXPD_MAX_PLUGINS 256

/* Starts a runner per enabled [plugin:NAME], writing into this machine's host (the one
 * named `hostname`, added when the synthetic source took the first places). */
static int start_plugins(struct mxp_store *store, const struct mxp_conf *conf, const char *hostname,
			 struct mxp_plugin_runner **runners, size_t *n)
{
	struct mxp_host *local = NULL;
	for (size_t i = 0; i < conf->nplugins; i++) {
		const struct mxp_plugin_conf *pc = &conf->plugins[i];
		if (!pc->enabled)
			continue;
		if (*n == MXPD_MAX_PLUGINS) {
			mxp_log(MXP_LOG_ERROR, "more than %d plugins: [plugin:%s] and the ones after it are not started",
				MXPD_MAX_PLUGINS, pc->name);
			break;
		}
		if (local == NULL)
			local = mxp_host_find(store, hostname);
		if (local == NULL)
			local = mxp_host_add(store, hostname, NULL, NULL, 0);
		struct mxp_plugin_runner *r = local ? mxp_plugin_runner_start(local, pc) : NULL;
		if (r == NULL) {
			mxp_log(MXP_LOG_ERROR, "[plugin:%s]: cannot start: %s", pc->name, strerror(errno));
			return -1;
		}
		runners[(*n)++] = r;
	}
	return 0;
}

/* Stops every runner (each says what it read). */
static void stop_plugins(struct mxp_plugin_runner **runners, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mxp_plugin_runner_stop(runners[i]);
}

static double elapsed_ms(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) * 1e3 + (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

static int bad_arg(const char *fmt, const char *what)
{
	fprintf(stderr, "mxpd: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\nmxpd: try 'mxpd --help'\n");
	return 2;
}

int main(int argc, char **argv)
{
	enum {
		OPT_SYNTHETIC = 256,
		OPT_PREFIX,
		OPT_HOSTNAME,
		OPT_CHARTS,
		OPT_HOSTS,
		OPT_IDS,
		OPT_CHECK,
		OPT_LOG,
		OPT_FORMATTERS,
		OPT_STATS,
		OPT_IO,
	};
	static const struct option longopts[] = {
		{"synthetic", required_argument, NULL, OPT_SYNTHETIC},
		{"type", required_argument, NULL, 't'},
		{"data-source", required_argument, NULL, 's'},
		{"update-every", required_argument, NULL, 'u'},
		{"prefix", required_argument, NULL, OPT_PREFIX},
		{"hostname", required_argument, NULL, OPT_HOSTNAME},
		{"send-charts-matching", required_argument, NULL, OPT_CHARTS},
		{"send-hosts-matching", required_argument, NULL, OPT_HOSTS},
		{"ids", no_argument, NULL, OPT_IDS},
		{"config", required_argument, NULL, 'c'},
		{"check", no_argument, NULL, OPT_CHECK},
		{"foreground", no_argument, NULL, 'D'},
		{"log", required_argument, NULL, OPT_LOG},
		{"formatters", required_argument, NULL, OPT_FORMATTERS},
		{"stats", no_argument, NULL, OPT_STATS},
		{"io", required_argument, NULL, OPT_IO},
		{"count", required_argument, NULL, 'n'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};

	const char *synthetic = NULL, *type = "graphite", *charts_pattern = "*";
	const char *hosts_pattern = "localhost *";
	char hostname[256] = "localhost";
	gethostname(hostname, sizeof(hostname) - 1);
	struct mxp_export_settings set = {
		.source = MXP_SOURCE_AS_COLLECTED,
		.prefix = "netdata",
		.hostname = hostname,
		.send_names = true,
		.update_every = 1,
	};
	long count = -1;
	bool quiet = false, check = false, use_syslog = false;
	const char *conf_file = NULL;
	unsigned formatters = 0; /* 0: the config's `formatter threads`, else the default */
	bool stats = false;
	enum mxp_exporter_io io = MXP_EXPORTER_IO_AUTO;

	int opt;
	while ((opt = getopt_long(argc, argv, "c:Dt:s:u:n:qhV", longopts, NULL)) != -1) {
		char *end;
		switch (opt) {
		case OPT_SYNTHETIC:
			synthetic = optarg;
			break;
		case 't':
			type = optarg;
			break;
		case 's':
			if (mxp_source_parse(optarg, &set.source) != 0)
				return bad_arg("invalid data source '%s' (as collected, average or sum)", optarg);
			break;
		case 'u':
			errno = 0;
			set.update_every = (int)strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || set.update_every < 1 || set.update_every > 86400)
				return bad_arg("invalid update every '%s' (whole seconds, 1 to 86400)", optarg);
			break;
		case OPT_PREFIX:
			set.prefix = optarg;
			break;
		case OPT_HOSTNAME:
			set.hostname = optarg;
			break;
		case OPT_CHARTS:
			charts_pattern = optarg;
			break;
		case OPT_HOSTS:
			hosts_pattern = optarg;
			break;
		case OPT_IDS:
			set.send_names = false;
			break;
		case 'c':
			conf_file = optarg;
			break;
		case OPT_CHECK:
			check = true;
			break;
		case 'D':
			break; /* mxpd always stays in the foreground */
		case OPT_FORMATTERS: {
			errno = 0;
			long nf = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || nf < 1 || nf > 256)
				return bad_arg("invalid --formatters '%s' (1 to 256)", optarg);
			formatters = (unsigned)nf;
			break;
		}
		case OPT_STATS:
			stats = true;
			break;
		case OPT_IO:
			if (strcmp(optarg, "io_uring") == 0 || strcmp(optarg, "uring") == 0)
				io = MXP_EXPORTER_IO_URING;
			else if (strcmp(optarg, "epoll") == 0)
				io = MXP_EXPORTER_IO_EPOLL;
			else
				return bad_arg("invalid --io '%s' (io_uring or epoll)", optarg);
			break;
		case OPT_LOG:
			if (strcmp(optarg, "syslog") == 0)
				use_syslog = true;
			else if (strcmp(optarg, "stderr") != 0)
				return bad_arg("invalid --log '%s' (stderr or syslog)", optarg);
			break;
		case 'n':
			errno = 0;
			count = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || count < 1)
				return bad_arg("invalid count '%s' (a whole number, at least 1)", optarg);
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("mxpd %s\n", MXPD_VERSION);
			return 0;
		default:
			fprintf(stderr, "mxpd: try 'mxpd --help'\n");
			return 2;
		}
	}
	if (optind < argc)
		return bad_arg("unexpected argument '%s'", argv[optind]);
	unsigned nh = 0, nc = 0, nd = 0;
	if (synthetic != NULL && mxp_synthetic_parse(synthetic, &nh, &nc, &nd) != 0)
		return bad_arg("invalid --synthetic '%s' (HOSTS,CHARTS,DIMS, each at least 1)", synthetic);
	if (check && conf_file == NULL)
		return bad_arg("%s needs a configuration file: mxpd --check -c FILE", "--check");
	if (stats && conf_file == NULL)
		return bad_arg("%s needs a configuration file: mxpd --stats -c FILE", "--stats");

	mxp_log_configure(use_syslog ? mxp_log_syslog_sink : NULL, NULL, quiet ? MXP_LOG_WARNING : MXP_LOG_INFO);

	struct mxp_conf *conf = NULL;
	if (conf_file != NULL) {
		conf = mxp_conf_load(conf_file);
		if (conf == NULL) {
			fprintf(stderr, "mxpd: out of memory\n");
			return 1;
		}
		if (check) {
			mxp_conf_print(conf, stdout);
			for (size_t i = 0; i < conf->nwarnings; i++)
				printf("warning: %s\n", conf->warnings[i]);
			for (size_t i = 0; i < conf->nerrors; i++)
				printf("error: %s\n", conf->errors[i]);
			printf("%s: %zu error%s, %zu warning%s\n", conf->file, conf->nerrors, conf->nerrors == 1 ? "" : "s",
			       conf->nwarnings, conf->nwarnings == 1 ? "" : "s");
			int check_rc = conf->nerrors ? 1 : 0;
			mxp_conf_free(conf);
			return check_rc;
		}
		for (size_t i = 0; i < conf->nwarnings; i++)
			mxp_log(MXP_LOG_WARNING, "%s", conf->warnings[i]);
		if (conf->nerrors != 0) {
			/* one line per error, then refuse: a half-understood config exports wrongly */
			for (size_t i = 0; i < conf->nerrors; i++)
				fprintf(stderr, "mxpd: %s\n", conf->errors[i]);
			fprintf(stderr, "mxpd: not starting: %zu error%s in %s (mxpd --check -c %s lists every setting)\n",
				conf->nerrors, conf->nerrors == 1 ? "" : "s", conf->file, conf->file);
			mxp_conf_free(conf);
			return 1;
		}
	}

	/* the export jobs: one from the command line, or one per enabled instance */
	struct job jobs[MXPD_MAX_JOBS];
	size_t njobs = 0;
	struct mxp_pattern *charts = NULL, *hosts = NULL;
	if (conf == NULL) {
		set.format = mxp_format_find(type);
		if (set.format == NULL)
			return bad_arg("unknown type '%s' (graphite, opentsdb or json)", type);
		if (mxp_pattern_create(charts_pattern, &charts) != 0 || mxp_pattern_create(hosts_pattern, &hosts) != 0) {
			fprintf(stderr, "mxpd: out of memory\n");
			return 1;
		}
		if (charts == NULL)
			mxp_log(MXP_LOG_WARNING, "--send-charts-matching is empty: nothing will be exported (as netdata)");
		set.charts = charts;
		set.hosts = hosts;
		jobs[njobs++] = (struct job){.name = "command line", .type = type, .set = set, .formatters = formatters};
	} else {
		/* the exporter (mxp/exporter.h) reads the same file and sends each enabled
		 * instance to its destinations; mxpd only feeds the store and ticks */
		size_t enabled = 0;
		for (size_t i = 0; i < conf->ninstances; i++)
			enabled += conf->instances[i].enabled;
		if (enabled == 0) {
			fprintf(stderr, "mxpd: %s: no instance is enabled: nothing to export\n", conf->file);
			mxp_conf_free(conf);
			return 1;
		}
	}

	int rc = 1;
	struct mxp_plugin_runner *plugins[MXPD_MAX_PLUGINS];
	size_t nplugins = 0;
	struct mxp_stream_receiver *receiver = NULL;
	struct mxp_store *store = mxp_store_new(NULL);
	struct feeder feeder = {.update_every = 1};
	size_t ready = 0;
	struct mxp_exporter *exporter = NULL;
	if (store == NULL)
		goto done;

	if (synthetic != NULL) {
		feeder.synthetic = mxp_synthetic_new(store, nh, nc, nd, 1, 42);
		if (feeder.synthetic == NULL) {
			mxp_log(MXP_LOG_ERROR, "cannot create %u x %u x %u synthetic series: %s", nh, nc, nd,
				strerror(errno));
			goto done;
		}
	} else {
		struct mxp_host *local = mxp_host_add(store, hostname, NULL, NULL, 0);
		feeder.proc = local ? mxp_proc_source_new(local, 1) : NULL;
		if (feeder.proc == NULL) {
			mxp_log(MXP_LOG_ERROR, "cannot read this machine's /proc: %s", strerror(errno));
			goto done;
		}
	}
	const unsigned by_default = mxp_pipeline_default_formatters();
	time_t start = time(NULL);
	for (; ready < njobs; ready++) {
		struct job *jb = &jobs[ready];
		jb->pipeline = mxp_pipeline_new(store, &jb->set, jb->formatters ? jb->formatters : by_default, deliver_stdout, jb);
		if (jb->pipeline == NULL) {
			mxp_log(MXP_LOG_ERROR, "[%s] cannot start the pipeline: %s", jb->name, strerror(errno));
			goto done;
		}
		jobs[ready].after = start;
		const struct mxp_export_settings *js = &jobs[ready].set;
		if (synthetic != NULL)
			mxp_log(MXP_LOG_INFO, "[%s] exporting %zu synthetic series (%u hosts x %u charts x %u dims) %s, "
					      "every %d s, as %s lines on standard output",
				jobs[ready].name, mxp_synthetic_series(feeder.synthetic), nh, nc, nd,
				mxp_source_name(js->source), js->update_every, jobs[ready].type);
		else
			mxp_log(MXP_LOG_INFO, "[%s] exporting %zu charts of this machine (%s) %s, every %d s, as %s lines "
					      "on standard output; Ctrl-C stops",
				jobs[ready].name, mxp_proc_source_charts(feeder.proc), js->hostname,
				mxp_source_name(js->source), js->update_every, jobs[ready].type);
	}

	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (conf != NULL) {
		struct mxp_exporter_options eo = {.formatters = formatters, .io = io, .manual = 1,
						  .stats = stats ? stdout : NULL, .self_charts = 1};
		exporter = mxp_exporter_start(store, conf_file, &eo);
		if (exporter == NULL) {
			fprintf(stderr, "mxpd: not starting: %s\n", strerror(errno));
			goto done;
		}
		if (synthetic != NULL)
			mxp_log(MXP_LOG_INFO, "feeding %zu synthetic series (%u hosts x %u charts x %u dims)",
				mxp_synthetic_series(feeder.synthetic), nh, nc, nd);
		else
			mxp_log(MXP_LOG_INFO, "feeding %zu charts of this machine", mxp_proc_source_charts(feeder.proc));
	}

	if (conf != NULL && start_plugins(store, conf, hostname, plugins, &nplugins) != 0)
		goto done;
	if (conf != NULL && conf->stream.present && conf->stream.enabled &&
	    (receiver = mxp_stream_receiver_start(store, &conf->stream)) == NULL) {
		fprintf(stderr, "mxpd: not starting: [stream] listen = %s: %s\n", conf->stream.listen, strerror(errno));
		goto done;
	}
	if (pthread_create(&feeder.thread, NULL, feeder_main, &feeder) != 0)
		goto done;
	/* its own name, so that "mxpd" is the main thread alone: with -c, the exporter's
	 * scheduler (manual mode), which bench_netdata.sh counts as an exporting thread */
	pthread_setname_np(feeder.thread, "mxp-feed");

	rc = 0;
	long rounds = 0;
	while (exporter != NULL && !stopping && (count < 0 || rounds < count)) {
		/* asleep until an export is due, not woken every second in between: a
		 * wake-up costs ~20 us of CPU on the shared VM, and with update every = 10
		 * the nine that found nothing due were ~0.2 ms of the ~0.5 ms this thread
		 * spent per export (docs/ARCHITECTURE.md, "Schedule") */
		struct timespec until = {.tv_sec = (time_t)mxp_exporter_next_tick(exporter), .tv_nsec = 0};
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR && !stopping)
			;
		if (stopping)
			break;
		rounds += mxp_exporter_tick(exporter) > 0;
	}
	while (exporter == NULL && !stopping && (count < 0 || rounds < count) && njobs > 0) {
		/* the seed's schedule: each instance wakes on multiples of its update every on
		 * the monotonic clock; a one-second tick serves them all */
		int64_t mono = sleep_until_next(1000000000) / 1000000000;
		if (stopping)
			break;
		bool exported = false;
		for (size_t j = 0; j < njobs && rc == 0; j++) {
			struct job *jb = &jobs[j];
			if (mono % jb->set.update_every != 0)
				continue;
			time_t before = time(NULL);
			struct timespec t0;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			jb->bytes = 0;
			long records = mxp_pipeline_export(jb->pipeline, jb->after, before);
			jb->after = before;
			exported = true;
			if (records < 0 && jb->write_errno != 0) {
				if (jb->write_errno != EPIPE)
					mxp_log(MXP_LOG_ERROR, "cannot write to standard output: %s", strerror(jb->write_errno));
				stopping = 1; /* the reader went away: a normal end for `mxpd | head` */
				break;
			}
			if (records < 0) {
				mxp_log(MXP_LOG_ERROR, "[%s] export failed: %s; stopping", jb->name, strerror((int)-records));
				rc = 1;
				break;
			}
			if (synthetic != NULL)
				mxp_log(MXP_LOG_INFO, "[%s] export %ld: %ld records, %zu bytes in %.1f ms", jb->name,
					++jb->exports, records, jb->bytes, elapsed_ms(&t0));
		}
		if (rc != 0)
			break;
		rounds += exported;
	}
	stopping = 1;
	pthread_join(feeder.thread, NULL);

done:
	mxp_stream_receiver_stop(receiver);
	stop_plugins(plugins, nplugins);
	mxp_exporter_stop(exporter, 5000);
	for (size_t j = 0; j < ready; j++)
		mxp_pipeline_free(jobs[j].pipeline);
	mxp_proc_source_free(feeder.proc);
	mxp_synthetic_free(feeder.synthetic);
	mxp_store_free(store);
	mxp_pattern_free(charts);
	mxp_pattern_free(hosts);
	mxp_conf_free(conf);
	return rc;
}
