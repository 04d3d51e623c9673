/* test_config.c — netdata.conf [backend] and exporting.conf: defaults, aliases, lookup
 * order, and every error with its exact message. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/destination.h"
#include "config/simple_pattern.h"

static struct mxp_conf *load(const char *text)
{
	struct mxp_conf *c = mxp_conf_load_string("test.conf", text, NULL);
	cr_assert_not_null(c);
	return c;
}

static const struct mxp_instance_conf *instance(const struct mxp_conf *c, const char *name)
{
	for (size_t i = 0; i < c->ninstances; i++)
		if (strcmp(c->instances[i].name, name) == 0)
			return &c->instances[i];
	cr_assert_fail("no instance %s", name);
	return NULL;
}

static void assert_errors(const struct mxp_conf *c, size_t n, const char *const *expected)
{
	for (size_t i = 0; i < c->nerrors && i < n; i++)
		cr_expect_str_eq(c->errors[i], expected[i]);
	cr_assert_eq(c->nerrors, n, "%zu errors, expected %zu; first: %s", c->nerrors, n,
		     c->nerrors ? c->errors[0] : "-");
}

static void assert_no_errors(const struct mxp_conf *c)
{
	cr_assert_eq(c->nerrors, 0, "unexpected error: %s", c->nerrors ? c->errors[0] : "");
}

Test(config, exporting_instance_defaults)
{
	struct mxp_conf *c = load("[graphite:a]\nenabled = yes\n");
	assert_no_errors(c);
	cr_assert_not(c->is_netdata_conf);
	cr_assert_eq(c->ninstances, 1);
	const struct mxp_instance_conf *ic = instance(c, "graphite:a");
	cr_assert_str_eq(ic->type, "graphite");
	cr_assert(ic->enabled);
	cr_assert_str_eq(ic->set[MXP_KEY_DESTINATION].value, "localhost");
	cr_assert_str_eq(ic->set[MXP_KEY_PREFIX].value, "netdata");
	cr_assert_str_eq(ic->set[MXP_KEY_DATA_SOURCE].value, "average");
	cr_assert_eq(ic->source, MXP_SOURCE_AVERAGE);
	cr_assert_eq(ic->update_every, 10);
	cr_assert_eq(ic->buffer_on_failures, 10);
	cr_assert_eq(ic->timeout_ms, 20000, "update every x 2 x 1000");
	cr_assert_str_eq(ic->set[MXP_KEY_TIMEOUT_MS].value, "20000");
	cr_assert(ic->send_names);
	cr_assert(ic->send_configured_labels);
	cr_assert_not(ic->send_automatic_labels);
	cr_assert_str_eq(ic->set[MXP_KEY_SEND_HOSTS_MATCHING].value, "localhost *");
	cr_assert_str_eq(ic->set[MXP_KEY_SEND_CHARTS_MATCHING].value, "*");
	cr_assert_str_eq(ic->set[MXP_KEY_REMOTE_WRITE_URL_PATH].value, "/receive");
	cr_assert(mxp_pattern_matches(ic->charts, "system.cpu"));
	cr_assert(mxp_pattern_matches(ic->hosts, "localhost"));
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	cr_assert_str_eq(ic->set[MXP_KEY_HOSTNAME].value, host, "hostname defaults to this machine's");
	for (int k = 0; k < MXP_KEY_COUNT; k++)
		cr_assert_eq(ic->set[k].origin, MXP_FROM_DEFAULT + (k == MXP_KEY_ENABLED ? 3 : 0), "%s",
			     mxp_conf_key_name(k));
	mxp_conf_free(c);
}

Test(config, timeout_follows_update_every_and_falls_back_below_1)
{
	struct mxp_conf *c = load("[json:a]\nupdate every = 3\n[json:b]\ntimeout ms = 0\nupdate every = 2\n");
	assert_no_errors(c);
	cr_assert_eq(instance(c, "json:a")->timeout_ms, 6000);
	cr_assert_eq(instance(c, "json:b")->timeout_ms, 4000);
	cr_assert_eq(c->nwarnings, 1);
	cr_assert_str_eq(c->warnings[0], "test.conf:4: [json:b] timeout ms: invalid timeout 0 ms given, assuming 4000 ms");
	mxp_conf_free(c);
}

Test(config, lookup_order_instance_type_global_default)
{
	struct mxp_conf *c = load("[exporting:global]\n"
				  "prefix = g\n"
				  "update every = 5\n"
				  "hostname = gh\n"
				  "[graphite]\n"
				  "prefix = t\n"
				  "update every = 7\n"
				  "[graphite:one]\n"
				  "prefix = i\n"
				  "[graphite:two]\n"
				  "enabled = yes\n"
				  "[json:three]\n"
				  "enabled = yes\n");
	assert_no_errors(c);
	const struct mxp_instance_conf *one = instance(c, "graphite:one"), *two = instance(c, "graphite:two"),
				       *three = instance(c, "json:three");
	cr_assert_str_eq(one->set[MXP_KEY_PREFIX].value, "i");
	cr_assert_eq(one->set[MXP_KEY_PREFIX].origin, MXP_FROM_INSTANCE);
	cr_assert_eq(one->set[MXP_KEY_PREFIX].line, 9);
	cr_assert_str_eq(two->set[MXP_KEY_PREFIX].value, "t");
	cr_assert_eq(two->set[MXP_KEY_PREFIX].origin, MXP_FROM_TYPE);
	cr_assert_eq(two->update_every, 7);
	cr_assert_str_eq(three->set[MXP_KEY_PREFIX].value, "g");
	cr_assert_eq(three->set[MXP_KEY_PREFIX].origin, MXP_FROM_GLOBAL);
	cr_assert_eq(three->update_every, 5);
	cr_assert_str_eq(three->set[MXP_KEY_HOSTNAME].value, "gh");
	cr_assert_eq(three->set[MXP_KEY_DESTINATION].origin, MXP_FROM_DEFAULT);
	cr_assert_eq(three->timeout_ms, 10000, "the default timeout follows the inherited update every");
	mxp_conf_free(c);
}

Test(config, order_does_not_matter_for_precedence)
{
	/* the instance comes first in the file, the type section after: instance still wins */
	struct mxp_conf *c = load("[opentsdb:x]\nprefix = mine\n[opentsdb]\nprefix = theirs\n");
	assert_no_errors(c);
	cr_assert_str_eq(instance(c, "opentsdb:x")->set[MXP_KEY_PREFIX].value, "mine");
	mxp_conf_free(c);
}

