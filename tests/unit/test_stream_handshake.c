/* test_stream_handshake.c — netdata's streaming request, the prompt mxp answers, and
 * stream.conf's rules for who may stream. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "collect/stream_handshake.h"
#include "config/stream_conf.h"

/* what netdata 1.37.1 sent here (trimmed of a few NETDATA_SYSTEM_* fields) */
static const char HELLO_137[] =
	"STREAM key=11111111-2222-3333-4444-555555555555&hostname=nd-child-test&registry_hostname=nd-child-test"
	"&machine_guid=89901be6-f16d-11f1-8372-02fc00000001&update_every=1&os=linux&timezone=Etc/UTC"
	"&abbrev_timezone=UTC&utc_offset=0&hops=1&ml_capable=0&ml_enabled=0&mc_version=1&tags=&ver=16376"
	"&NETDATA_SYSTEM_OS_NAME=unknown&NETDATA_CONTAINER_OS_NAME=Debian GNU/Linux"
	"&NETDATA_PROTOCOL_VERSION=1.1 HTTP/1.1\r\nUser-Agent: netdata/v1.37.1\r\nAccept: */*\r\n\r\n";

Test(hello, netdata_137s_request)
{
	struct mxp_stream_hello h;
	const char *why = NULL;
	cr_assert_eq(mxp_stream_hello_parse(HELLO_137, strlen(HELLO_137), &h, &why), 0, "%s", why);
	cr_assert_str_eq(h.key, "11111111-2222-3333-4444-555555555555");
	cr_assert_str_eq(h.hostname, "nd-child-test");
	cr_assert_str_eq(h.machine_guid, "89901be6-f16d-11f1-8372-02fc00000001");
	cr_assert_str_eq(h.timezone, "Etc/UTC");
	cr_assert_str_eq(h.tags, "");
	cr_assert_str_eq(h.program_version, "netdata/v1.37.1");
	cr_assert_eq(h.update_every, 1);
	cr_assert(h.has_ver);
	cr_assert_eq(h.ver, 16376);
	cr_assert_eq(h.length, strlen(HELLO_137));
	char reply[128];
	cr_assert_eq(mxp_stream_negotiate(&h, reply, sizeof(reply)), 4, "1.37's capabilities include chart labels");
	cr_assert_str_eq(reply, "Hit me baby, push them over with the version=4");
}

Test(hello, every_split_needs_more_until_the_blank_line)
{
	struct mxp_stream_hello h;
	size_t n = strlen(HELLO_137);
	for (size_t cut = 0; cut < n; cut++)
		cr_assert_eq(mxp_stream_hello_parse(HELLO_137, cut, &h, NULL), 1, "cut at %zu", cut);
	cr_assert_eq(mxp_stream_hello_parse(HELLO_137, n, &h, NULL), 0);
	/* bytes after the request are not part of it */
	char more[sizeof(HELLO_137) + 16];
	snprintf(more, sizeof(more), "%sCHART x.y\n", HELLO_137);
	cr_assert_eq(mxp_stream_hello_parse(more, strlen(more), &h, NULL), 0);
	cr_assert_eq(h.length, n);
}

static int parse(const char *query, struct mxp_stream_hello *h, const char **why)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "STREAM %s HTTP/1.1\r\n\r\n", query);
	return mxp_stream_hello_parse(buf, strlen(buf), h, why);
}

