/* test_formats.c — golden records: a small fixed store exported by mxp's formatters
 * (through the walk) and by the seed-like baseline (snprintf of the seed's strings),
 * compared with records written out here by hand from FORMATS.md §2 and §7. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/simple_pattern.h"
#include "engine/baseline.h"
#include "engine/export_walk.h"
#include "engine/pipeline.h"
#include "format/format.h"
#include "format/names.h"
#include "support/golden_store.h"

static struct mxp_store *store;
static struct mxp_pattern *all_charts;

static void build(const char *local_tags, const char *child_tags, bool gap_at_1003)
{
	store = golden_store_build(local_tags, child_tags, gap_at_1003);
	cr_assert_eq(mxp_pattern_create("*", &all_charts), 0);
}

static void teardown(void)
{
	mxp_store_free(store);
	mxp_pattern_free(all_charts);
	store = NULL;
	all_charts = NULL;
}

static struct mxp_export_settings settings(const char *type, enum mxp_source src)
{
	return golden_settings(type, src, all_charts);
}

static int append(void *arg, const char *data, size_t len, long records)
{
	(void)records;
	return mxp_buf_put(arg, data, len);
}

/* Exports [1000, 1010] with the walk, the baseline and a pipeline of one formatter
 * (which writes records from per-series templates, format.h) and checks all three
 * against expected: one formatter keeps the walk's order. */
static void check(const struct mxp_export_settings *s, const char *expected, long expected_records)
{
	struct mxp_buf out = {0};
	struct mxp_walk w;
	cr_assert_eq(mxp_walk_init(&w, store, s), 0);
	long n = mxp_walk_export(&w, 1000, 1010, &out);
	mxp_walk_fini(&w);
	cr_assert_eq(n, expected_records, "walk: %ld records, expected %ld", n, expected_records);
	cr_assert_eq(out.len, strlen(expected), "walk wrote:\n%.*s\nexpected:\n%s", (int)out.len, out.data,
		     expected);
	cr_assert(out.len == 0 || memcmp(out.data, expected, out.len) == 0, "walk wrote:\n%.*s\nexpected:\n%s", (int)out.len,
		     out.data, expected);

	struct mxp_baseline bl;
	mxp_buf_reset(&out);
	cr_assert_eq(mxp_baseline_init(&bl, store, s), 0);
	n = mxp_baseline_export(&bl, 1000, 1010, &out);
	mxp_baseline_fini(&bl);
	cr_assert_eq(n, expected_records, "baseline: %ld records", n);
	cr_assert_eq(out.len, strlen(expected), "baseline wrote:\n%.*s\nexpected:\n%s", (int)out.len, out.data,
		     expected);
	cr_assert(out.len == 0 || memcmp(out.data, expected, out.len) == 0, "baseline wrote:\n%.*s", (int)out.len, out.data);

	mxp_buf_reset(&out);
	uint64_t first_templates = 0;
	struct mxp_pipeline *p = mxp_pipeline_new(store, s, 1, append, &out);
	cr_assert_not_null(p);
	for (int round = 0; round < 2; round++) { /* the second from cached templates */
		mxp_buf_reset(&out);
		n = mxp_pipeline_export(p, 1000, 1010);
		cr_assert_eq(n, expected_records, "pipeline: %ld records", n);
		cr_assert_eq(out.len, strlen(expected), "pipeline wrote:\n%.*s\nexpected:\n%s", (int)out.len, out.data,
			     expected);
		cr_assert(out.len == 0 || memcmp(out.data, expected, out.len) == 0, "pipeline wrote:\n%.*s",
			  (int)out.len, out.data);
		struct mxp_pipeline_stats st;
		mxp_pipeline_stats(p, &st);
		/* rendered in the first window only; records of NaN values still get one */
		cr_assert_geq(st.templates, (uint64_t)(round == 0 ? expected_records : 0));
		if (round == 0)
			first_templates = st.templates;
		else
			cr_assert_eq(st.templates, first_templates, "the second window renders none");
	}
	mxp_pipeline_free(p);
	mxp_buf_free(&out);
}