Test(config, booleans_as_netdata)
{
	const char *yes[] = {"yes", "YES", "true", "on", "1", "auto", "on demand"};
	const char *no[] = {"no", "false", "Off", "0"};
	char text[128];
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(text, sizeof(text), "[json:a]\nsend names instead of ids = %s\n", yes[i]);
		struct mxp_conf *c = load(text);
		assert_no_errors(c);
		cr_assert(c->instances[0].send_names, "%s", yes[i]);
		mxp_conf_free(c);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(text, sizeof(text), "[json:a]\nsend names instead of ids = %s\n", no[i]);
		struct mxp_conf *c = load(text);
		assert_no_errors(c);
		cr_assert_not(c->instances[0].send_names, "%s", no[i]);
		mxp_conf_free(c);
	}
}

Test(config, every_error_names_file_line_section_key)
{
	struct mxp_conf *c = load("[exporting:global]\n"
				  "update evry = 5\n"
				  "[graphite:a]\n"
				  "enabled = maybe\n"
				  "update every = 0\n"
				  "buffer on failures = ten\n"
				  "data source = avg\n"
				  "timeout ms = 0x10\n"
				  "destinaton = x\n"
				  "frobnicate = 1\n"
				  "type = json\n"
				  "[graphit:b]\n"
				  "[json:a]\n");
	static const char *const expected[] = {
		"test.conf:2: [exporting:global] update evry: unknown key (did you mean 'update every'?)",
		"test.conf:9: [graphite:a] destinaton: unknown key (did you mean 'destination'?)",
		"test.conf:10: [graphite:a] frobnicate: unknown key",
		"test.conf:11: [graphite:a] type: not a key of an instance",
	};
	/* section errors come first (pass 1), then keys (pass 2), then values per instance */
	cr_assert_geq(c->nerrors, 1);
	cr_assert_str_eq(c->errors[0], "test.conf:12: [graphit:b]: unknown section: not [exporting:global], a type, "
				       "TYPE:NAME or plugin:NAME (did you mean 'graphite'?)");
	cr_assert_str_eq(c->errors[1], "test.conf:13: [json:a]: instance name 'a' is already used by [graphite:a] at "
				       "line 3");
	for (size_t i = 0; i < 4; i++)
		cr_expect_str_eq(c->errors[2 + i], expected[i]);
	static const char *const value_errors[] = {
		"test.conf:4: [graphite:a] enabled: 'maybe' is not a boolean (yes/no, true/false, on/off, 1/0)",
		"test.conf:5: [graphite:a] update every: 0 is out of range (1 to 86400 seconds)",
		"test.conf:6: [graphite:a] buffer on failures: 'ten' is not a whole number",
		"test.conf:7: [graphite:a] data source: 'avg' is not a data source (as collected, average or sum)",
		"test.conf:8: [graphite:a] timeout ms: '0x10' is not a whole number",
	};
	cr_assert_eq(c->nerrors, 6 + 5, "%zu errors", c->nerrors);
	for (size_t v = 0; v < 5; v++) {
		bool seen = false;
		for (size_t i = 6; i < c->nerrors; i++)
			seen |= strcmp(c->errors[i], value_errors[v]) == 0;
		cr_expect(seen, "missing: %s", value_errors[v]);
	}

	mxp_conf_free(c);
}