Test(hello, versions_and_prompts)
{
	static const struct {
		const char *ver;
		int version;
		const char *prompt;
	} cases[] = {
		{"", 0, MXP_STREAM_PROMPT_V1},           /* no ver: the first protocol */
		{"&ver=1", 1, MXP_STREAM_PROMPT_V2},
		{"&ver=3", 3, "Hit me baby, push them over with the version=3"},
		{"&ver=5", 4, "Hit me baby, push them over with the version=4"}, /* compression: not spoken */
		{"&ver=7", 4, "Hit me baby, push them over with the version=4"},
		{"&ver=504", 3, "Hit me baby, push them over with the version=3"}, /* caps up to CLAIM */
		{"&ver=16376", 4, "Hit me baby, push them over with the version=4"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char q[256];
		snprintf(q, sizeof(q), "key=k&hostname=h&machine_guid=g%s", cases[i].ver);
		struct mxp_stream_hello h;
		cr_assert_eq(parse(q, &h, NULL), 0);
		char reply[128];
		cr_assert_eq(mxp_stream_negotiate(&h, reply, sizeof(reply)), cases[i].version, "%s", cases[i].ver);
		cr_assert_str_eq(reply, cases[i].prompt, "%s", cases[i].ver);
	}
}

Test(hello, values_are_decoded_and_bad_requests_say_why)
{
	struct mxp_stream_hello h;
	const char *why = NULL;
	cr_assert_eq(parse("key=k&hostname=a%20b%2Fc&machine_guid=g&tags=x%3D1%00y", &h, &why), 0, "%s", why);
	cr_assert_str_eq(h.hostname, "a b/c");
	cr_assert_str_eq(h.tags, "x=1y", "an encoded NUL is dropped");
	cr_assert_eq(parse("hostname=h&machine_guid=g", &h, &why), -1);
	cr_assert_str_eq(why, "key, hostname and machine_guid are required");
	cr_assert_eq(parse("key=k&hostname=h&machine_guid=g&update_every=x", &h, &why), -1);
	cr_assert_str_eq(why, "update_every is not 0 to 86400");
	cr_assert_eq(parse("key=k&hostname=h&machine_guid=g&ver=99999999999", &h, &why), -1);
	char long_host[600];
	memset(long_host, 'h', sizeof(long_host) - 1);
	long_host[sizeof(long_host) - 1] = '\0';
	char q[800];
	snprintf(q, sizeof(q), "key=k&hostname=%s&machine_guid=g", long_host);
	cr_assert_eq(parse(q, &h, &why), -1);
	cr_assert_str_eq(why, "a field is longer than mxp keeps");
	const char *get = "GET / HTTP/1.1\r\n\r\n";
	cr_assert_eq(mxp_stream_hello_parse(get, strlen(get), &h, &why), -1);
	cr_assert_str_eq(why, "not a STREAM request");
	const char *nover = "STREAM key=k&hostname=h&machine_guid=g\r\n\r\n";
	cr_assert_eq(mxp_stream_hello_parse(nover, strlen(nover), &h, &why), -1);
	cr_assert_str_eq(why, "the request line has no HTTP version");
	char big[MXP_STREAM_HELLO_MAX + 10];
	memset(big, 'x', sizeof(big));
	memcpy(big, "STREAM ", 7);
	cr_assert_eq(mxp_stream_hello_parse(big, sizeof(big), &h, &why), -1, "no end within the limit");
}

Test(hello, uuids)
{
	cr_assert(mxp_stream_is_uuid("11111111-2222-3333-4444-555555555555"));
	cr_assert(mxp_stream_is_uuid("89901be6-f16d-11f1-8372-02FC00000001"));
	cr_assert_not(mxp_stream_is_uuid("11111111-2222-3333-4444-55555555555"));
	cr_assert_not(mxp_stream_is_uuid("11111111-2222-3333-4444-5555555555555"));
	cr_assert_not(mxp_stream_is_uuid("11111111x2222-3333-4444-555555555555"));
	cr_assert_not(mxp_stream_is_uuid("g1111111-2222-3333-4444-555555555555"));
	cr_assert_not(mxp_stream_is_uuid(""));
}

#define KEY "11111111-2222-3333-4444-555555555555"
#define OFF "22222222-2222-3333-4444-555555555555"
#define NARROW "33333333-2222-3333-4444-555555555555"
#define GUID "89901be6-f16d-11f1-8372-02fc00000001"
#define BANNED "99999999-f16d-11f1-8372-02fc00000001"
#define MACHINE_AS_KEY "aaaaaaaa-f16d-11f1-8372-02fc00000001"

static const char STREAM_CONF[] = "[stream]\n"
				  "    enabled = yes\n"
				  "    api key = " KEY "\n"
				  "[" KEY "]\n"
				  "    enabled = yes\n"
				  "    default history = 3600\n"
				  "[" OFF "]\n"
				  "    allow from = *\n"
				  "[" NARROW "]\n"
				  "    enabled = yes\n"
				  "    allow from = !10.0.0.9 10.* 192.168.*\n"
				  "[" BANNED "]\n"
				  "    enabled = no\n"
				  "[" MACHINE_AS_KEY "]\n"
				  "    type = machine\n"
				  "    enabled = yes\n";

Test(stream_conf, netdatas_rules_in_netdatas_order)
{
	char err[600] = "";
	struct mxp_stream_conf *c = mxp_stream_conf_load_string("stream.conf", STREAM_CONF, err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	cr_assert_eq(mxp_stream_conf_enabled_keys(c), 2);
	char why[600];
	cr_assert_eq(mxp_stream_conf_allow(c, KEY, GUID, "127.0.0.1", why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(mxp_stream_conf_allow(c, KEY, GUID, "::1", why, sizeof(why)), 0, "allow from defaults to *");
	static const struct {
		const char *key, *guid, *ip, *why;
	} refused[] = {
		{OFF, GUID, "127.0.0.1", "the API key is not enabled: no [" OFF "] with enabled = yes in stream.conf"},
		{"44444444-2222-3333-4444-555555555555", GUID, "127.0.0.1",
		 "the API key is not enabled: no [44444444-2222-3333-4444-555555555555] with enabled = yes in stream.conf"},
		{NARROW, GUID, "127.0.0.1", "127.0.0.1 is not in [" NARROW "] allow from = !10.0.0.9 10.* 192.168.*"},
		{NARROW, GUID, "10.0.0.9", "10.0.0.9 is not in [" NARROW "] allow from = !10.0.0.9 10.* 192.168.*"},
		{KEY, BANNED, "127.0.0.1", "the machine is disabled: [" BANNED "] enabled = no"},
		{MACHINE_AS_KEY, GUID, "127.0.0.1", "the API key is a machine's section ([" MACHINE_AS_KEY "] type = machine)"},
		{"not-a-uuid", GUID, "127.0.0.1", "the API key is not a UUID"},
		{KEY, "nope", "127.0.0.1", "the machine GUID is not a UUID"},
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		cr_assert_eq(mxp_stream_conf_allow(c, refused[i].key, refused[i].guid, refused[i].ip, why, sizeof(why)), -1,
			     "case %zu", i);
		cr_assert_str_eq(why, refused[i].why);
	}
	cr_assert_eq(mxp_stream_conf_allow(c, NARROW, GUID, "10.1.2.3", why, sizeof(why)), 0);
	cr_assert_eq(mxp_stream_conf_allow(c, NARROW, GUID, "192.168.0.1", why, sizeof(why)), 0);
	mxp_stream_conf_free(c);
}

Test(stream_conf, bad_values_name_file_line_and_key)
{
	char err[600] = "";
	cr_assert_null(mxp_stream_conf_load_string("s.conf", "[" KEY "]\n    enabled = perhaps\n", err, sizeof(err)));
	cr_assert_str_eq(err, "s.conf:2: [" KEY "] enabled: 'perhaps' is not yes or no");
	cr_assert_null(mxp_stream_conf_load_string("s.conf", "[" KEY "]\n\n    type = proxy\n", err, sizeof(err)));
	cr_assert_str_eq(err, "s.conf:3: [" KEY "] type: 'proxy' is not api or machine");
	cr_assert_null(mxp_stream_conf_load("/nonexistent/stream.conf", err, sizeof(err)));
	cr_assert(strstr(err, "/nonexistent/stream.conf") != NULL, "%s", err);
}