TestSuite(golden, .fini = teardown);

Test(golden, graphite_average)
{
	build(NULL, NULL, false);
	struct mxp_export_settings s = settings("graphite", MXP_SOURCE_AVERAGE);
	/* points 998..1007: user 8..17 -> 12.5; sys 2..4.25 -> 3.125; reads 16..34 -> 25;
	 * child user 108..117 -> 112.5 */
	check(&s,
	      "netdata.myhost.system.cpu.user 12.5000000 1007\n"
	      "netdata.myhost.system.cpu.sys 3.1250000 1007\n"
	      "netdata.myhost.disk.root_disk.reads_1 25.0000000 1007\n"
	      "netdata.child1.system.cpu.user 112.5000000 1007\n",
	      4);
}

Test(golden, graphite_sum_with_ids_prefix_and_tags)
{
	build("a=1;b=2", "env=prod", false);
	struct mxp_export_settings s = settings("graphite:plaintext", MXP_SOURCE_SUM);
	s.send_names = false;
	s.prefix = "my.prefix";
	check(&s,
	      "my.prefix.myhost.system.cpu.user;a=1;b=2 125.0000000 1007\n"
	      "my.prefix.myhost.system.cpu.sys;a=1;b=2 31.2500000 1007\n"
	      "my.prefix.myhost.disk.sda_1.io_r;a=1;b=2 250.0000000 1007\n"
	      "my.prefix.child1.system.cpu.user;env=prod 1125.0000000 1007\n",
	      4);
}

Test(golden, graphite_as_collected)
{
	build(NULL, NULL, false);
	struct mxp_export_settings s = settings("graphite", MXP_SOURCE_AS_COLLECTED);
	/* the raw integers of the last collection (1012), at their own time */
	check(&s,
	      "netdata.myhost.system.cpu.user 22 1012\n"
	      "netdata.myhost.system.cpu.sys 22 1012\n"
	      "netdata.myhost.disk.root_disk.reads_1 22 1012\n"
	      "netdata.child1.system.cpu.user 122 1012\n",
	      4);
}

Test(golden, a_gap_changes_the_average)
{
	build(NULL, NULL, true);
	struct mxp_export_settings s = settings("graphite", MXP_SOURCE_AVERAGE);
	s.charts = NULL; /* replaced below: only system.cpu of localhost */
	struct mxp_pattern *p, *hosts;
	cr_assert_eq(mxp_pattern_create("system.cpu", &p), 0);
	cr_assert_eq(mxp_pattern_create("localhost", &hosts), 0);
	s.charts = p;
	s.hosts = hosts;
	check(&s,
	      "netdata.myhost.system.cpu.user 12.4444444 1007\n"
	      "netdata.myhost.system.cpu.sys 3.1250000 1007\n",
	      2);
	mxp_pattern_free(p);
	mxp_pattern_free(hosts);
}

Test(golden, opentsdb_telnet)
{
	build("env=prod dc=x", NULL, false);
	struct mxp_export_settings s = settings("opentsdb", MXP_SOURCE_AVERAGE);
	check(&s,
	      "put netdata.system.cpu.user 1007 12.5000000 host=myhost env=prod dc=x\n"
	      "put netdata.system.cpu.sys 1007 3.1250000 host=myhost env=prod dc=x\n"
	      "put netdata.disk.root_disk.reads_1 1007 25.0000000 host=myhost env=prod dc=x\n"
	      "put netdata.system.cpu.user 1007 112.5000000 host=child1\n",
	      4);
	s = settings("opentsdb:telnet", MXP_SOURCE_AS_COLLECTED);
	s.send_names = false;
	check(&s,
	      "put netdata.system.cpu.user 1012 22 host=myhost env=prod dc=x\n"
	      "put netdata.system.cpu.sys 1012 22 host=myhost env=prod dc=x\n"
	      "put netdata.disk.sda_1.io_r 1012 22 host=myhost env=prod dc=x\n"
	      "put netdata.system.cpu.user 1012 122 host=child1\n",
	      4);
}