Test(config, malformed_lines)
{
	struct mxp_conf *c = load("[graphite:a]\nenabled yes\n");
	static const char *const e1[] = {"test.conf:2: expected 'key = value' or '[section]', found 'enabled yes'"};
	assert_errors(c, 1, e1);
	mxp_conf_free(c);
	c = load("[graphite:a\n");
	static const char *const e2[] = {"test.conf:1: section header without ']': '[graphite:a'"};
	assert_errors(c, 1, e2);
	mxp_conf_free(c);
	c = load("prefix = x\n[graphite:a]\n");
	static const char *const e3[] = {"test.conf:1: prefix: a key outside any section"};
	assert_errors(c, 1, e3);
	mxp_conf_free(c);
}

Test(config, types_that_this_build_lacks_and_pubsub)
{
	struct mxp_conf *c = load("[mongodb:k]\nenabled = yes\n[mongodb:m]\nenabled = no\n"
				  "[pubsub:p]\nenabled = yes\nproject id = x\n[prometheus:exporter]\nprefix = x\n");
	static const char *const e[] = {
		("test.conf:5: [pubsub:p]: the pubsub connector is not supported by mxp (the seed had none); disable "
		 "this instance"),
		"test.conf:1: [mongodb:k] database (default): a MongoDB instance needs it",
		"test.conf:1: [mongodb:k] collection (default): a MongoDB instance needs it",
	};
	assert_errors(c, 3, e);
	cr_assert_eq(c->ninstances, 2, "the disabled mongodb instance loads, without database and collection");
	cr_assert_eq(c->nwarnings, 1);
	cr_assert_str_eq(c->warnings[0], "test.conf:8: [prometheus:exporter] is netdata's scrape endpoint; mxp ignores it");
	mxp_conf_free(c);
}

Test(config, every_exporting_type)
{
	const char *t[] = {"graphite",          "graphite:http",  "graphite:https",
			   "opentsdb",          "opentsdb:telnet", "opentsdb:http", "opentsdb:https",
			   "json",              "json:http",      "json:https",
			   "prometheus_remote_write", "prometheus_remote_write:http",
			   "prometheus_remote_write:https", "kinesis", "mongodb"};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "[%s:inst]\ndestination = h\n", t[i]);
		struct mxp_conf *c = load(text);
		assert_no_errors(c);
		cr_assert_eq(c->ninstances, 1, "%s", t[i]);
		cr_assert_str_eq(c->instances[0].type, t[i]);
		mxp_conf_free(c);
	}
}

Test(config, netdata_conf_backend)
{
	struct mxp_conf *c = load("[global]\n"
				  "    hostname = ignored-here\n"
				  "    memory mode = ram\n"
				  "[backend]\n"
				  "    enabled = yes\n"
				  "    type = opentsdb:telnet\n"
				  "    destination = tcp:10.0.0.1:4242 localhost\n"
				  "    data source = as collected\n"
				  "    prefix = pfx\n"
				  "    hostname = myhost\n"
				  "    update every = 2\n"
				  "    send charts matching = system.* !*\n"
				  "    opentsdb host tags = env=prod\n"
				  "[web]\n"
				  "    bind to = *\n");
	assert_no_errors(c);
	cr_assert(c->is_netdata_conf);
	cr_assert_eq(c->ninstances, 1);
	const struct mxp_instance_conf *ic = instance(c, "backend");
	cr_assert_str_eq(ic->type, "opentsdb:telnet");
	cr_assert(ic->enabled);
	cr_assert_eq(ic->source, MXP_SOURCE_AS_COLLECTED);
	cr_assert_eq(ic->update_every, 2);
	cr_assert_eq(ic->timeout_ms, 4000);
	cr_assert_str_eq(ic->set[MXP_KEY_HOST_TAGS].value, "env=prod", "the old key is moved, as netdata did");
	cr_assert_str_eq(ic->set[MXP_KEY_HOSTNAME].value, "myhost");
	cr_assert_eq(ic->set[MXP_KEY_PREFIX].line, 9);
	mxp_conf_free(c);
}

Test(config, netdata_conf_types_and_errors)
{
	const char *aliases[] = {"graphite", "graphite:plaintext", "opentsdb", "opentsdb:telnet", "opentsdb:http",
				 "opentsdb:https", "json", "json:plaintext", "prometheus_remote_write", "kinesis",
				 "kinesis:plaintext", "mongodb", "mongodb:plaintext"};
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "[backend]\ntype = %s\n", aliases[i]);
		struct mxp_conf *c = load(text);
		assert_no_errors(c);
		cr_assert_str_eq(c->instances[0].type, aliases[i]);
		mxp_conf_free(c);
	}
	struct mxp_conf *c = load("[backend]\ntype = grafite\nsend names = yes\nusername = u\n");
	static const char *const e[] = {
		"test.conf:3: [backend] send names: unknown key (did you mean 'send names instead of ids'?)",
		"test.conf:4: [backend] username: not a key of netdata.conf [backend]",
		"test.conf:2: [backend] type: unknown backend type 'grafite' (did you mean 'graphite'?)",
	};
	assert_errors(c, 3, e);
	mxp_conf_free(c);

	c = load("[global]\nx = y\n");
	assert_no_errors(c);
	cr_assert_eq(c->ninstances, 1, "no [backend]: the seed's defaults, disabled");
	cr_assert_not(c->instances[0].enabled);
	cr_assert_str_eq(c->instances[0].type, "graphite");
	mxp_conf_free(c);
}

