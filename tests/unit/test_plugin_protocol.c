/* test_plugin_protocol.c — netdata's plugins.d protocol into the store: every command,
 * netdata's word splitting, timing by BEGIN's microseconds, and each malformed kind
 * counted, reported once and survived. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "collect/plugin_protocol.h"
#include "collect/store_internal.h"

static struct mxp_store *store;
static struct mxp_host *host;
static struct mxp_pp *pp;

/* what the problem callback saw */
static unsigned reports[MXP_PP_NPROBLEMS];
static char last_report[600];

static void on_problem(void *arg, enum mxp_pp_problem kind, uint64_t line_no, const char *line, const char *why)
{
	(void)arg;
	reports[kind]++;
	snprintf(last_report, sizeof(last_report), "%llu: %s: %s", (unsigned long long)line_no, line, why);
}

static void setup(void)
{
	struct mxp_store_options o = {.history = 16};
	store = mxp_store_new(&o);
	host = mxp_host_add(store, "local", NULL, NULL, 0);
	struct mxp_pp_callbacks cb = {.problem = on_problem};
	pp = mxp_pp_new(host, 1, &cb);
	cr_assert_not_null(pp);
	memset(reports, 0, sizeof(reports));
	last_report[0] = '\0';
}

static void teardown(void)
{
	mxp_pp_free(pp);
	mxp_store_free(store);
}

TestSuite(pp, .init = setup, .fini = teardown);

static const struct timeval T0 = {.tv_sec = 1700000000, .tv_usec = 250000};

/* Feeds text (copied: feed modifies it) at time tv. */
static enum mxp_pp_result feed_at(const char *text, struct timeval tv)
{
	char *copy = strdup(text);
	enum mxp_pp_result r = mxp_pp_feed(pp, copy, strlen(copy), &tv);
	free(copy);
	return r;
}

static enum mxp_pp_result feed(const char *text)
{
	return feed_at(text, T0);
}

static struct timeval at(time_t s, long us)
{
	return (struct timeval){.tv_sec = s, .tv_usec = us};
}

static struct mxp_pp_stats stats(void)
{
	struct mxp_pp_stats s;
	mxp_pp_get_stats(pp, &s);
	return s;
}

static double slot(const struct mxp_dim *d, time_t t)
{
	return mxp_dim_slot_at(d, t);
}

Test(pp, a_chart_its_dims_and_an_update_reach_the_store)
{
	feed("CHART example.random '' 'A random number' 'things' 'fam' 'example.random' line 1000 1\n"
	     "DIMENSION a 'alpha' absolute 1 1\n"
	     "DIMENSION b '' incremental 10 100\n"
	     "BEGIN example.random\n"
	     "SET a = 42\n"
	     "SET b = 1000\n"
	     "END\n");
	struct mxp_chart *c = mxp_chart_find(host, "example.random");
	cr_assert_not_null(c);
	cr_assert_eq(c, mxp_pp_chart(pp, "example.random"));
	cr_assert_str_eq(c->title, "A random number");
	cr_assert_str_eq(c->units, "things");
	cr_assert_str_eq(c->family, "fam");
	cr_assert_str_eq(c->chart_type, "line");
	cr_assert_eq(c->update_every, 1);
	struct mxp_dim *a = mxp_dim_find(c, "a"), *b = mxp_dim_find(c, "b");
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_assert_str_eq(a->name, "alpha");
	cr_assert_str_eq(b->name, "b", "an empty name is the id");
	cr_assert_eq(b->algorithm, MXP_ALG_INCREMENTAL);
	cr_assert_eq(b->multiplier, 10);
	cr_assert_eq(b->divisor, 100);
	cr_assert_eq(mxp_dim_last_collected_value(a), 42);
	cr_assert_eq(mxp_dim_last_collected_value(b), 1000);
	cr_assert_eq(mxp_dim_last_collected_usec(a), 1700000000250000LL, "timed by the clock given");
	struct mxp_pp_stats s = stats();
	cr_assert_eq(s.lines, 7);
	cr_assert_eq(s.charts, 1);
	cr_assert_eq(s.dims, 2);
	cr_assert_eq(s.updates, 1);
	cr_assert_eq(s.values, 2);
	cr_assert_eq(s.malformed, 0, "%s", last_report);
}