Test(golden, json_lines)
{
	build("{\"env\":\"prod\"}", "k=v", false);
	struct mxp_export_settings s = settings("json", MXP_SOURCE_AVERAGE);
	/* json always carries both ids and names, raw; send names has no effect on it */
	s.send_names = false;
	check(&s,
	      "{\"prefix\":\"netdata\",\"hostname\":\"myhost\",\"host_tags\":{\"env\":\"prod\"},"
	      "\"chart_id\":\"system.cpu\",\"chart_name\":\"system.cpu\",\"chart_family\":\"cpu\","
	      "\"chart_context\": \"system.cpu\",\"chart_type\":\"system\",\"units\": \"percentage\","
	      "\"id\":\"user\",\"name\":\"user\",\"value\":12.5000000,\"timestamp\": 1007}\n"
	      "{\"prefix\":\"netdata\",\"hostname\":\"myhost\",\"host_tags\":{\"env\":\"prod\"},"
	      "\"chart_id\":\"system.cpu\",\"chart_name\":\"system.cpu\",\"chart_family\":\"cpu\","
	      "\"chart_context\": \"system.cpu\",\"chart_type\":\"system\",\"units\": \"percentage\","
	      "\"id\":\"sys\",\"name\":\"sys\",\"value\":3.1250000,\"timestamp\": 1007}\n"
	      "{\"prefix\":\"netdata\",\"hostname\":\"myhost\",\"host_tags\":{\"env\":\"prod\"},"
	      "\"chart_id\":\"disk.sda-1\",\"chart_name\":\"disk.root disk\",\"chart_family\":\"sda\","
	      "\"chart_context\": \"disk.io\",\"chart_type\":\"disk\",\"units\": \"KiB/s\","
	      "\"id\":\"io-r\",\"name\":\"reads 1\",\"value\":25.0000000,\"timestamp\": 1007}\n"
	      "{\"prefix\":\"netdata\",\"hostname\":\"child1\",\"host_tags\":\"k=v\","
	      "\"chart_id\":\"system.cpu\",\"chart_name\":\"system.cpu\",\"chart_family\":\"cpu\","
	      "\"chart_context\": \"system.cpu\",\"chart_type\":\"system\",\"units\": \"percentage\","
	      "\"id\":\"user\",\"name\":\"user\",\"value\":112.5000000,\"timestamp\": 1007}\n",
	      4);
}

Test(golden, json_as_collected_without_tags)
{
	build(NULL, NULL, false);
	struct mxp_export_settings s = settings("json:plaintext", MXP_SOURCE_AS_COLLECTED);
	struct mxp_pattern *p;
	cr_assert_eq(mxp_pattern_create("disk.*", &p), 0);
	s.charts = p;
	check(&s,
	      "{\"prefix\":\"netdata\",\"hostname\":\"myhost\","
	      "\"chart_id\":\"disk.sda-1\",\"chart_name\":\"disk.root disk\",\"chart_family\":\"sda\","
	      "\"chart_context\": \"disk.io\",\"chart_type\":\"disk\",\"units\": \"KiB/s\","
	      "\"id\":\"io-r\",\"name\":\"reads 1\",\"value\":22,\"timestamp\": 1012}\n",
	      1);
	mxp_pattern_free(p);
}

