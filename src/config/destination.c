/* destination.c — parses netdata's `destination` list; the grammar and every departure
 * from the seed are in destination.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/destination.h"

/* Longest reason an entry parser writes; the caller adds "entry N '...': " in front. */
#define REASON_MAX 512

/* Protocols and URL schemes that a user may write in front of a host and that mxp does
 * not speak: "WORD:..." with one of these is an unknown protocol, not a host. */
static const char *const unsupported_protocols[] = {
	"sctp", "dccp", "udplite", "raw", "tls", "ssl", "http",
	"https", "tcp4", "tcp6", "udp4", "udp6", "file",
};

static bool is_separator(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' ||
	       c == ',';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* True when the n bytes at s begin with `word` (lower case) in any ASCII case;
 * strncasecmp would follow the locale. */
static bool starts_nocase(const char *s, size_t n, const char *word)
{
	size_t i;

	for (i = 0; word[i] != '\0'; i++) {
		char c = i < n ? s[i] : '\0';

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != word[i])
			return false;
	}
	return true;
}

/* snprintf that tolerates buf == NULL or len == 0. */
__attribute__((format(printf, 3, 4)))
static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* `%.*s` wants an int. */
static int prec(size_t n)
{
	return n > 4096 ? 4096 : (int)n;
}