Test(pp, words_split_at_blanks_and_equals_quotes_hold_them)
{
	feed("CHART \"t.c\" \"\" \"a title with = and 'quotes'\" 'u n i t s'\n"
	     "DIMENSION x=y\n" /* '=' separates: id x, name y */
	     "BEGIN t.c\nSET x=-7\nEND\n"
	     "BEGIN\tt.c\r\nSET   x   =   9  \r\nEND\r\n");
	struct mxp_chart *c = mxp_chart_find(host, "t.c");
	cr_assert_not_null(c);
	cr_assert_str_eq(c->title, "a title with = and 'quotes'");
	cr_assert_str_eq(c->units, "u n i t s");
	struct mxp_dim *x = mxp_dim_find(c, "x");
	cr_assert_not_null(x);
	cr_assert_str_eq(x->name, "y");
	cr_assert_eq(mxp_dim_last_collected_value(x), 9);
	cr_assert_eq(stats().updates, 2);
	cr_assert_eq(stats().malformed, 0, "%s", last_report);
}

Test(pp, the_values_are_netdatas_stored_values)
{
	feed("CHART t.pct '' '' '' '' '' stacked\n"
	     "DIMENSION u '' percentage-of-incremental-row\n"
	     "DIMENSION s '' percentage-of-incremental-row\n");
	feed_at("BEGIN t.pct\nSET u = 100\nSET s = 100\nEND\n", at(1000, 0));
	feed_at("BEGIN t.pct 1000000\nSET u = 130\nSET s = 110\nEND\n", at(1001, 0));
	struct mxp_chart *c = mxp_chart_find(host, "t.pct");
	cr_assert_float_eq(slot(mxp_dim_find(c, "u"), 1001), 75.0, 1e-12);
	cr_assert_float_eq(slot(mxp_dim_find(c, "s"), 1001), 25.0, 1e-12);
}

Test(pp, begin_microseconds_time_the_update_after_the_last)
{
	feed("CHART t.c\nDIMENSION d\n");
	feed_at("BEGIN t.c\nSET d = 1\nEND\n", at(1000, 100000));
	/* arrives late (at 1001.9) but the plugin says it collected 1 s after the last */
	feed_at("BEGIN t.c 1000000\nSET d = 2\nEND\n", at(1001, 900000));
	struct mxp_dim *d = mxp_dim_find(mxp_chart_find(host, "t.c"), "d");
	cr_assert_eq(mxp_dim_last_collected_usec(d), 1001100000LL);
	cr_assert_eq(stats().resyncs, 0);
	/* microseconds that would put it 5 s away from the clock: the clock wins */
	feed_at("BEGIN t.c 6000000\nSET d = 3\nEND\n", at(1002, 100000));
	cr_assert_eq(mxp_dim_last_collected_usec(d), 1002100000LL);
	cr_assert_eq(stats().resyncs, 1);
}

Test(pp, an_empty_set_is_not_collected_and_flush_drops_the_update)
{
	feed("CHART t.c\nDIMENSION a\nDIMENSION b\n");
	feed_at("BEGIN t.c\nSET a = 5\nSET b = 6\nEND\n", at(1000, 0));
	feed_at("BEGIN t.c\nSET a = 7\nSET b =\nEND\n", at(1001, 0));
	struct mxp_chart *c = mxp_chart_find(host, "t.c");
	struct mxp_dim *a = mxp_dim_find(c, "a"), *b = mxp_dim_find(c, "b");
	cr_assert_eq(mxp_dim_last_collected_value(a), 7);
	cr_assert_eq(mxp_dim_last_collected_value(b), 6, "b not collected at 1001");
	cr_assert(isnan(slot(b, 1001)), "a gap where b was not collected");
	feed_at("BEGIN t.c\nSET a = 99\nFLUSH\nEND\n", at(1002, 0));
	cr_assert_eq(mxp_dim_last_collected_value(a), 7, "FLUSH dropped 99");
	struct mxp_pp_stats s = stats();
	cr_assert_eq(s.flushed, 1);
	cr_assert_eq(s.problems[MXP_PP_OUT_OF_ORDER], 1, "END after FLUSH has no BEGIN");
}

