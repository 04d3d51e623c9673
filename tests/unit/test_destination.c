/* Unit tests for src/config/destination.c: every form of FORMATS.md §1.4 with its fields
 * written out, every error message word for word, the "/path" warning, and formatting
 * back to text. */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/destination.h"

#define NCASES(a) (sizeof(a) / sizeof((a)[0]))

/* One list of a single entry, the default port, and the fields it must give. */
struct ok_case {
	const char *list;
	const char *def;
	enum mxp_dest_proto proto;
	const char *host;
	const char *iface;
	const char *port;
	bool v6;
};

/* One list, the default port, and the exact error it must give. */
struct err_case {
	const char *list;
	const char *def;
	const char *err;
};

static void expect_fields(const struct mxp_destination *d, const struct ok_case *c)
{
	cr_expect_eq(d->proto, c->proto, "'%s': proto %d, want %d", c->list, d->proto, c->proto);
	cr_expect_str_eq(d->host, c->host, "'%s': host '%s'", c->list, d->host);
	cr_expect_str_eq(d->iface, c->iface, "'%s': iface '%s'", c->list, d->iface);
	cr_expect_str_eq(d->port, c->port, "'%s': port '%s'", c->list, d->port);
	cr_expect_eq(d->ipv6_literal, c->v6, "'%s': ipv6_literal %d", c->list, d->ipv6_literal);
}

/* Parses each case, expects one entry with the written-out fields and no warning, then
 * formats it and parses the text again, which must give the same fields. */
static void check_ok(const struct ok_case *cases, size_t ncases)
{
	for (size_t i = 0; i < ncases; i++) {
		struct mxp_destination *d = NULL, *again = NULL;
		size_t n = 99, n2 = 0;
		char err[256] = "", warn[256] = "junk", text[400];
		int rc = mxp_destinations_parse(cases[i].list, cases[i].def, &d, &n, err,
						sizeof(err), warn, sizeof(warn));

		cr_assert_eq(rc, 0, "'%s': rc %d, err '%s'", cases[i].list, rc, err);
		cr_assert_eq(n, 1, "'%s': %zu entries", cases[i].list, n);
		cr_expect_str_empty(err, "'%s': err '%s' on success", cases[i].list, err);
		cr_expect_str_empty(warn, "'%s': warn '%s'", cases[i].list, warn);
		expect_fields(&d[0], &cases[i]);

		cr_assert_lt(mxp_destination_format(&d[0], text, sizeof(text)), sizeof(text));
		rc = mxp_destinations_parse(text, "", &again, &n2, err, sizeof(err), NULL, 0);
		cr_assert_eq(rc, 0, "'%s' formatted as '%s': rc %d, err '%s'", cases[i].list,
			     text, rc, err);
		cr_assert_eq(n2, 1);
		expect_fields(&again[0], &cases[i]);
		free(again);
		free(d);
	}
}

static void check_err(const struct err_case *cases, size_t ncases)
{
	for (size_t i = 0; i < ncases; i++) {
		struct mxp_destination *d = (void *)&d;
		size_t n = 99;
		char err[512], warn[64] = "junk";
		int rc = mxp_destinations_parse(cases[i].list, cases[i].def, &d, &n, err,
						sizeof(err), warn, sizeof(warn));

		cr_expect_eq(rc, -EINVAL, "'%s': rc %d", cases[i].list ? cases[i].list : "(null)",
			     rc);
		cr_expect_null(d, "'%s': *out not NULL on error", cases[i].list);
		cr_expect_eq(n, 0);
		cr_expect_str_eq(err, cases[i].err, "'%s': err '%s'",
				 cases[i].list ? cases[i].list : "(null)", err);
		cr_expect_str_empty(warn, "'%s': warn '%s' on error", cases[i].list, warn);
	}
}