Test(golden, filters_match_id_or_name_and_hosts_as_localhost)
{
	build(NULL, NULL, false);
	struct mxp_export_settings s = settings("graphite", MXP_SOURCE_AS_COLLECTED);
	struct mxp_pattern *charts, *hosts;
	/* matches the disk chart by its name only, and excludes system.* */
	cr_assert_eq(mxp_pattern_create("!system.* disk.root*", &charts), 0);
	/* the first host matches as "localhost", not by its own name */
	cr_assert_eq(mxp_pattern_create("localhost", &hosts), 0);
	s.charts = charts;
	s.hosts = hosts;
	check(&s, "netdata.myhost.disk.root_disk.reads_1 22 1012\n", 1);

	mxp_pattern_free(hosts);
	cr_assert_eq(mxp_pattern_create("real-name child*", &hosts), 0);
	s.hosts = hosts;
	s.charts = all_charts;
	check(&s, "netdata.child1.system.cpu.user 122 1012\n", 1);
	mxp_pattern_free(charts);
	mxp_pattern_free(hosts);
}

Test(golden, empty_charts_pattern_exports_nothing)
{
	build(NULL, NULL, false);
	struct mxp_export_settings s = settings("graphite", MXP_SOURCE_AS_COLLECTED);
	s.charts = NULL; /* an empty `send charts matching` (seed quirk §10.17) */
	check(&s, "", 0);
}

Test(golden, nothing_collected_since_after_is_not_exported)
{
	build(NULL, NULL, false);
	struct mxp_export_settings s = settings("graphite", MXP_SOURCE_AS_COLLECTED);
	struct mxp_buf out = {0};
	struct mxp_walk w;
	cr_assert_eq(mxp_walk_init(&w, store, &s), 0);
	cr_assert_eq(mxp_walk_export(&w, 1013, 1020, &out), 0, "last collection was at 1012");
	cr_assert_eq(out.len, 0);
	mxp_walk_fini(&w);
	mxp_buf_free(&out);
}

Test(names, seed_name_copy)
{
	char out[MXP_NAME_MAX + 1];
	cr_assert_eq(mxp_name_copy(out, "disk.sda-1 x"), 12);
	cr_assert_str_eq(out, "disk.sda_1_x");
	mxp_name_copy(out, "caf\xc3\xa9.Z9");
	cr_assert_str_eq(out, "caf__.Z9", "each non-ASCII byte becomes one _");
	char longname[400];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	cr_assert_eq(mxp_name_copy(out, longname), MXP_NAME_MAX, "at most 200 bytes");
	cr_assert_eq(strlen(out), 200);
}

Test(names, format_types_and_aliases)
{
	cr_assert_eq(mxp_format_find("graphite"), &mxp_format_graphite);
	cr_assert_eq(mxp_format_find("graphite:plaintext"), &mxp_format_graphite);
	cr_assert_eq(mxp_format_find("opentsdb"), &mxp_format_opentsdb_telnet);
	cr_assert_eq(mxp_format_find("opentsdb:telnet"), &mxp_format_opentsdb_telnet);
	cr_assert_eq(mxp_format_find("json"), &mxp_format_json);
	cr_assert_eq(mxp_format_find("json:plaintext"), &mxp_format_json);
	cr_assert_null(mxp_format_find("Graphite"), "type values are case-sensitive");
	cr_assert_eq(mxp_format_find("prometheus_remote_write"), &mxp_format_remote_write);
	bool tls = true;
	cr_assert_eq(mxp_format_find_tls("prometheus_remote_write:http", &tls), &mxp_format_remote_write);
	cr_assert_not(tls);
	cr_assert_eq(mxp_format_find_tls("opentsdb:https", &tls), &mxp_format_opentsdb_http);
	cr_assert(tls);
	cr_assert_eq(mxp_format_find("kinesis"), &mxp_format_kinesis);
	cr_assert_eq(mxp_format_find("mongodb"), &mxp_format_mongodb);
	cr_assert_null(mxp_format_find("pubsub"), "not sent by mxp");
}