Test(pp, clabels_become_the_charts_labels)
{
	feed("CHART disk.sda 'root' 'Disk I/O' 'KiB/s' sda disk.io area 2000 2 '' proc.plugin diskstats\n"
	     "CLABEL \"_collect_plugin\" \"proc.plugin\" 1\n"
	     "CLABEL \"device\" \"sda\" 1\n"
	     "CLABEL \"device\" \"sdb\" 1\n"
	     "CLABEL_COMMIT\n"
	     "DIMENSION reads\n");
	struct mxp_chart *c = mxp_chart_find(host, "disk.sda");
	cr_assert_not_null(c);
	cr_assert_str_eq(c->name, "disk.root");
	cr_assert_eq(c->update_every, 2);
	cr_assert_str_eq(c->context, "disk.io");
	cr_assert_eq(c->nlabels, 2, "a label set twice keeps the last value");
	cr_assert_str_eq(c->labels[0].name, "_collect_plugin");
	cr_assert_str_eq(c->labels[1].value, "sdb");
	/* found by its name too, as netdata indexes charts */
	feed("BEGIN disk.root\nSET reads = 3\nEND\n");
	cr_assert_eq(mxp_dim_last_collected_value(mxp_dim_find(c, "reads")), 3);
	/* a name given with its type means the same */
	feed("CHART net.eth0 net.wan\nDIMENSION rx\n");
	cr_assert_str_eq(mxp_chart_find(host, "net.eth0")->name, "net.wan");
}

Test(pp, a_chart_defined_again_keeps_its_first_definition_and_gains_new_dims)
{
	feed("CHART t.c '' 'first'\nDIMENSION a\n");
	feed("CHART t.c '' 'second'\nCLABEL k v 1\nCLABEL_COMMIT\nDIMENSION a 'renamed'\nDIMENSION b\n");
	struct mxp_chart *c = mxp_chart_find(host, "t.c");
	cr_assert_str_eq(c->title, "first");
	cr_assert_eq(c->nlabels, 0);
	cr_assert_str_eq(mxp_dim_find(c, "a")->name, "a");
	cr_assert_not_null(mxp_dim_find(c, "b"));
	struct mxp_pp_stats s = stats();
	cr_assert_eq(s.charts, 1);
	cr_assert_eq(s.dims, 2);
	cr_assert_eq(s.ignored, 2, "the second chart's labels and dim a again");
	cr_assert_eq(s.malformed, 0, "%s", last_report);
}

Test(pp, an_obsolete_chart_leaves_the_store_and_may_come_back)
{
	feed("CHART t.c\nDIMENSION a\nBEGIN t.c\nSET a = 1\nEND\n");
	cr_assert_not_null(mxp_chart_find(host, "t.c"));
	feed("CHART t.c '' '' '' '' '' line 1000 1 'obsolete'\n");
	feed("BEGIN t.c\n"); /* commits the obsolete definition, then finds no chart */
	cr_assert_null(mxp_chart_find(host, "t.c"));
	cr_assert_null(mxp_pp_chart(pp, "t.c"));
	cr_assert_eq(stats().obsoleted, 1);
	cr_assert_eq(stats().problems[MXP_PP_NO_CHART], 1);
	feed("CHART t.c\nDIMENSION a\nBEGIN t.c\nSET a = 2\nEND\n");
	struct mxp_chart *c = mxp_chart_find(host, "t.c");
	cr_assert_not_null(c);
	cr_assert_eq(mxp_pp_chart(pp, "t.c"), c);
	cr_assert_eq(mxp_dim_last_collected_value(mxp_dim_find(c, "a")), 2);
	cr_assert_eq(stats().charts, 2);
}