Test(config, lines_longer_than_inih_allows)
{
	char text[4096] = "[graphite:a]\nsend charts matching = ";
	for (int i = 0; i < 100; i++)
		strcat(text, "chart.x* ");
	strcat(text, "system.*\n");
	struct mxp_conf *c = load(text);
	assert_no_errors(c);
	cr_assert(mxp_pattern_matches(c->instances[0].charts, "system.cpu"), "the end of a 900-byte line is kept");
	mxp_conf_free(c);
}

Test(config, empty_patterns_as_the_seed)
{
	struct mxp_conf *c = load("[graphite:a]\nsend charts matching =\nsend hosts matching =\n");
	assert_no_errors(c);
	cr_assert_null(c->instances[0].charts, "an empty charts list matches nothing");
	cr_assert_null(c->instances[0].hosts, "an empty hosts list means every host");
	cr_assert_eq(c->nwarnings, 1);
	cr_assert_str_eq(c->warnings[0], "test.conf:2: [graphite:a] send charts matching: empty: this instance exports "
					 "nothing (as netdata)");
	mxp_conf_free(c);
}

static void load_fixture(const char *name, size_t expect_instances)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", MXP_FIXTURES, name);
	struct mxp_conf *c = mxp_conf_load(path);
	cr_assert_not_null(c);
	assert_no_errors(c);
	cr_assert_eq(c->ninstances, expect_instances, "%s: %zu instances", name, c->ninstances);
	mxp_conf_free(c);
}

Test(config, stock_exporting_conf_loads_unchanged)
{
	load_fixture("exporting-stock-commented.conf", 0);
	load_fixture("exporting-stock-uncommented.conf", 4);
}

Test(config, missing_file)
{
	struct mxp_conf *c = mxp_conf_load("/nonexistent/exporting.conf");
	cr_assert_eq(c->nerrors, 1);
	cr_assert_str_eq(c->errors[0], "/nonexistent/exporting.conf: cannot open: No such file or directory");
	mxp_conf_free(c);
}

Test(config, secrets_are_not_printed)
{
	struct mxp_conf *c = load("[kinesis:k]\naws_secret_access_key = SECRETKEY123\naws_access_key_id = AKID\n"
				  "[graphite:g]\npassword = hunter2\nusername = me\n");
	assert_no_errors(c);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	mxp_conf_print(c, f);
	fclose(f);
	cr_assert_null(strstr(out, "SECRETKEY123"));
	cr_assert_null(strstr(out, "hunter2"));
	cr_assert_not_null(strstr(out, "AKID"));
	cr_assert_not_null(strstr(out, "(set, not shown)"));
	cr_assert_not_null(strstr(out, "[graphite:g] type graphite, disabled"));
	free(out);
	mxp_conf_free(c);
}

Test(config, destinations_checked_with_the_types_default_port)
{
	struct mxp_conf *c = load("[graphite:a]\ndestination = tcp:10.0.0.1 [::1]:2004\n"
				  "[opentsdb:b]\ndestination = h\n"
				  "[json:c]\ndestination = host:99999\n"
				  "[prometheus_remote_write:d]\nenabled = no\ndestination = localhost\n"
				  "[kinesis:e]\ndestination = us-east-1\n");
	static const char *const e[] = {"test.conf:6: [json:c] destination: entry 1 'host:99999': port 99999 is "
					"out of range (1-65535)"};
	assert_errors(c, 1, e);
	const struct mxp_instance_conf *a = instance(c, "graphite:a");
	cr_assert_eq(a->ndestinations, 2);
	cr_assert_str_eq(a->destinations[0].host, "10.0.0.1");
	cr_assert_str_eq(a->destinations[0].port, "2003", "graphite's default port");
	cr_assert_str_eq(a->destinations[1].port, "2004");
	cr_assert_str_eq(instance(c, "opentsdb:b")->destinations[0].port, "4242");
	cr_assert_null(instance(c, "kinesis:e")->destinations, "kinesis: the destination is the region");
	mxp_conf_free(c);

	c = load("[prometheus_remote_write:d]\nenabled = yes\ndestination = localhost\n");
	cr_assert_geq(c->nerrors, 1);
	cr_assert_str_eq(c->errors[0], "test.conf:3: [prometheus_remote_write:d] destination: entry 1 'localhost': no "
				       "port given, and this backend type has no default port");
	mxp_conf_free(c);
}