/* Copies n bytes of s, NUL-terminated, into dst; the caller checked n < its size. */
static void copy_field(char *dst, const char *s, size_t n)
{
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Parses PORT (s, n bytes) into out (MXP_DEST_PORT_MAX bytes): a number 1-65535 is stored
 * in decimal without leading zeros, a service name as written.
 * Returns 0, or -EINVAL with the reason in why. */
static int parse_port(const char *s, size_t n, char *out, char *why, size_t whylen)
{
	size_t digits = 0, i;
	bool letter = false;

	if (n == 0) {
		say(why, whylen, "port is empty");
		return -EINVAL;
	}
	while (digits < n && is_digit(s[digits]))
		digits++;

	if (digits == n) {
		unsigned long v = 0;

		for (i = 0; i < n; i++) {
			v = v * 10 + (unsigned long)(s[i] - '0');
			if (v > 65535)
				break;
		}
		if (v < 1 || v > 65535) {
			say(why, whylen, "port %.*s is out of range (1-65535)", prec(n), s);
			return -EINVAL;
		}
		snprintf(out, MXP_DEST_PORT_MAX, "%lu", v);
		return 0;
	}

	for (i = 0; i < n; i++) {
		if (is_alpha(s[i]))
			letter = true;
		else if (!is_digit(s[i]) && s[i] != '-' && s[i] != '_')
			break;
	}
	if (i < n || !letter) {
		say(why, whylen,
		    "port '%.*s' is neither a number (1-65535) nor a service name "
		    "(letters, digits, '-', '_')",
		    prec(n), s);
		return -EINVAL;
	}
	if (n >= MXP_DEST_PORT_MAX) {
		say(why, whylen, "service name '%.*s' is longer than %d bytes", prec(n), s,
		    MXP_DEST_PORT_MAX - 1);
		return -EINVAL;
	}
	copy_field(out, s, n);
	return 0;
}

/* True when `e` (n bytes) starts with "WORD:" naming a protocol mxp does not speak, or
 * "WORD:" followed by something that cannot start a port ('[' or '/'); *wlen is then
 * the length of WORD. The rule and its reasons are in destination.h. */
static bool is_unknown_protocol(const char *e, size_t n, size_t *wlen)
{
	size_t w = 0;

	if (n == 0 || !is_alpha(e[0]))
		return false;
	while (w < n && (is_alpha(e[w]) || is_digit(e[w]) || e[w] == '+' || e[w] == '-' ||
			 e[w] == '.'))
		w++;
	if (w == n || e[w] != ':')
		return false;
	*wlen = w;
	if (w + 1 < n && (e[w + 1] == '[' || e[w + 1] == '/'))
		return true;
	for (size_t i = 0; i < sizeof(unsupported_protocols) / sizeof(unsupported_protocols[0]);
	     i++) {
		if (strlen(unsupported_protocols[i]) == w &&
		    starts_nocase(e, w, unsupported_protocols[i]))
			return true;
	}
	return false;
}

/* True when the host part `s` (n bytes, up to the first '%' or the end) is an IPv6
 * address written without brackets: only hex digits, '.' and at least two ':'. */
static bool is_bare_ipv6(const char *s, size_t n)
{
	size_t colons = 0;

	for (size_t i = 0; i < n && s[i] != '%'; i++) {
		if (s[i] == ':')
			colons++;
		else if (!is_hex(s[i]) && s[i] != '.')
			return false;
	}
	return colons >= 2;
}

/* Checks the interface name (s, n bytes) and stores it in d->iface.
 * Returns 0, or -EINVAL with the reason in why. */
static int take_iface(const char *s, size_t n, struct mxp_destination *d, char *why,
		      size_t whylen)
{
	if (n == 0) {
		say(why, whylen, "interface after '%%' is empty");
		return -EINVAL;
	}
	if (n >= MXP_DEST_IFACE_MAX) {
		say(why, whylen, "interface '%.*s' is longer than %d bytes", prec(n), s,
		    MXP_DEST_IFACE_MAX - 1);
		return -EINVAL;
	}
	if (memchr(s, ':', n) || memchr(s, '%', n) || memchr(s, '[', n) || memchr(s, ']', n)) {
		say(why, whylen, "interface '%.*s' may not hold ':', '%%', '[' or ']'", prec(n),
		    s);
		return -EINVAL;
	}
	copy_field(d->iface, s, n);
	return 0;
}

/* Parses one entry `e` (n > 0 bytes, no separator inside) into *d, which the caller
 * zeroed. `def` is the validated default port, "" for none.
 * Returns 0, with the ignored "/..." part (if any) as *ign / *ignlen; or -EINVAL with
 * the reason in why. */
static int parse_entry(const char *e, size_t n, const char *def, struct mxp_destination *d,
		       const char **ign, size_t *ignlen, char *why, size_t whylen)
{
	const char *host, *iface = NULL, *cut;
	size_t hostlen, ifacelen = 0, pos;
	size_t wlen;

	*ign = NULL;
	*ignlen = 0;
	d->proto = MXP_DEST_TCP;

	if (starts_nocase(e, n, "unix:")) {
		d->proto = MXP_DEST_UNIX;
		if (n == 5) {
			say(why, whylen, "unix socket path is empty");
			return -EINVAL;
		}
		if (n - 5 > MXP_DEST_UNIX_PATH_MAX) {
			say(why, whylen, "unix socket path is %zu bytes, longer than %d", n - 5,
			    MXP_DEST_UNIX_PATH_MAX);
			return -EINVAL;
		}
		copy_field(d->host, e + 5, n - 5);
		return 0;
	}
	if (starts_nocase(e, n, "tcp:")) {
		e += 4;
		n -= 4;
	} else if (starts_nocase(e, n, "udp:")) {
		d->proto = MXP_DEST_UDP;
		e += 4;
		n -= 4;
	} else if (is_unknown_protocol(e, n, &wlen)) {
		say(why, whylen, "unknown protocol '%.*s' (expected tcp, udp or unix)",
		    prec(wlen), e);
		return -EINVAL;
	}

	/* The seed's cut: the entry ends at the first '/'. */
	cut = memchr(e, '/', n);
	if (cut) {
		*ign = cut;
		*ignlen = n - (size_t)(cut - e);
		n = (size_t)(cut - e);
		if (n == 0) {
			say(why, whylen, "host is empty (a unix socket is written unix:PATH)");
			return -EINVAL;
		}
	}

	if (n > 0 && e[0] == '[') {
		const char *close = memchr(e, ']', n);
		const char *pct;

		if (!close) {
			say(why, whylen, "'[' is not closed by ']'");
			return -EINVAL;
		}
		d->ipv6_literal = true;
		host = e + 1;
		hostlen = (size_t)(close - host);
		pct = memchr(host, '%', hostlen);
		if (pct) {
			iface = pct + 1;
			ifacelen = (size_t)(close - iface);
			hostlen = (size_t)(pct - host);
		}
		pos = (size_t)(close - e) + 1;
		if (pos < n && e[pos] != ':' && e[pos] != '%') {
			say(why, whylen,
			    "unexpected '%.*s' after ']' (only %%IFACE and :PORT may follow)",
			    prec(n - pos), e + pos);
			return -EINVAL;
		}
	} else {
		if (is_bare_ipv6(e, n)) {
			say(why, whylen,
			    "an IPv6 address must be written in brackets, as [ADDRESS] or "
			    "[ADDRESS]:PORT");
			return -EINVAL;
		}
		host = e;
		hostlen = 0;
		while (hostlen < n && e[hostlen] != ':' && e[hostlen] != '%')
			hostlen++;
		pos = hostlen;
	}

	if (hostlen == 0) {
		say(why, whylen, "host is empty");
		return -EINVAL;
	}
	if (hostlen >= MXP_DEST_HOST_MAX) {
		say(why, whylen, "host is %zu bytes, longer than %d", hostlen,
		    MXP_DEST_HOST_MAX - 1);
		return -EINVAL;
	}
	copy_field(d->host, host, hostlen);

	if (pos < n && e[pos] == '%') {
		size_t start = ++pos;

		if (iface) {
			say(why, whylen, "the interface is given twice");
			return -EINVAL;
		}
		while (pos < n && e[pos] != ':')
			pos++;
		iface = e + start;
		ifacelen = pos - start;
	}
	if (iface && take_iface(iface, ifacelen, d, why, whylen) != 0)
		return -EINVAL;

	if (pos < n) /* e[pos] is ':' */
		return parse_port(e + pos + 1, n - pos - 1, d->port, why, whylen);
	if (def[0] == '\0') {
		say(why, whylen, "no port given, and this backend type has no default port");
		return -EINVAL;
	}
	strcpy(d->port, def);
	return 0;
}

/* Appends a note to warn, after "; " when it already holds one; truncates silently. */
__attribute__((format(printf, 3, 4)))
static void add_warning(char *warn, size_t warnlen, const char *fmt, ...)
{
	size_t used;
	va_list ap;

	if (!warn || warnlen == 0)
		return;
	used = strlen(warn);
	if (used > 0 && used + 2 < warnlen) {
		memcpy(warn + used, "; ", 3);
		used += 2;
	}
	if (used + 1 >= warnlen)
		return;
	va_start(ap, fmt);
	vsnprintf(warn + used, warnlen - used, fmt, ap);
	va_end(ap);
}

/* Moves *p past separators and returns the length of the entry that starts there. */
static size_t next_entry(const char **p)
{
	const char *s = *p;
	size_t n = 0;

	while (*s && is_separator(*s))
		s++;
	while (s[n] && !is_separator(s[n]))
		n++;
	*p = s;
	return n;
}

int mxp_destinations_parse(const char *list, const char *default_port,
			   struct mxp_destination **out, size_t *n,
			   char *err, size_t errlen, char *warn, size_t warnlen)
{
	struct mxp_destination *dests = NULL;
	char def[MXP_DEST_PORT_MAX] = "";
	char why[REASON_MAX];
	const char *p;
	size_t count = 0, len, i;
	int rc = -EINVAL;

	*out = NULL;
	*n = 0;
	say(err, errlen, "%s", "");
	say(warn, warnlen, "%s", "");
	if (!list)
		list = "";

	if (default_port && default_port[0] != '\0' &&
	    parse_port(default_port, strlen(default_port), def, why, sizeof(why)) != 0) {
		say(err, errlen, "default port: %s", why);
		goto out;
	}

	for (p = list; (len = next_entry(&p)) > 0; p += len)
		count++;
	if (count == 0) {
		say(err, errlen, "destination is empty");
		goto out;
	}

	dests = calloc(count, sizeof(*dests));
	if (!dests) {
		say(err, errlen, "out of memory for %zu destinations", count);
		rc = -ENOMEM;
		goto out;
	}

	for (p = list, i = 0; (len = next_entry(&p)) > 0; p += len, i++) {
		const char *ign;
		size_t ignlen;

		if (parse_entry(p, len, def, &dests[i], &ign, &ignlen, why, sizeof(why)) != 0) {
			say(err, errlen, "entry %zu '%.*s': %s", i + 1, prec(len), p, why);
			goto out;
		}
		if (ign)
			add_warning(warn, warnlen,
				    "entry %zu '%.*s': '%.*s' is ignored (netdata skips from "
				    "the first '/')",
				    i + 1, prec(len), p, prec(ignlen), ign);
	}

	*out = dests;
	*n = count;
	dests = NULL;
	rc = 0;
out:
	free(dests);
	if (rc != 0)
		say(warn, warnlen, "%s", "");
	return rc;
}

size_t mxp_destination_format(const struct mxp_destination *d, char *buf, size_t len)
{
	const char *proto = d->proto == MXP_DEST_UDP ? "udp" : "tcp";
	const char *pct = d->iface[0] ? "%" : "";
	const char *colon = d->port[0] ? ":" : "";
	int r;

	if (d->proto == MXP_DEST_UNIX)
		r = snprintf(buf, len, "unix:%s", d->host);
	else if (d->ipv6_literal)
		r = snprintf(buf, len, "%s:[%s%s%s]%s%s", proto, d->host, pct, d->iface, colon,
			     d->port);
	else
		r = snprintf(buf, len, "%s:%s%s%s%s%s", proto, d->host, pct, d->iface, colon,
			     d->port);
	return r < 0 ? 0 : (size_t)r;
}