Test(pp, a_chart_another_source_writes_is_refused)
{
	struct mxp_chart_def def = {.type = "system", .id = "cpu", .update_every = 1};
	struct mxp_chart *theirs = mxp_chart_add(host, &def);
	mxp_dim_add(theirs, "user", NULL, 1, 1, MXP_ALG_ABSOLUTE);
	feed("CHART system.cpu\nCLABEL_COMMIT\n");
	cr_assert(strstr(last_report, "system.cpu: another source writes a chart of this id") != NULL, "%s",
		  last_report);
	feed("DIMENSION user\nDIMENSION evil\nBEGIN system.cpu\nSET user = 5\nEND\n");
	cr_assert_null(mxp_dim_find(theirs, "evil"));
	cr_assert_eq(mxp_dim_collections(mxp_dim_find(theirs, "user")), 0, "never written by the parser");
	struct mxp_pp_stats s = stats();
	cr_assert_eq(s.problems[MXP_PP_CONFLICT], 1);
	cr_assert_eq(reports[MXP_PP_CONFLICT], 1);
}

/* Each malformed kind is counted every time and reported once; the good lines around
 * them still count. */
Test(pp, malformed_lines_are_counted_reported_once_and_survived)
{
	const char *bad[][2] = {
		{"HELLO world", "unknown command"},
		{"CHART nodot", "bad argument"},
		{"CHART .id", "bad argument"},
		{"CHART t.", "bad argument"},
		{"CHART t.c '' '' '' '' '' line 1 -5", "bad argument"},
		{"DIMENSION", "bad argument"},
		{"DIMENSION d '' absolute x", "bad argument"},
		{"BEGIN", "bad argument"},
		{"BEGIN t.c -1", "bad argument"},
		{"BEGIN nosuch.chart", "no such chart"},
		{"SET d = 1", "out of order"},
		{"END", "out of order"},
		{"VARIABLE x = abc", "bad argument"},
		{"VARIABLE HOST", "bad argument"},
		{"LABEL only", "bad argument"},
		{"CLABEL", "bad argument"},
		{"OVERWRITE what", "bad argument"},
	};
	feed("CHART t.c\nDIMENSION d\n");
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char line[200];
			snprintf(line, sizeof(line), "%s\n", bad[i][0]);
			feed(line);
		}
	feed("BEGIN t.c\nSET nosuch = 1\nSET d = 12abc\nSET d = 99999999999999999999\nSET d = 1.5\nSET d = 4\nEND\n");
	struct mxp_pp_stats s = stats();
	cr_assert_eq(s.problems[MXP_PP_UNKNOWN_COMMAND], 2);
	cr_assert_eq(s.problems[MXP_PP_BAD_ARGUMENT], 2 * 13);
	cr_assert_eq(s.problems[MXP_PP_NO_CHART], 2);
	cr_assert_eq(s.problems[MXP_PP_OUT_OF_ORDER], 4);
	cr_assert_eq(s.problems[MXP_PP_NO_DIMENSION], 1);
	cr_assert_eq(s.problems[MXP_PP_BAD_VALUE], 3);
	uint64_t sum = 0;
	for (int k = 0; k < MXP_PP_NPROBLEMS; k++) {
		sum += s.problems[k];
		cr_assert_leq(reports[k], 1, "%s reported %u times", mxp_pp_problem_name(k), reports[k]);
		cr_assert_eq(reports[k], s.problems[k] ? 1u : 0u, "%s", mxp_pp_problem_name(k));
	}
	cr_assert_eq(s.malformed, sum);
	cr_assert_eq(s.updates, 1, "the good update still went in");
	cr_assert_eq(mxp_dim_last_collected_value(mxp_dim_find(mxp_chart_find(host, "t.c"), "d")), 4);
	cr_assert_eq(s.variables, 0);
	feed("VARIABLE CHART pidmax = 32768.0000000\nVARIABLE x = -1\n");
	cr_assert_eq(stats().variables, 2);
}