/* Writes text to dir/name. */
static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(config, seed_companion_files)
{
	char dir[] = "/tmp/mxp-test-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	write_file(dir, "aws_kinesis.conf",
		   "# the seed's file\n"
		   "  aws_access_key_id = \"AKID\"\n"
		   "aws_secret_access_key='s3cret'\n"
		   "no equals sign here\n"
		   "stream name = first\n"
		   "stream name = \"netdata'\n"
		   "unknown = ignored\n");
	write_file(dir, "mongodb.conf", "uri = mongodb://127.0.0.1:27017\ndatabase = db\n");

	struct mxp_conf *c = mxp_conf_load_string("netdata.conf", "[backend]\ntype = kinesis\nenabled = no\n", dir);
	assert_no_errors(c);
	const struct mxp_instance_conf *ic = instance(c, "backend");
	cr_assert_str_eq(ic->set[MXP_KEY_AWS_ACCESS_KEY_ID].value, "AKID", "one quote each side goes");
	cr_assert_str_eq(ic->set[MXP_KEY_AWS_SECRET_ACCESS_KEY].value, "s3cret");
	cr_assert_str_eq(ic->set[MXP_KEY_STREAM_NAME].value, "netdata", "the last one wins, quotes need not match");
	cr_assert_eq(ic->set[MXP_KEY_STREAM_NAME].line, 6);
	cr_assert_not_null(strstr(ic->set[MXP_KEY_STREAM_NAME].file, "/aws_kinesis.conf"));
	cr_assert_eq(c->nwarnings, 1);
	cr_assert_not_null(strstr(c->warnings[0], "aws_kinesis.conf:4: a line without '=', skipped (as netdata did)"));
	mxp_conf_free(c);

	/* mongodb: uri is the destination; collection is mandatory when enabled */
	c = mxp_conf_load_string("netdata.conf", "[backend]\ntype = mongodb\nenabled = yes\n", dir);
	ic = instance(c, "backend");
	cr_assert_str_eq(ic->set[MXP_KEY_DESTINATION].value, "mongodb://127.0.0.1:27017");
	cr_assert_str_eq(ic->set[MXP_KEY_DATABASE].value, "db");
	bool mandatory = false;
	for (size_t i = 0; i < c->nerrors; i++)
		mandatory |= strstr(c->errors[i], "mongodb.conf: collection is a mandatory mongodb parameter, but it is not "
						  "configured") != NULL;
	cr_assert(mandatory);
	mxp_conf_free(c);

	/* a missing companion file is an error only for an enabled instance */
	char path[512];
	snprintf(path, sizeof(path), "%s/aws_kinesis.conf", dir);
	unlink(path);
	c = mxp_conf_load_string("netdata.conf", "[backend]\ntype = kinesis\n", dir);
	assert_no_errors(c);
	mxp_conf_free(c);
	c = mxp_conf_load_string("netdata.conf", "[backend]\nenabled = yes\ntype = kinesis\n", dir);
	cr_assert_geq(c->nerrors, 1);
	char expected[1024];
	snprintf(expected, sizeof(expected),
		 "netdata.conf:3: [backend] type: kinesis backend type is set but cannot read its configuration from "
		 "%s/aws_kinesis.conf: No such file or directory",
		 dir);
	cr_assert_str_eq(c->errors[0], expected);
	mxp_conf_free(c);
	snprintf(path, sizeof(path), "%s/mongodb.conf", dir);
	unlink(path);
	rmdir(dir);
}

Test(config, an_inherited_bad_value_is_one_error_at_its_own_section)
{
	struct mxp_conf *c = load("[exporting:global]\nupdate every = often\n"
				  "[json]\nprefix = p\nbuffer on failures = -1\n"
				  "[json:a]\n[json:b]\n[graphite:c]\n");
	static const char *const e[] = {
		"test.conf:2: [exporting:global] update every: 'often' is not a whole number",
		"test.conf:5: [json] buffer on failures: -1 is out of range (0 to 1000000 intervals)",
	};
	assert_errors(c, 2, e);
	mxp_conf_free(c);
}

Test(config, http_keys_defaults_ranges_and_header_safety)
{
	struct mxp_conf *c = load("[opentsdb:http:a]\ndestination = h\n"
				  "[json:https:b]\ndestination = h\nretry backoff min ms = 8000\ntls verify = no\n"
				  "max samples per send = 500\n"
				  "[graphite:http:c]\ndestination = h\nretry backoff min ms = 100\n"
				  "retry backoff max ms = 50\nmax samples per send = 0\n"
				  "[json:http:d]\ndestination = h\nusername = a\rb\npassword = p\n");
	const struct mxp_instance_conf *a = instance(c, "opentsdb:http:a"),
				       *b = instance(c, "json:https:b");
	cr_assert_eq(a->retry_min_ms, 30);
	cr_assert_eq(a->retry_max_ms, 5000);
	cr_assert_eq(a->max_samples, 10000);
	cr_assert(a->tls_verify, "verification is on by default");
	/* a min above the default max, with no max written: the max follows the min */
	cr_assert_eq(b->retry_min_ms, 8000);
	cr_assert_eq(b->retry_max_ms, 8000);
	cr_assert_eq(b->max_samples, 500);
	cr_assert_not(b->tls_verify);
	static const char *const want[] = {
		"test.conf:11: [graphite:http:c] retry backoff max ms: 50 is out of range ('retry backoff min ms' = 100 to "
		"3600000 ms)",
		"test.conf:12: [graphite:http:c] max samples per send: 0 is out of range (1 to 10000000 metrics)",
	};
	bool seen[2] = {false, false};
	bool control = false;
	for (size_t i = 0; i < c->nerrors; i++) {
		for (size_t k = 0; k < 2; k++)
			seen[k] |= strcmp(c->errors[i], want[k]) == 0;
		control |= strstr(c->errors[i], "[json:http:d] username: a control character") != NULL;
	}
	cr_expect(seen[0], "missing: %s", want[0]);
	cr_expect(seen[1], "missing: %s", want[1]);
	cr_expect(control, "a CR in the username is an error; first error: %s", c->nerrors ? c->errors[0] : "-");
	mxp_conf_free(c);
}

