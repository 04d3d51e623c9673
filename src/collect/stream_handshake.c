/* stream_handshake.c — netdata's streaming request and the parent's prompt (see the
 * header). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collect/stream_handshake.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Copies s[0..n) into out (cap bytes) with %XX decoded; false when it does not fit. */
static bool copy_decoded(char *out, size_t cap, const char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		}
		if (c == '\0')
			continue; /* an encoded NUL would cut the value: dropped */
		if (o + 1 >= cap)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return true;
}

static bool parse_uint(const char *s, size_t n, unsigned long max, unsigned long *out)
{
	if (n == 0 || n > 10)
		return false;
	unsigned long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* One key=value of the query. */
static int take_field(struct mxp_stream_hello *h, const char *k, size_t kn, const char *v, size_t vn,
		      const char **why)
{
#define IS(name) (kn == sizeof(name) - 1 && memcmp(k, name, kn) == 0)
	char *dst = NULL;
	size_t cap = 0;
	if (IS("key"))
		dst = h->key, cap = sizeof(h->key);
	else if (IS("hostname"))
		dst = h->hostname, cap = sizeof(h->hostname);
	else if (IS("registry_hostname"))
		dst = h->registry_hostname, cap = sizeof(h->registry_hostname);
	else if (IS("machine_guid"))
		dst = h->machine_guid, cap = sizeof(h->machine_guid);
	else if (IS("os"))
		dst = h->os, cap = sizeof(h->os);
	else if (IS("timezone"))
		dst = h->timezone, cap = sizeof(h->timezone);
	else if (IS("tags"))
		dst = h->tags, cap = sizeof(h->tags);
	else if (IS("update_every")) {
		unsigned long ue;
		if (!parse_uint(v, vn, 86400, &ue)) {
			*why = "update_every is not 0 to 86400";
			return -1;
		}
		h->update_every = (int)ue;
		return 0;
	} else if (IS("ver")) {
		unsigned long ver;
		if (!parse_uint(v, vn, UINT32_MAX, &ver)) {
			*why = "ver is not a number";
			return -1;
		}
		h->ver = (uint32_t)ver;
		h->has_ver = true;
		return 0;
	}
#undef IS
	if (dst == NULL)
		return 0; /* NETDATA_SYSTEM_* and the like: not needed */
	if (!copy_decoded(dst, cap, v, vn)) {
		*why = "a field is longer than mxp keeps";
		return -1;
	}
	return 0;
}

int mxp_stream_hello_parse(const char *buf, size_t len, struct mxp_stream_hello *out, const char **why)
{
	static const char method[] = "STREAM ";
	const char *w = NULL;
	why = why ? why : &w;
	size_t m = len < sizeof(method) - 1 ? len : sizeof(method) - 1;
	if (memcmp(buf, method, m) != 0) {
		*why = "not a STREAM request";
		return -1;
	}
	/* the request ends at the first empty line */
	const char *end = NULL;
	for (size_t i = 0; i + 3 < len; i++) {
		if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
			end = buf + i + 4;
			break;
		}
	}
	if (end == NULL) {
		if (len >= MXP_STREAM_HELLO_MAX) {
			*why = "no end of the request within 8192 bytes";
			return -1;
		}
		return 1;
	}
	memset(out, 0, sizeof(*out));
	out->length = (size_t)(end - buf);
	const char *line_end = memchr(buf, '\r', (size_t)(end - buf));
	/* the query runs to the line's last " HTTP/" (values may hold blanks) */
	const char *q = buf + sizeof(method) - 1, *q_end = NULL;
	for (const char *p = line_end - 1; p >= q; p--) {
		if ((size_t)(line_end - p) >= 6 && memcmp(p, " HTTP/", 6) == 0) {
			q_end = p;
			break;
		}
	}
	if (q_end == NULL) {
		*why = "the request line has no HTTP version";
		return -1;
	}
	while (q < q_end) {
		const char *amp = memchr(q, '&', (size_t)(q_end - q));
		const char *f_end = amp ? amp : q_end;
		const char *eq = memchr(q, '=', (size_t)(f_end - q));
		if (eq != NULL && take_field(out, q, (size_t)(eq - q), eq + 1, (size_t)(f_end - eq - 1), why) != 0)
			return -1;
		q = f_end + 1;
	}
	/* headers: only User-Agent is kept */
	static const char ua[] = "User-Agent: ";
	for (const char *p = line_end + 2; p + sizeof(ua) - 1 < end; ) {
		const char *nl = memchr(p, '\r', (size_t)(end - p));
		if (nl == NULL)
			break;
		if ((size_t)(nl - p) > sizeof(ua) - 1 && strncasecmp(p, ua, sizeof(ua) - 1) == 0) {
			const char *v = p + sizeof(ua) - 1;
			size_t n = (size_t)(nl - v);
			if (n >= sizeof(out->program_version))
				n = sizeof(out->program_version) - 1;
			memcpy(out->program_version, v, n);
			out->program_version[n] = '\0';
		}
		p = nl + 2;
	}
	if (out->key[0] == '\0' || out->hostname[0] == '\0' || out->machine_guid[0] == '\0') {
		*why = "key, hostname and machine_guid are required";
		return -1;
	}
	return 0;
}

bool mxp_stream_is_uuid(const char *s)
{
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : hexval(s[i]) < 0)
			return false;
	}
	return s[36] == '\0';
}

int mxp_stream_negotiate(const struct mxp_stream_hello *h, char *reply, size_t cap)
{
	int v;
	if (!h->has_ver)
		v = 0;
	else if (h->ver & MXP_STREAM_CAP_VCAPS)
		v = (h->ver & MXP_STREAM_CAP_CLABELS) ? 4 : (h->ver & MXP_STREAM_CAP_CLAIM) ? 3
		  : (h->ver & (MXP_STREAM_CAP_VN | MXP_STREAM_CAP_HLABELS)) ? 2 : (h->ver & MXP_STREAM_CAP_V2) ? 1 : 0;
	else
		v = h->ver > MXP_STREAM_VERSION_MAX ? MXP_STREAM_VERSION_MAX : (int)h->ver;
	if (v >= 2)
		snprintf(reply, cap, "%s%d", MXP_STREAM_PROMPT_VN, v);
	else
		snprintf(reply, cap, "%s", v == 1 ? MXP_STREAM_PROMPT_V2 : MXP_STREAM_PROMPT_V1);
	return v;
}