Test(pp, a_report_names_the_line_number_and_its_words)
{
	feed("CHART t.c\n\nBOGUS 'a b' c\n");
	cr_assert_str_eq(last_report, "3: BOGUS a b c: not a command of netdata's plugin protocol");
}

Test(pp, begin_before_end_drops_the_first_update)
{
	feed("CHART t.c\nDIMENSION d\nBEGIN t.c\nSET d = 1\nBEGIN t.c\nSET d = 2\nEND\n");
	struct mxp_dim *d = mxp_dim_find(mxp_chart_find(host, "t.c"), "d");
	cr_assert_eq(mxp_dim_last_collected_value(d), 2);
	cr_assert_eq(mxp_dim_collections(d), 1);
	struct mxp_pp_stats s = stats();
	cr_assert_eq(s.flushed, 1);
	cr_assert_eq(s.problems[MXP_PP_OUT_OF_ORDER], 1);
}

Test(pp, disable_stops_reading)
{
	cr_assert_eq(feed("CHART t.c\nDIMENSION d\nDISABLE\nCHART t.e\n"), MXP_PP_DISABLE);
	cr_assert_null(mxp_chart_find(host, "t.e"), "nothing after DISABLE is read");
	cr_assert_eq(feed("CHART t.f\n"), MXP_PP_DISABLE);
	mxp_pp_reset(pp);
	cr_assert_eq(feed("CHART t.f\nDIMENSION d\n"), MXP_PP_CONTINUE, "a restarted plugin is read again");
	cr_assert_not_null(mxp_chart_find(host, "t.f"));
}

Test(pp, any_split_of_the_bytes_reads_the_same)
{
	const char *text = "CHART t.c '' 'title' u\nDIMENSION a\nDIMENSION b '' incremental\n"
			   "BEGIN t.c\nSET a = 10\nSET b = 20\nEND\nBEGIN t.c 1000000\nSET a = 11\nSET b = 25\nEND\n"
			   "NONSENSE\n";
	size_t len = strlen(text);
	for (size_t cut1 = 0; cut1 <= len; cut1 += 3) {
		for (size_t cut2 = cut1; cut2 <= len; cut2 += 7) {
			mxp_pp_free(pp);
			mxp_store_free(store);
			store = mxp_store_new(&(struct mxp_store_options){.history = 16});
			host = mxp_host_add(store, "local", NULL, NULL, 0);
			pp = mxp_pp_new(host, 1, NULL);
			char *buf = strdup(text);
			struct timeval tv = at(5000, 0);
			mxp_pp_feed(pp, buf, cut1, &tv);
			mxp_pp_feed(pp, buf + cut1, cut2 - cut1, &tv);
			mxp_pp_feed(pp, buf + cut2, len - cut2, &tv);
			free(buf);
			struct mxp_pp_stats s = stats();
			cr_assert_eq(s.lines, 12, "cuts %zu %zu", cut1, cut2);
			cr_assert_eq(s.updates, 2, "cuts %zu %zu", cut1, cut2);
			cr_assert_eq(s.values, 4);
			cr_assert_eq(s.malformed, 1);
			struct mxp_chart *c = mxp_chart_find(host, "t.c");
			cr_assert_eq(mxp_dim_last_collected_value(mxp_dim_find(c, "b")), 25);
		}
	}
}

Test(pp, a_line_too_long_is_skipped_to_its_newline)
{
	size_t n = MXP_PP_LINE_MAX + 100;
	char *big = malloc(n + 64);
	memcpy(big, "CHART t.c '' '", 14);
	memset(big + 14, 'x', n - 14);
	strcpy(big + n, "'\nCHART t.d\nDIMENSION d\n");
	/* in pieces, so that the long line spans feeds */
	struct timeval tv = T0;
	size_t len = strlen(big);
	for (size_t off = 0; off < len; off += 1000) {
		size_t k = len - off < 1000 ? len - off : 1000;
		mxp_pp_feed(pp, big + off, k, &tv);
	}
	free(big);
	struct mxp_pp_stats s = stats();
	cr_assert_eq(s.problems[MXP_PP_TOO_LONG], 1);
	cr_assert_null(mxp_chart_find(host, "t.c"));
	cr_assert_not_null(mxp_chart_find(host, "t.d"), "the next line is read");
	cr_assert_eq(s.lines, 3);
}