Test(config, kinesis_endpoint_region_stream)
{
	struct mxp_conf *c = load("[kinesis:aws]\nenabled = yes\ndestination = eu-west-1\nstream name = s\n"
				  "[kinesis:local]\nenabled = yes\nendpoint = http://127.0.0.1:4567\nstream name = s\n"
				  "[kinesis:v6]\nenabled = yes\nendpoint = https://[::1]/\nstream name = s\n"
				  "partition key = k\n");
	assert_no_errors(c);
	const struct mxp_instance_conf *a = instance(c, "kinesis:aws"), *l = instance(c, "kinesis:local"),
					*v = instance(c, "kinesis:v6");
	cr_assert_str_eq(a->kinesis_dest.host, "kinesis.eu-west-1.amazonaws.com");
	cr_assert_str_eq(a->kinesis_dest.port, "443");
	cr_assert_str_eq(a->kinesis_host, "kinesis.eu-west-1.amazonaws.com");
	cr_assert_str_eq(a->kinesis_region, "eu-west-1");
	cr_assert(a->kinesis_tls);
	cr_assert_str_eq(l->kinesis_dest.host, "127.0.0.1");
	cr_assert_str_eq(l->kinesis_dest.port, "4567");
	cr_assert_str_eq(l->kinesis_host, "127.0.0.1:4567");
	cr_assert_not(l->kinesis_tls);
	cr_assert_str_eq(l->kinesis_region, "us-east-1", "no region given: the signature's default");
	cr_assert_str_eq(v->kinesis_dest.host, "::1");
	cr_assert_str_eq(v->kinesis_dest.port, "443");
	cr_assert_str_eq(v->kinesis_host, "[::1]");
	cr_assert(v->kinesis_tls);
	mxp_conf_free(c);

	c = load("[kinesis:a]\nenabled = yes\n"
		 "[kinesis:b]\nenabled = yes\nstream name = s\nendpoint = ftp://x\n"
		 "[kinesis:c]\nenabled = yes\nstream name = s\nendpoint = http://h:port\n");
	static const char *const want[] = {
		"test.conf:1: [kinesis:a] stream name (default): a Kinesis instance needs its stream's name",
		("test.conf:1: [kinesis:a] destination (default): 'localhost' is not an AWS region (Kinesis takes its "
		 "region here, e.g. us-east-1; or set 'endpoint = https://HOST:PORT')"),
		"test.conf:6: [kinesis:b] endpoint: 'ftp://x' is not http(s)://HOST[:PORT]",
		"test.conf:10: [kinesis:c] endpoint: 'http://h:port' is not http(s)://HOST[:PORT]",
	};
	for (size_t k = 0; k < 4; k++) {
		bool seen = false;
		for (size_t i = 0; i < c->nerrors; i++)
			seen |= strcmp(c->errors[i], want[k]) == 0;
		cr_expect(seen, "missing: %s (first: %s)", want[k], c->nerrors ? c->errors[0] : "-");
	}
	mxp_conf_free(c);
}

/* A URI's password is never printed (mongodb's destination is its URI). */
Test(config, uri_passwords_are_masked)
{
	char out[256];
	cr_assert(mxp_conf_mask_password("mongodb://admin:Hunter2pw@127.0.0.1:27017/db?x=1", out, sizeof(out)));
	cr_assert_str_eq(out, "mongodb://admin:***@127.0.0.1:27017/db?x=1");
	cr_assert_not(mxp_conf_mask_password("mongodb://127.0.0.1/db", out, sizeof(out)));
	cr_assert_not(mxp_conf_mask_password("mongodb://user@host/db", out, sizeof(out)), "no password");
	cr_assert_not(mxp_conf_mask_password("mongodb://host/a@b", out, sizeof(out)), "an @ past the host");
	struct mxp_conf *c = load("[mongodb:m]\nenabled = yes\ndestination = mongodb://admin:Hunter2pw@h/\n"
				  "database = d\ncollection = c\n");
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	mxp_conf_print(c, f);
	fclose(f);
	cr_assert_null(strstr(text, "Hunter2pw"), "%s", text);
	cr_assert_not_null(strstr(text, "mongodb://admin:***@h/"), "%s", text);
	free(text);
	mxp_conf_free(c);
}


/* Counts the warnings that contain needle. */
static size_t warnings_with(const struct mxp_conf *c, const char *needle)
{
	size_t n = 0;
	for (size_t i = 0; i < c->nwarnings; i++)
		n += strstr(c->warnings[i], needle) != NULL;
	return n;
}

/* A file holding a secret that every user can read gets a warning naming the file, the
 * line and the key, once per file; the same file closed to others, or one without a
 * secret, gets none. Companion files (aws_kinesis.conf) are looked at too. */