/* Fills buf with n copies of c and a NUL; returns buf. */
static char *repeat(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

Test(destination, tcp_forms)
{
	static const struct ok_case cases[] = {
		{ "localhost", "2003", MXP_DEST_TCP, "localhost", "", "2003", false },
		{ "localhost:2003", "4242", MXP_DEST_TCP, "localhost", "", "2003", false },
		{ "10.0.0.1:4242", "2003", MXP_DEST_TCP, "10.0.0.1", "", "4242", false },
		{ "tcp:host:1", "2003", MXP_DEST_TCP, "host", "", "1", false },
		{ "TCP:host:65535", "2003", MXP_DEST_TCP, "host", "", "65535", false },
		{ "tcp:host", "5448", MXP_DEST_TCP, "host", "", "5448", false },
		{ "host:02003", "1", MXP_DEST_TCP, "host", "", "2003", false },
		{ "host:00000000000000000000001", "9", MXP_DEST_TCP, "host", "", "1", false },
		{ "my-host.example.com:4242", "2003", MXP_DEST_TCP, "my-host.example.com", "",
		  "4242", false },
	};
	check_ok(cases, NCASES(cases));
}

Test(destination, udp_forms)
{
	static const struct ok_case cases[] = {
		{ "udp:host:8125", "2003", MXP_DEST_UDP, "host", "", "8125", false },
		{ "udp:host", "2003", MXP_DEST_UDP, "host", "", "2003", false },
		{ "Udp:[::1]:8125", "2003", MXP_DEST_UDP, "::1", "", "8125", true },
		{ "udp:[fe80::1%eth0]", "2003", MXP_DEST_UDP, "fe80::1", "eth0", "2003", true },
	};
	check_ok(cases, NCASES(cases));
}

Test(destination, ipv6_and_scope)
{
	static const struct ok_case cases[] = {
		{ "[::1]", "2003", MXP_DEST_TCP, "::1", "", "2003", true },
		{ "[::1]:4242", "2003", MXP_DEST_TCP, "::1", "", "4242", true },
		{ "[fe80::1%eth0]:2003", "9", MXP_DEST_TCP, "fe80::1", "eth0", "2003", true },
		{ "[fe80::1]%eth0:2003", "9", MXP_DEST_TCP, "fe80::1", "eth0", "2003", true },
		{ "[fe80::1]%eth0", "4242", MXP_DEST_TCP, "fe80::1", "eth0", "4242", true },
		{ "tcp:[2001:db8::1]:1", "2003", MXP_DEST_TCP, "2001:db8::1", "", "1", true },
		{ "[::ffff:10.0.0.1]", "2003", MXP_DEST_TCP, "::ffff:10.0.0.1", "", "2003",
		  true },
		/* brackets are not checked to hold IPv6, as netdata did not check them */
		{ "[10.0.0.1]:1", "2003", MXP_DEST_TCP, "10.0.0.1", "", "1", true },
		/* the netdata grammar allows a scope after any host */
		{ "host%eth0:1", "2003", MXP_DEST_TCP, "host", "eth0", "1", false },
		{ "host%wlp0s20f3", "2003", MXP_DEST_TCP, "host", "wlp0s20f3", "2003", false },
	};
	check_ok(cases, NCASES(cases));
}

Test(destination, unix_forms)
{
	static const struct ok_case cases[] = {
		{ "unix:/run/x.sock", "2003", MXP_DEST_UNIX, "/run/x.sock", "", "", false },
		{ "UNIX:/run/x.sock", "", MXP_DEST_UNIX, "/run/x.sock", "", "", false },
		{ "unix:relative.sock", NULL, MXP_DEST_UNIX, "relative.sock", "", "", false },
		/* everything after "unix:" is the path, ':' and '%' and '[' included */
		{ "unix:/tmp/a:b%c[d]", "2003", MXP_DEST_UNIX, "/tmp/a:b%c[d]", "", "", false },
	};
	check_ok(cases, NCASES(cases));
}

Test(destination, service_names)
{
	static const struct ok_case cases[] = {
		{ "host:graphite", "2003", MXP_DEST_TCP, "host", "", "graphite", false },
		{ "host:kerberos_master", "2003", MXP_DEST_TCP, "host", "", "kerberos_master",
		  false },
		{ "host:clc-build-daemon", "2003", MXP_DEST_TCP, "host", "", "clc-build-daemon",
		  false },
		{ "host:x11-1", "2003", MXP_DEST_TCP, "host", "", "x11-1", false },
		{ "host", "graphite", MXP_DEST_TCP, "host", "", "graphite", false },
		/* only the listed protocols make "WORD:" a protocol */
		{ "sctphost:x", "2003", MXP_DEST_TCP, "sctphost", "", "x", false },
		{ "tcp:sctp:x", "2003", MXP_DEST_TCP, "sctp", "", "x", false },
		{ "tcp:http:80", "2003", MXP_DEST_TCP, "http", "", "80", false },
	};
	check_ok(cases, NCASES(cases));
}

/* The default port fills in only a missing port, and "" or NULL means there is none. */
Test(destination, default_port)
{
	static const struct ok_case cases[] = {
		{ "host", "4242", MXP_DEST_TCP, "host", "", "4242", false },
		{ "host", "004242", MXP_DEST_TCP, "host", "", "4242", false },
		{ "host:1", "", MXP_DEST_TCP, "host", "", "1", false },
		{ "host:1", NULL, MXP_DEST_TCP, "host", "", "1", false },
		{ "[::1]:9090", "", MXP_DEST_TCP, "::1", "", "9090", true },
	};
	check_ok(cases, NCASES(cases));
}

/* The fields at their largest. */
Test(destination, limits)
{
	char list[400], host[256], path[108], iface[16], svc[32];
	struct ok_case c;

	repeat(host, 'h', 255);
	snprintf(list, sizeof(list), "%s:1", host);
	c = (struct ok_case){ list, "", MXP_DEST_TCP, host, "", "1", false };
	check_ok(&c, 1);

	repeat(path, 'p', 107);
	path[0] = '/';
	snprintf(list, sizeof(list), "unix:%s", path);
	c = (struct ok_case){ list, "", MXP_DEST_UNIX, path, "", "", false };
	check_ok(&c, 1);

	repeat(iface, 'i', 15);
	snprintf(list, sizeof(list), "[fe80::1%%%s]:1", iface);
	c = (struct ok_case){ list, "", MXP_DEST_TCP, "fe80::1", iface, "1", true };
	check_ok(&c, 1);

	repeat(svc, 's', 31);
	snprintf(list, sizeof(list), "host:%s", svc);
	c = (struct ok_case){ list, "", MXP_DEST_TCP, "host", "", svc, false };
	check_ok(&c, 1);
}

/* Whitespace and commas separate, in runs, at either end; entries keep their order. */
Test(destination, lists)
{
	static const char *const lists[] = {
		"a b,c  d",
		" \t,a,,b \n c\r\n,\v\fd, ",
	};

	for (size_t l = 0; l < NCASES(lists); l++) {
		struct mxp_destination *d = NULL;
		size_t n = 0;
		char err[128];

		cr_assert_eq(mxp_destinations_parse(lists[l], "2003", &d, &n, err, sizeof(err),
						    NULL, 0),
			     0, "'%s': %s", lists[l], err);
		cr_assert_eq(n, 4, "'%s': %zu entries", lists[l], n);
		for (size_t i = 0; i < 4; i++) {
			char want[2] = { (char)('a' + i), '\0' };

			cr_expect_str_eq(d[i].host, want);
			cr_expect_str_eq(d[i].port, "2003");
			cr_expect_eq(d[i].proto, MXP_DEST_TCP);
		}
		free(d);
	}
}

Test(destination, mixed_list)
{
	struct mxp_destination *d = NULL;
	size_t n = 0;
	char err[128];
	const char *list = "udp:stats:8125, unix:/run/g.sock\t[::1]:2003,localhost";

	cr_assert_eq(mxp_destinations_parse(list, "4242", &d, &n, err, sizeof(err), NULL, 0), 0,
		     "%s", err);
	cr_assert_eq(n, 4);
	expect_fields(&d[0], &(struct ok_case){ "0", "", MXP_DEST_UDP, "stats", "", "8125",
						false });
	expect_fields(&d[1], &(struct ok_case){ "1", "", MXP_DEST_UNIX, "/run/g.sock", "", "",
						false });
	expect_fields(&d[2], &(struct ok_case){ "2", "", MXP_DEST_TCP, "::1", "", "2003", true });
	expect_fields(&d[3], &(struct ok_case){ "3", "", MXP_DEST_TCP, "localhost", "", "4242",
						false });
	free(d);
}

Test(destination, empty_list)
{
	static const struct err_case cases[] = {
		{ "", "2003", "destination is empty" },
		{ NULL, "2003", "destination is empty" },
		{ " ", "2003", "destination is empty" },
		{ " ,\t,\n, ", "2003", "destination is empty" },
	};
	check_err(cases, NCASES(cases));
}

Test(destination, host_errors)
{
	static const struct err_case cases[] = {
		{ ":2003", "2003", "entry 1 ':2003': host is empty" },
		{ "tcp:", "2003", "entry 1 'tcp:': host is empty" },
		{ "udp::1", "2003", "entry 1 'udp::1': host is empty" },
		{ "[]:1", "2003", "entry 1 '[]:1': host is empty" },
		{ "[%eth0]", "2003", "entry 1 '[%eth0]': host is empty" },
		{ "%eth0:1", "2003", "entry 1 '%eth0:1': host is empty" },
		{ "/run/x.sock", "2003",
		  "entry 1 '/run/x.sock': host is empty (a unix socket is written unix:PATH)" },
		{ "a tcp:/x", "2003",
		  "entry 2 'tcp:/x': host is empty (a unix socket is written unix:PATH)" },
	};
	check_err(cases, NCASES(cases));
}

Test(destination, protocol_errors)
{
	static const struct err_case cases[] = {
		{ "sctp:x", "2003",
		  "entry 1 'sctp:x': unknown protocol 'sctp' (expected tcp, udp or unix)" },
		{ "SCTP:host:1", "2003",
		  "entry 1 'SCTP:host:1': unknown protocol 'SCTP' (expected tcp, udp or unix)" },
		{ "https:", "2003",
		  "entry 1 'https:': unknown protocol 'https' (expected tcp, udp or unix)" },
		{ "http://host:1", "2003",
		  "entry 1 'http://host:1': unknown protocol 'http' (expected tcp, udp or unix)" },
		{ "foo:[::1]:1", "2003",
		  "entry 1 'foo:[::1]:1': unknown protocol 'foo' (expected tcp, udp or unix)" },
	};
	check_err(cases, NCASES(cases));
}

Test(destination, bracket_errors)
{
	static const struct err_case cases[] = {
		{ "[::1", "2003", "entry 1 '[::1': '[' is not closed by ']'" },
		{ "[::1:2003", "2003", "entry 1 '[::1:2003': '[' is not closed by ']'" },
		/* the seed's cut at '/' comes first, so a prefix length loses the ']' */
		{ "[fe80::1/64]", "2003", "entry 1 '[fe80::1/64]': '[' is not closed by ']'" },
		{ "[::1]x", "2003",
		  "entry 1 '[::1]x': unexpected 'x' after ']' (only %IFACE and :PORT may follow)" },
		{ "[::1]2003", "2003",
		  "entry 1 '[::1]2003': unexpected '2003' after ']' (only %IFACE and :PORT may "
		  "follow)" },
		{ "[::1]]", "2003",
		  "entry 1 '[::1]]': unexpected ']' after ']' (only %IFACE and :PORT may follow)" },
	};
	check_err(cases, NCASES(cases));
}

/* IPv6 without brackets is ambiguous (is the last group a port?) and never worked in the
 * seed, which cut the host at the first ':'. */
Test(destination, bare_ipv6)
{
	static const struct err_case cases[] = {
		{ "fe80::1%eth0", "2003",
		  "entry 1 'fe80::1%eth0': an IPv6 address must be written in brackets, as "
		  "[ADDRESS] or [ADDRESS]:PORT" },
		{ "::1", "2003",
		  "entry 1 '::1': an IPv6 address must be written in brackets, as [ADDRESS] or "
		  "[ADDRESS]:PORT" },
		{ "tcp:2001:db8::1:2003", "2003",
		  "entry 1 'tcp:2001:db8::1:2003': an IPv6 address must be written in brackets, "
		  "as [ADDRESS] or [ADDRESS]:PORT" },
		{ "udp:::ffff:10.0.0.1", "2003",
		  "entry 1 'udp:::ffff:10.0.0.1': an IPv6 address must be written in brackets, "
		  "as [ADDRESS] or [ADDRESS]:PORT" },
	};
	check_err(cases, NCASES(cases));
}

Test(destination, port_errors)
{
	static const struct err_case cases[] = {
		{ "host:", "2003", "entry 1 'host:': port is empty" },
		{ "[::1]:", "2003", "entry 1 '[::1]:': port is empty" },
		{ "a,host:99999", "2003",
		  "entry 2 'host:99999': port 99999 is out of range (1-65535)" },
		{ "host:0", "2003", "entry 1 'host:0': port 0 is out of range (1-65535)" },
		{ "host:65536", "2003", "entry 1 'host:65536': port 65536 is out of range (1-65535)" },
		{ "host:000", "2003", "entry 1 'host:000': port 000 is out of range (1-65535)" },
		{ "host:184467440737095516160", "2003",
		  "entry 1 'host:184467440737095516160': port 184467440737095516160 is out of "
		  "range (1-65535)" },
		{ "host:gr@phite", "2003",
		  "entry 1 'host:gr@phite': port 'gr@phite' is neither a number (1-65535) nor a "
		  "service name (letters, digits, '-', '_')" },
		{ "host:-1", "2003",
		  "entry 1 'host:-1': port '-1' is neither a number (1-65535) nor a service name "
		  "(letters, digits, '-', '_')" },
		{ "x:host:1", "2003",
		  "entry 1 'x:host:1': port 'host:1' is neither a number (1-65535) nor a service "
		  "name (letters, digits, '-', '_')" },
		{ "host:abcdefghijklmnopqrstuvwxyz012345", "2003",
		  "entry 1 'host:abcdefghijklmnopqrstuvwxyz012345': service name "
		  "'abcdefghijklmnopqrstuvwxyz012345' is longer than 31 bytes" },
	};
	check_err(cases, NCASES(cases));
}

/* prometheus_remote_write has no default port: an entry must carry one. */
Test(destination, no_default_port)
{
	static const struct err_case cases[] = {
		{ "host", "",
		  "entry 1 'host': no port given, and this backend type has no default port" },
		{ "host:1 [::1]", NULL,
		  "entry 2 '[::1]': no port given, and this backend type has no default port" },
		{ "host", "0", "default port: port 0 is out of range (1-65535)" },
		{ "host:1", "x@y",
		  "default port: port 'x@y' is neither a number (1-65535) nor a service name "
		  "(letters, digits, '-', '_')" },
	};
	check_err(cases, NCASES(cases));
}

Test(destination, iface_errors)
{
	static const struct err_case cases[] = {
		{ "host%:1", "2003", "entry 1 'host%:1': interface after '%' is empty" },
		{ "[fe80::1%]", "2003", "entry 1 '[fe80::1%]': interface after '%' is empty" },
		{ "[fe80::1]%", "2003", "entry 1 '[fe80::1]%': interface after '%' is empty" },
		{ "[fe80::1%abcdefghijklmnop]:1", "2003",
		  "entry 1 '[fe80::1%abcdefghijklmnop]:1': interface 'abcdefghijklmnop' is longer "
		  "than 15 bytes" },
		{ "[fe80::1%eth:0]", "2003",
		  "entry 1 '[fe80::1%eth:0]': interface 'eth:0' may not hold ':', '%', '[' or ']'" },
		{ "host%a%b:1", "2003",
		  "entry 1 'host%a%b:1': interface 'a%b' may not hold ':', '%', '[' or ']'" },
		{ "[fe80::1%eth0]%eth1", "2003",
		  "entry 1 '[fe80::1%eth0]%eth1': the interface is given twice" },
	};
	check_err(cases, NCASES(cases));
}

Test(destination, length_errors)
{
	char host[300], list[400], want[800], path[200];
	struct err_case c;

	repeat(host, 'h', 256);
	snprintf(list, sizeof(list), "%s:1", host);
	snprintf(want, sizeof(want), "entry 1 '%s': host is 256 bytes, longer than 255", list);
	c = (struct err_case){ list, "2003", want };
	check_err(&c, 1);

	repeat(path, 'p', 108);
	snprintf(list, sizeof(list), "unix:%s", path);
	snprintf(want, sizeof(want),
		 "entry 1 '%s': unix socket path is 108 bytes, longer than 107", list);
	c = (struct err_case){ list, "2003", want };
	check_err(&c, 1);

	c = (struct err_case){ "a unix:", "2003", "entry 2 'unix:': unix socket path is empty" };
	check_err(&c, 1);
}

/* The first bad entry stops the parse, and a short err buffer is cut, NUL-terminated. */
Test(destination, first_error_and_short_buffer)
{
	struct mxp_destination *d = NULL;
	size_t n = 7;
	char err[16];

	cr_assert_eq(mxp_destinations_parse("ok bad:0 worse:", "2003", &d, &n, err, sizeof(err),
					    NULL, 0),
		     -EINVAL);
	cr_expect_str_eq(err, "entry 2 'bad:0'");
	cr_expect_null(d);
	cr_expect_eq(n, 0);
	cr_expect_eq(mxp_destinations_parse("", "2003", &d, &n, NULL, 0, NULL, 0), -EINVAL);
}

/* The seed ended an entry at the first '/'; mxp does too, and says so. */
Test(destination, path_warning)
{
	struct mxp_destination *d = NULL;
	size_t n = 0;
	char err[128], warn[512];

	cr_assert_eq(mxp_destinations_parse("localhost:2003/x", "4242", &d, &n, err, sizeof(err),
					    warn, sizeof(warn)),
		     0, "%s", err);
	cr_assert_eq(n, 1);
	expect_fields(&d[0], &(struct ok_case){ "", "", MXP_DEST_TCP, "localhost", "", "2003",
						false });
	cr_expect_str_eq(warn, "entry 1 'localhost:2003/x': '/x' is ignored (netdata skips "
			       "from the first '/')");
	free(d);

	/* the cut comes before the port, as in the seed */
	cr_assert_eq(mxp_destinations_parse("a tcp:host/x:9,[::1]:1/ b", "4242", &d, &n, err,
					    sizeof(err), warn, sizeof(warn)),
		     0, "%s", err);
	cr_assert_eq(n, 4);
	expect_fields(&d[1], &(struct ok_case){ "", "", MXP_DEST_TCP, "host", "", "4242",
						false });
	expect_fields(&d[2], &(struct ok_case){ "", "", MXP_DEST_TCP, "::1", "", "1", true });
	cr_expect_str_eq(warn, "entry 2 'tcp:host/x:9': '/x:9' is ignored (netdata skips from "
			       "the first '/'); entry 3 '[::1]:1/': '/' is ignored (netdata "
			       "skips from the first '/')");
	free(d);

	/* a unix path keeps its '/', and warn may be NULL */
	cr_assert_eq(mxp_destinations_parse("h/x unix:/a/b", "1", &d, &n, err, sizeof(err), NULL,
					    0),
		     0, "%s", err);
	cr_expect_str_eq(d[1].host, "/a/b");
	free(d);

	/* a short warn buffer is cut, NUL-terminated */
	cr_assert_eq(mxp_destinations_parse("h/x", "1", &d, &n, err, sizeof(err), warn, 10), 0);
	cr_expect_str_eq(warn, "entry 1 '");
	free(d);
}

Test(destination, format)
{
	static const struct {
		struct mxp_destination d;
		const char *want;
	} cases[] = {
		{ { MXP_DEST_TCP, "localhost", "", "2003", false }, "tcp:localhost:2003" },
		{ { MXP_DEST_TCP, "::1", "", "2003", true }, "tcp:[::1]:2003" },
		{ { MXP_DEST_UDP, "fe80::1", "eth0", "8125", true }, "udp:[fe80::1%eth0]:8125" },
		{ { MXP_DEST_TCP, "host", "eth0", "graphite", false }, "tcp:host%eth0:graphite" },
		{ { MXP_DEST_UNIX, "/run/x.sock", "", "", false }, "unix:/run/x.sock" },
		{ { MXP_DEST_TCP, "host", "", "", false }, "tcp:host" },
	};
	char buf[400];

	for (size_t i = 0; i < NCASES(cases); i++) {
		size_t len = mxp_destination_format(&cases[i].d, buf, sizeof(buf));

		cr_expect_str_eq(buf, cases[i].want);
		cr_expect_eq(len, strlen(cases[i].want));
	}

	/* like snprintf: cut to the buffer, the full length returned, nothing for len 0 */
	cr_expect_eq(mxp_destination_format(&cases[1].d, buf, 6), strlen("tcp:[::1]:2003"));
	cr_expect_str_eq(buf, "tcp:[");
	cr_expect_eq(mxp_destination_format(&cases[1].d, NULL, 0), strlen("tcp:[::1]:2003"));
}

/* The largest entry fits the 400 bytes the header promises. */
Test(destination, format_largest)
{
	struct mxp_destination d = { .proto = MXP_DEST_UDP, .ipv6_literal = true };

	repeat(d.host, 'h', sizeof(d.host) - 1);
	repeat(d.iface, 'i', sizeof(d.iface) - 1);
	repeat(d.port, 'p', sizeof(d.port) - 1);
	cr_expect_lt(mxp_destination_format(&d, NULL, 0), 400);
}