static struct mxp_label seen[8];
static size_t nseen;
static struct mxp_host *labels_host;

static struct mxp_host *on_labels(void *arg, const struct mxp_label *l, size_t n)
{
	(void)arg;
	nseen = n;
	for (size_t i = 0; i < n && i < 8; i++) {
		seen[i].name = strdup(l[i].name);
		seen[i].value = strdup(l[i].value);
	}
	return labels_host;
}

Test(pp, overwrite_labels_hands_the_host_labels_over)
{
	mxp_pp_free(pp);
	labels_host = mxp_host_add(store, "child", NULL, NULL, 0);
	struct mxp_pp_callbacks cb = {.problem = on_problem, .host_labels = on_labels};
	pp = mxp_pp_new(NULL, 1, &cb);
	feed("CHART t.early\n");
	feed("LABEL \"_os_name\" = 1 \"Debian GNU/Linux\"\nLABEL \"role\" = 2 \"db\"\nLABEL \"role\" = 2 \"web\"\n"
	     "OVERWRITE labels\nCHART t.c\nDIMENSION d\n");
	cr_assert_eq(nseen, 2);
	cr_assert_str_eq(seen[0].name, "_os_name");
	cr_assert_str_eq(seen[0].value, "Debian GNU/Linux");
	cr_assert_str_eq(seen[1].value, "web");
	cr_assert_eq(stats().problems[MXP_PP_NO_HOST], 1, "the chart before the host");
	cr_assert_not_null(mxp_chart_find(labels_host, "t.c"), "charts go to the host the callback gave");
	for (size_t i = 0; i < nseen; i++) {
		free((char *)seen[i].name);
		free((char *)seen[i].value);
	}
}

static int extra_calls;
static int on_command(void *arg, char **w, size_t n)
{
	(void)arg;
	if (strcmp(w[0], "CLAIMED_ID") == 0) {
		extra_calls++;
		return n == 3 ? 1 : -1;
	}
	return 0;
}

Test(pp, commands_it_does_not_know_go_to_the_embedder)
{
	mxp_pp_free(pp);
	struct mxp_pp_callbacks cb = {.problem = on_problem, .command = on_command};
	pp = mxp_pp_new(host, 1, &cb);
	feed("CLAIMED_ID abc NULL\nCLAIMED_ID\nWHAT\n");
	cr_assert_eq(extra_calls, 2);
	struct mxp_pp_stats s = stats();
	cr_assert_eq(s.problems[MXP_PP_BAD_ARGUMENT], 1);
	cr_assert_eq(s.problems[MXP_PP_UNKNOWN_COMMAND], 1);
}

Test(pp, many_dims_in_and_out_of_order)
{
	char line[128];
	feed("CHART big.c\n");
	for (int i = 0; i < 2000; i++) {
		snprintf(line, sizeof(line), "DIMENSION d%d\n", i);
		feed(line);
	}
	feed_at("BEGIN big.c\n", at(100, 0));
	for (int i = 1999; i >= 0; i--) { /* reverse: every lookup misses the cursor */
		snprintf(line, sizeof(line), "SET d%d = %d\n", i, i * 3);
		feed_at(line, at(100, 0));
	}
	feed_at("END\n", at(100, 0));
	struct mxp_chart *c = mxp_chart_find(host, "big.c");
	for (int i = 0; i < 2000; i += 111) {
		snprintf(line, sizeof(line), "d%d", i);
		cr_assert_eq(mxp_dim_last_collected_value(mxp_dim_find(c, line)), i * 3);
	}
	cr_assert_eq(stats().values, 2000);
	cr_assert_eq(stats().malformed, 0, "%s", last_report);
}