Test(config, secrets_in_world_readable_files_are_warned)
{
	char dir[] = "/tmp/mxp-test-XXXXXX", path[600];
	cr_assert_not_null(mkdtemp(dir));
	write_file(dir, "exporting.conf",
		   "[prometheus_remote_write:a]\nenabled = yes\ndestination = 127.0.0.1:1\n"
		   "username = u\npassword = Hunter2pw\nbearer token = tok3n\n");
	snprintf(path, sizeof(path), "%s/exporting.conf", dir);

	cr_assert_eq(chmod(path, 0644), 0);
	struct mxp_conf *c = mxp_conf_load(path);
	assert_no_errors(c);
	char want[700];
	snprintf(want, sizeof(want), "%s:5: [prometheus_remote_write:a] password: a secret in a file every user", path);
	cr_expect_eq(warnings_with(c, want), 1, "%s", c->nwarnings ? c->warnings[0] : "(no warning)");
	cr_expect_eq(warnings_with(c, "(mode 0644)"), 1, "one warning for the file, not one per secret");
	cr_expect_eq(warnings_with(c, "chmod o-r"), 1);
	cr_expect_eq(warnings_with(c, "Hunter2pw"), 0, "the warning never shows the secret");
	mxp_conf_free(c);

	cr_assert_eq(chmod(path, 0640), 0);
	c = mxp_conf_load(path);
	cr_expect_eq(warnings_with(c, "a secret in a file"), 0, "group-readable only: no warning");
	mxp_conf_free(c);

	write_file(dir, "exporting.conf", "[graphite:g]\nenabled = yes\ndestination = 127.0.0.1:1\n");
	cr_assert_eq(chmod(path, 0644), 0);
	c = mxp_conf_load(path);
	cr_expect_eq(warnings_with(c, "a secret in a file"), 0, "no secret: no warning");
	mxp_conf_free(c);

	/* a mongodb URI's password counts; the warning shows the URI masked, if at all */
	write_file(dir, "exporting.conf",
		   "[mongodb:m]\nenabled = yes\ndestination = mongodb://admin:Hunter2pw@127.0.0.1/\n"
		   "database = d\ncollection = c\n");
	c = mxp_conf_load(path);
	cr_expect_eq(warnings_with(c, "destination: a secret in a file every user"), 1);
	cr_expect_eq(warnings_with(c, "Hunter2pw"), 0);
	mxp_conf_free(c);

	/* netdata.conf's companion: the secret is in aws_kinesis.conf, so that file is named */
	write_file(dir, "netdata.conf", "[backend]\ntype = kinesis\nenabled = no\n");
	write_file(dir, "aws_kinesis.conf", "aws_access_key_id = AKID\naws_secret_access_key = s3cretKey\n");
	snprintf(path, sizeof(path), "%s/aws_kinesis.conf", dir);
	cr_assert_eq(chmod(path, 0604), 0);
	snprintf(path, sizeof(path), "%s/netdata.conf", dir);
	cr_assert_eq(chmod(path, 0644), 0);
	c = mxp_conf_load(path);
	cr_expect_eq(warnings_with(c, "aws_kinesis.conf:2: [backend] aws_secret_access_key: a secret"), 1);
	cr_expect_eq(warnings_with(c, "(mode 0604)"), 1);
	cr_expect_eq(warnings_with(c, "netdata.conf"), 0, "netdata.conf itself holds no secret");
	mxp_conf_free(c);

	const char *names[] = {"exporting.conf", "netdata.conf", "aws_kinesis.conf", "mongodb.conf"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	cr_expect_eq(rmdir(dir), 0, "the test leaves nothing behind");
}

/* An error that quotes a `destination` or an `endpoint` never shows a URI's password. */
Test(config, errors_never_quote_a_uri_password)
{
	struct mxp_conf *c = mxp_conf_load_string("x.conf",
						  "[graphite:g]\nenabled = yes\ndestination = http://u:Secr3tPw@127.0.0.1:9/\n"
						  "[kinesis:k]\nenabled = yes\nstream name = s\n"
						  "endpoint = ftp://u:Secr3tKey@127.0.0.1:9/\n"
						  "[kinesis:r]\nenabled = yes\nstream name = s\ndestination = x://u:Secr3tReg@h\n",
						  NULL);
	cr_assert_not_null(c);
	cr_assert_geq(c->nerrors, 3, "%zu errors", c->nerrors);
	for (size_t i = 0; i < c->nerrors; i++) {
		cr_expect_null(strstr(c->errors[i], "Secr3t"), "%s", c->errors[i]);
		cr_expect_not_null(strstr(c->errors[i], "u:***@"), "%s", c->errors[i]);
	}
	for (size_t i = 0; i < c->nwarnings; i++)
		cr_expect_null(strstr(c->warnings[i], "Secr3t"), "%s", c->warnings[i]);
	mxp_conf_free(c);
}

Test(config, plugin_sections)
{
	struct mxp_conf *c = load("[exporting:global]\n"
				  "    enabled = yes\n"
				  "[graphite:g]\n"
				  "    destination = localhost\n"
				  "[plugin:one]\n"
				  "    command = /usr/bin/one --fast\n"
				  "    update every = 5\n"
				  "[plugin:two]\n"
				  "    command = two\n"
				  "    enabled = no\n");
	cr_assert_eq(c->nerrors, 0, "%s", c->nerrors ? c->errors[0] : "");
	cr_assert_eq(c->ninstances, 1, "plugins are not instances");
	cr_assert_eq(c->nplugins, 2);
	cr_assert_str_eq(c->plugins[0].name, "one");
	cr_assert_str_eq(c->plugins[0].command, "/usr/bin/one --fast");
	cr_assert_eq(c->plugins[0].update_every, 5);
	cr_assert(c->plugins[0].enabled);
	cr_assert_eq(c->plugins[0].line, 5);
	cr_assert_eq(c->plugins[1].update_every, 1, "the default");
	cr_assert_not(c->plugins[1].enabled);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	mxp_conf_print(c, f);
	fclose(f);
	cr_assert(strstr(text, "[plugin:one] enabled, test.conf:5") != NULL, "%s", text);
	cr_assert(strstr(text, "    command                    = /usr/bin/one --fast") != NULL, "%s", text);
	free(text);
	mxp_conf_free(c);
}

Test(config, plugin_section_errors_name_file_line_and_key)
{
	struct mxp_conf *c = load("[exporting:global]\n"
				  "    enabled = yes\n"
				  "[graphite:g]\n"
				  "    destination = localhost\n"
				  "[plugin:a]\n"
				  "    comand = x\n"
				  "[plugin:b]\n"
				  "    command = b\n"
				  "    update every = 0\n"
				  "    enabled = perhaps\n"
				  "[plugin:]\n"
				  "    command = c\n"
				  "[plugin:d]\n"
				  "    command =\n");
	static const char *const expected[] = {
		("test.conf:6: [plugin:a] comand: unknown key of a plugin (command, update every, enabled); did you "
		 "mean 'command'?"),
		"test.conf:5: [plugin:a]: command: missing (the program to run)",
		"test.conf:9: [plugin:b] update every: '0' is not 1 to 86400 seconds",
		"test.conf:10: [plugin:b] enabled: 'perhaps' is not yes or no",
		"test.conf:11: [plugin:]: a plugin needs a name without blanks: [plugin:NAME]",
		"test.conf:14: [plugin:d] command: empty",
	};
	cr_assert_eq(c->nerrors, 6, "%zu errors, first %s", c->nerrors, c->nerrors ? c->errors[0] : "");
	for (size_t i = 0; i < 6; i++)
		cr_expect_str_eq(c->errors[i], expected[i]);
	cr_assert_eq(c->nplugins, 0, "a plugin with an error is not run");
	mxp_conf_free(c);
}

Test(config, stream_section)
{
	struct mxp_conf *c = load("[exporting:global]\n"
				  "    enabled = yes\n"
				  "[graphite:g]\n"
				  "    destination = localhost\n"
				  "[stream]\n"
				  "    listen = 0.0.0.0:19999\n"
				  "    stream config = /etc/netdata/stream.conf\n");
	cr_assert_eq(c->nerrors, 0, "%s", c->nerrors ? c->errors[0] : "");
	cr_assert(c->stream.present);
	cr_assert(c->stream.enabled);
	cr_assert_str_eq(c->stream.listen, "0.0.0.0:19999");
	cr_assert_str_eq(c->stream.stream_config_path, "/etc/netdata/stream.conf");
	cr_assert_eq(c->stream.timeout_s, 60);
	mxp_conf_free(c);

	c = load("[exporting:global]\n"
		 "    enabled = yes\n"
		 "[graphite:g]\n"
		 "    destination = localhost\n"
		 "[stream]\n"
		 "    listen = [::1]:0x50\n"
		 "    timeout seconds = 0\n"
		 "    stram config = x\n");
	static const char *const expected[] = {
		"test.conf:6: [stream] listen: '[::1]:0x50' is not [IP:]PORT (port 1 to 65535)",
		"test.conf:7: [stream] timeout seconds: '0' is not 1 to 86400",
		("test.conf:8: [stream] stram config: unknown key of [stream] (listen, stream config, timeout seconds, "
		 "enabled); did you mean 'stream config'?"),
	};
	cr_assert_eq(c->nerrors, 3, "%zu errors, first %s", c->nerrors, c->nerrors ? c->errors[0] : "");
	for (size_t i = 0; i < 3; i++)
		cr_expect_str_eq(c->errors[i], expected[i]);
	mxp_conf_free(c);

	c = load("[exporting:global]\n"
		 "    enabled = yes\n"
		 "[graphite:g]\n"
		 "    destination = localhost\n"
		 "[stream]\n"
		 "    listen = 19999\n");
	cr_assert_eq(c->nerrors, 1);
	cr_assert_str_eq(c->errors[0], "test.conf:5: [stream]: stream config: missing (netdata's stream.conf, with the API keys)");
	mxp_conf_free(c);
}