Test(names, data_source_aliases)
{
	static const struct {
		const char *s;
		enum mxp_source src;
	} ok[] = {
		{"raw", MXP_SOURCE_AS_COLLECTED},     {"as collected", MXP_SOURCE_AS_COLLECTED},
		{"as-collected", MXP_SOURCE_AS_COLLECTED}, {"as_collected", MXP_SOURCE_AS_COLLECTED},
		{"ascollected", MXP_SOURCE_AS_COLLECTED},  {"average", MXP_SOURCE_AVERAGE},
		{"sum", MXP_SOURCE_SUM},                  {"volume", MXP_SOURCE_SUM},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		enum mxp_source src = 0;
		cr_assert_eq(mxp_source_parse(ok[i].s, &src), 0, "%s", ok[i].s);
		cr_assert_eq(src, ok[i].src, "%s", ok[i].s);
	}
	const char *bad[] = {"Average", "avg", "", "as  collected", "sum "};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum mxp_source src = MXP_SOURCE_SUM;
		cr_assert_eq(mxp_source_parse(bad[i], &src), -EINVAL, "'%s' must be refused", bad[i]);
		cr_assert_eq(src, MXP_SOURCE_SUM, "untouched on error");
	}
	cr_assert_str_eq(mxp_source_name(MXP_SOURCE_AS_COLLECTED), "as collected");
	cr_assert_str_eq(mxp_source_name(MXP_SOURCE_AVERAGE), "average");
	cr_assert_str_eq(mxp_source_name(MXP_SOURCE_SUM), "sum");
}

Test(golden, json_escapes_what_the_seed_wrote_raw)
{
	/* FORMATS.md §10.10: the seed wrote these raw, giving invalid JSON; mxp escapes */
	store = mxp_store_new(NULL);
	cr_assert_eq(mxp_pattern_create("*", &all_charts), 0);
	struct mxp_host *h = mxp_host_add(store, "local", "k=\"v\"", NULL, 0);
	struct mxp_chart_def def = {.type = "app", .id = "q\"1", .units = "a\\b", .update_every = 1};
	struct mxp_chart *c = mxp_chart_add(h, &def);
	struct mxp_dim *d = mxp_dim_add(c, "x", "tab\there", 1, 1, MXP_ALG_ABSOLUTE);
	struct timeval tv = {.tv_sec = 1005, .tv_usec = 0};
	mxp_dim_set(d, 7);
	mxp_chart_done(c, &tv);
	struct mxp_export_settings s = settings("json", MXP_SOURCE_AS_COLLECTED);
	s.hostname = "my\"host";
	check(&s,
	      "{\"prefix\":\"netdata\",\"hostname\":\"my\\\"host\",\"host_tags\":\"k=\\\"v\\\"\","
	      "\"chart_id\":\"app.q\\\"1\",\"chart_name\":\"app.q\\\"1\",\"chart_family\":\"q\\\"1\","
	      "\"chart_context\": \"app.q\\\"1\",\"chart_type\":\"app\",\"units\": \"a\\\\b\","
	      "\"id\":\"x\",\"name\":\"tab\\u0009here\",\"value\":7,\"timestamp\": 1005}\n",
	      1);
}

Test(golden, baseline_sends_the_whole_buffer_in_one_send)
{
	build(NULL, NULL, false);
	struct mxp_export_settings s = settings("graphite", MXP_SOURCE_AS_COLLECTED);
	struct mxp_baseline bl;
	struct mxp_buf out = {0};
	cr_assert_eq(mxp_baseline_init(&bl, store, &s), 0);
	cr_assert_eq(mxp_baseline_export(&bl, 1000, 1010, &out), 4);
	mxp_baseline_fini(&bl);

	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(mxp_baseline_send(sv[0], &out), (ssize_t)out.len);
	close(sv[0]);
	char got[4096];
	size_t n = 0;
	ssize_t r;
	while ((r = read(sv[1], got + n, sizeof(got) - n)) > 0)
		n += (size_t)r;
	close(sv[1]);
	cr_assert_eq(n, out.len);
	cr_assert_eq(memcmp(got, out.data, n), 0);
	cr_assert(strstr(got, "netdata.myhost.system.cpu.user 22 1012\n") != NULL);
	mxp_buf_free(&out);
}
