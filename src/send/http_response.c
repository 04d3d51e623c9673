/* http_response.c — the incremental HTTP/1.1 response parser (http_response.h): lines are
 * collected into p->line across calls, bodies are counted and their head copied. */
#include <limits.h>
#include <string.h>

#include "send/http_response.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* RFC 9110 tchar: what a header name (a token) is made of. */
static bool is_tchar(char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* s[0..n) equals the lower-case word w, ignoring case. */
static bool equals_ci(const char *s, size_t n, const char *w)
{
	if (strlen(w) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(s[i]) != w[i])
			return false;
	return true;
}

static void trim_ows(const char **s, size_t *n)
{
	while (*n > 0 && is_ows(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_ows((*s)[*n - 1]))
		(*n)--;
}

/* Cuts the next element of a comma-separated list off *s: returns it OWS-trimmed in
 * *el and *el_n (possibly empty) and advances past the comma. False when the list is done. */
static bool next_element(const char **s, size_t *n, const char **el, size_t *el_n)
{
	if (*s == NULL)
		return false;
	const char *comma = memchr(*s, ',', *n);
	size_t len = comma != NULL ? (size_t)(comma - *s) : *n;
	*el = *s;
	*el_n = len;
	trim_ows(el, el_n);
	if (comma != NULL) {
		*n -= len + 1;
		*s = comma + 1;
	} else {
		*s = NULL;
		*n = 0;
	}
	return true;
}

/* Clears the response fields for a new (possibly interim) response; keeps the limits'
 * counters, which an interim response also uses up. */
static void clear_response(struct mxp_http_parser *p)
{
	struct mxp_http_response *r = &p->res;
	r->status = 0;
	r->minor_version = 0;
	r->reason[0] = '\0';
	r->content_length = -1;
	r->chunked = false;
	r->until_close = false;
	r->close = false;
	r->keep_alive = false;
	r->has_retry_after = false;
	r->retry_after_s = 0;
	r->body_len = 0;
	r->body_total = 0;
	p->te_seen = false;
	p->remaining = 0;
	p->line_len = 0;
	p->state = MXP_HTTP_ST_STATUS;
}

void mxp_http_parser_reset(struct mxp_http_parser *p)
{
	clear_response(p);
	p->error = 0;
	p->head_bytes = 0;
	p->fields = 0;
	p->started = false;
}

void mxp_http_parser_init(struct mxp_http_parser *p, size_t keep_body)
{
	p->keep = keep_body < MXP_HTTP_BODY_KEEP_MAX ? keep_body : MXP_HTTP_BODY_KEEP_MAX;
	mxp_http_parser_reset(p);
}

static void body_bytes(struct mxp_http_parser *p, const char *data, size_t n)
{
	struct mxp_http_response *r = &p->res;
	if (r->body_len < p->keep) {
		size_t k = p->keep - r->body_len < n ? p->keep - r->body_len : n;
		memcpy(r->body + r->body_len, data, k);
		r->body_len += k;
	}
	r->body_total += n;
}

/* A header-ish line has no CR and no NUL left once its CRLF is gone. */
static bool clean_line(const char *s, size_t n)
{
	return memchr(s, '\r', n) == NULL && memchr(s, '\0', n) == NULL;
}

static int parse_status_line(struct mxp_http_parser *p, const char *s, size_t n)
{
	struct mxp_http_response *r = &p->res;
	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || !is_digit(s[7]) || s[8] != ' ')
		return MXP_HTTP_E_STATUS_LINE;
	if (s[9] < '1' || s[9] > '9' || !is_digit(s[10]) || !is_digit(s[11]))
		return MXP_HTTP_E_STATUS_LINE;
	if (n > 12 && s[12] != ' ')
		return MXP_HTTP_E_STATUS_LINE;
	const char *reason = s + 13;
	size_t reason_n = n > 13 ? n - 13 : 0;
	for (size_t i = 0; i < reason_n; i++) {
		unsigned char c = (unsigned char)reason[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return MXP_HTTP_E_STATUS_LINE;
	}
	r->minor_version = s[7] - '0';
	r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	if (reason_n >= MXP_HTTP_REASON_MAX)
		reason_n = MXP_HTTP_REASON_MAX - 1;
	memcpy(r->reason, reason, reason_n);
	r->reason[reason_n] = '\0';
	return MXP_HTTP_MORE;
}

/* Content-Length: one value or a list of identical ones, each all digits. */
static int content_length(struct mxp_http_parser *p, const char *v, size_t n)
{
	const char *el;
	size_t el_n;
	long long value = -1;
	while (next_element(&v, &n, &el, &el_n)) {
		if (el_n == 0)
			return MXP_HTTP_E_CONTENT_LENGTH;
		long long x = 0;
		for (size_t i = 0; i < el_n; i++) {
			if (!is_digit(el[i]))
				return MXP_HTTP_E_CONTENT_LENGTH;
			int d = el[i] - '0';
			if (x > (LLONG_MAX - d) / 10)
				return MXP_HTTP_E_CONTENT_LENGTH;
			x = x * 10 + d;
		}
		if (value >= 0 && x != value)
			return MXP_HTTP_E_LENGTH_CONFLICT;
		value = x;
	}
	if (p->res.content_length >= 0 && p->res.content_length != value)
		return MXP_HTTP_E_LENGTH_CONFLICT;
	p->res.content_length = value;
	return MXP_HTTP_MORE;
}

/* Transfer-Encoding: only one `chunked`, and nothing after it (over all the lines). */
static int transfer_encoding(struct mxp_http_parser *p, const char *v, size_t n)
{
	const char *el;
	size_t el_n;
	p->te_seen = true;
	while (next_element(&v, &n, &el, &el_n)) {
		if (el_n == 0)
			continue;
		if (p->res.chunked || !equals_ci(el, el_n, "chunked"))
			return MXP_HTTP_E_CODING;
		p->res.chunked = true;
	}
	return MXP_HTTP_MORE;
}

static void connection(struct mxp_http_parser *p, const char *v, size_t n)
{
	const char *el;
	size_t el_n;
	while (next_element(&v, &n, &el, &el_n)) {
		if (equals_ci(el, el_n, "close"))
			p->res.close = true;
		else if (equals_ci(el, el_n, "keep-alive"))
			p->res.keep_alive = true;
	}
}

/* Retry-After: delta-seconds are kept; an HTTP-date (or junk) is not ours to fail on. */
static void retry_after(struct mxp_http_parser *p, const char *v, size_t n)
{
	long x = 0;
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(v[i]))
			return;
		int d = v[i] - '0';
		x = x > (LONG_MAX - d) / 10 ? LONG_MAX : x * 10 + d;
	}
	p->res.has_retry_after = true;
	p->res.retry_after_s = x;
}

/* One `name: value` line of the header (trailer: syntax only). */
static int header_line(struct mxp_http_parser *p, const char *s, size_t n, bool trailer)
{
	if (++p->fields > MXP_HTTP_FIELDS_MAX)
		return MXP_HTTP_E_HEAD_TOO_LARGE;
	const char *colon = memchr(s, ':', n);
	if (colon == NULL || colon == s || !clean_line(s, n))
		return MXP_HTTP_E_HEADER;
	size_t name_n = (size_t)(colon - s);
	for (size_t i = 0; i < name_n; i++)
		if (!is_tchar(s[i]))
			return MXP_HTTP_E_HEADER; /* obs-fold and `name :` included */
	const char *v = colon + 1;
	size_t v_n = n - name_n - 1;
	trim_ows(&v, &v_n);
	if (trailer)
		return MXP_HTTP_MORE;
	if (equals_ci(s, name_n, "content-length"))
		return content_length(p, v, v_n);
	if (equals_ci(s, name_n, "transfer-encoding"))
		return transfer_encoding(p, v, v_n);
	if (equals_ci(s, name_n, "connection"))
		connection(p, v, v_n);
	else if (equals_ci(s, name_n, "retry-after"))
		retry_after(p, v, v_n);
	return MXP_HTTP_MORE;
}

/* The empty line after the headers: decides how the body ends. */
static int end_of_head(struct mxp_http_parser *p)
{
	struct mxp_http_response *r = &p->res;
	if (p->te_seen && !r->chunked)
		return MXP_HTTP_E_CODING;
	if (r->status < 200 && r->status != 101) {
		clear_response(p);
		return MXP_HTTP_MORE;
	}
	if (r->minor_version == 0 && !r->keep_alive)
		r->close = true;
	if (r->status == 101 || r->status == 204 || r->status == 304) {
		if (r->status == 101)
			r->close = true; /* the connection speaks another protocol now */
		r->chunked = false;
		r->content_length = -1;
		p->state = MXP_HTTP_ST_DONE;
		return MXP_HTTP_DONE;
	}
	if (r->chunked) {
		if (r->content_length >= 0)
			r->close = true; /* both: a smuggling attempt or a broken proxy; do not reuse */
		r->content_length = -1;
		p->state = MXP_HTTP_ST_CHUNK_SIZE;
		return MXP_HTTP_MORE;
	}
	if (r->content_length >= 0) {
		p->remaining = (unsigned long long)r->content_length;
		if (p->remaining == 0) {
			p->state = MXP_HTTP_ST_DONE;
			return MXP_HTTP_DONE;
		}
		p->state = MXP_HTTP_ST_BODY_LENGTH;
		return MXP_HTTP_MORE;
	}
	r->until_close = true;
	r->close = true;
	p->state = MXP_HTTP_ST_BODY_CLOSE;
	return MXP_HTTP_MORE;
}

/* chunk-size [BWS] [; extensions] */
static int chunk_size_line(struct mxp_http_parser *p, const char *s, size_t n)
{
	unsigned long long size = 0;
	size_t i = 0;
	int d;
	if (!clean_line(s, n))
		return MXP_HTTP_E_CHUNK_SIZE;
	for (; i < n && (d = hex_value(s[i])) >= 0; i++) {
		if (size > (unsigned long long)LLONG_MAX >> 4)
			return MXP_HTTP_E_CHUNK_SIZE;
		size = size << 4 | (unsigned long long)d;
	}
	if (i == 0)
		return MXP_HTTP_E_CHUNK_SIZE;
	while (i < n && is_ows(s[i]))
		i++;
	if (i < n && s[i] != ';')
		return MXP_HTTP_E_CHUNK_SIZE;
	if (size == 0) {
		p->state = MXP_HTTP_ST_TRAILER;
	} else {
		p->remaining = size;
		p->state = MXP_HTTP_ST_CHUNK_DATA;
	}
	return MXP_HTTP_MORE;
}

/* A complete line (CRLF or LF removed) in the state that collected it. */
static int line_done(struct mxp_http_parser *p)
{
	const char *s = p->line;
	size_t n = p->line_len;
	int rc;
	p->line_len = 0;
	switch (p->state) {
	case MXP_HTTP_ST_STATUS:
		if (!clean_line(s, n))
			return MXP_HTTP_E_STATUS_LINE;
		rc = parse_status_line(p, s, n);
		if (rc == MXP_HTTP_MORE)
			p->state = MXP_HTTP_ST_HEADER;
		return rc;
	case MXP_HTTP_ST_HEADER:
		return n == 0 ? end_of_head(p) : header_line(p, s, n, false);
	case MXP_HTTP_ST_CHUNK_SIZE:
		return chunk_size_line(p, s, n);
	case MXP_HTTP_ST_TRAILER:
		if (n > 0)
			return header_line(p, s, n, true);
		p->state = MXP_HTTP_ST_DONE;
		return MXP_HTTP_DONE;
	default:
		return MXP_HTTP_E_STATUS_LINE; /* not reached: only the line states collect */
	}
}

/* Collects data[*i..) into p->line up to and including a LF. Returns 1 when a line is
 * complete (its CR removed), 0 when data ran out first (all taken), or an error. */
static int take_line(struct mxp_http_parser *p, const char *data, size_t len, size_t *i)
{
	const char *start = data + *i;
	size_t avail = len - *i;
	const char *lf = memchr(start, '\n', avail);
	size_t n = lf != NULL ? (size_t)(lf - start) : avail;
	if (n > sizeof(p->line) - p->line_len)
		return MXP_HTTP_E_LINE_TOO_LONG;
	memcpy(p->line + p->line_len, start, n);
	p->line_len += n;
	*i += n + (lf != NULL);
	if (lf == NULL)
		return 0;
	/* counted when complete, so that which limit fails does not depend on the cuts */
	if (p->state != MXP_HTTP_ST_CHUNK_SIZE) {
		p->head_bytes += p->line_len + 1;
		if (p->head_bytes > MXP_HTTP_HEAD_MAX)
			return MXP_HTTP_E_HEAD_TOO_LARGE;
	}
	if (p->line_len > 0 && p->line[p->line_len - 1] == '\r')
		p->line_len--;
	return 1;
}

int mxp_http_parse(struct mxp_http_parser *p, const char *data, size_t len, size_t *used)
{
	size_t i = 0;
	int rc = MXP_HTTP_MORE;

	if (p->state == MXP_HTTP_ST_ERROR) {
		*used = 0;
		return p->error;
	}
	if (p->state == MXP_HTTP_ST_DONE)
		mxp_http_parser_reset(p);
	if (len > 0)
		p->started = true;
	while (i < len && rc == MXP_HTTP_MORE) {
		size_t n;
		switch (p->state) {
		case MXP_HTTP_ST_STATUS:
		case MXP_HTTP_ST_HEADER:
		case MXP_HTTP_ST_CHUNK_SIZE:
		case MXP_HTTP_ST_TRAILER:
			rc = take_line(p, data, len, &i);
			if (rc == 1)
				rc = line_done(p);
			break;
		case MXP_HTTP_ST_BODY_LENGTH:
		case MXP_HTTP_ST_CHUNK_DATA:
			n = len - i < p->remaining ? len - i : (size_t)p->remaining;
			body_bytes(p, data + i, n);
			i += n;
			p->remaining -= n;
			if (p->remaining > 0)
				break;
			if (p->state == MXP_HTTP_ST_CHUNK_DATA) {
				p->state = MXP_HTTP_ST_CHUNK_CR;
			} else {
				p->state = MXP_HTTP_ST_DONE;
				rc = MXP_HTTP_DONE;
			}
			break;
		case MXP_HTTP_ST_CHUNK_CR:
		case MXP_HTTP_ST_CHUNK_LF:
			if (data[i] == '\r' && p->state == MXP_HTTP_ST_CHUNK_CR) {
				p->state = MXP_HTTP_ST_CHUNK_LF;
			} else if (data[i] == '\n') {
				p->state = MXP_HTTP_ST_CHUNK_SIZE;
			} else {
				rc = MXP_HTTP_E_CHUNK_END;
				break;
			}
			i++;
			break;
		case MXP_HTTP_ST_BODY_CLOSE:
			body_bytes(p, data + i, len - i);
			i = len;
			break;
		case MXP_HTTP_ST_DONE:
		case MXP_HTTP_ST_ERROR:
			rc = MXP_HTTP_E_STATUS_LINE; /* not reached: DONE and ERROR return above */
			break;
		}
	}
	if (rc < 0) {
		p->state = MXP_HTTP_ST_ERROR;
		p->error = rc;
	}
	*used = i;
	return rc;
}

int mxp_http_parse_eof(struct mxp_http_parser *p)
{
	int rc;
	switch (p->state) {
	case MXP_HTTP_ST_ERROR:
		return p->error;
	case MXP_HTTP_ST_BODY_CLOSE:
		p->state = MXP_HTTP_ST_DONE;
		return MXP_HTTP_DONE;
	case MXP_HTTP_ST_DONE:
		rc = MXP_HTTP_E_NO_RESPONSE;
		break;
	case MXP_HTTP_ST_STATUS:
		rc = p->started ? MXP_HTTP_E_TRUNCATED : MXP_HTTP_E_NO_RESPONSE;
		break;
	default:
		rc = MXP_HTTP_E_TRUNCATED;
		break;
	}
	p->state = MXP_HTTP_ST_ERROR;
	p->error = rc;
	return rc;
}

const char *mxp_http_strerror(int code)
{
	switch (code) {
	case MXP_HTTP_MORE:
		return "incomplete response";
	case MXP_HTTP_DONE:
		return "complete response";
	case MXP_HTTP_E_STATUS_LINE:
		return "malformed status line (not HTTP/1.x NNN reason)";
	case MXP_HTTP_E_HEADER:
		return "malformed header line";
	case MXP_HTTP_E_LINE_TOO_LONG:
		return "header or chunk-size line longer than 8 KiB";
	case MXP_HTTP_E_HEAD_TOO_LARGE:
		return "response headers larger than 64 KiB or 256 lines";
	case MXP_HTTP_E_CONTENT_LENGTH:
		return "invalid Content-Length";
	case MXP_HTTP_E_LENGTH_CONFLICT:
		return "conflicting Content-Length values";
	case MXP_HTTP_E_CODING:
		return "unsupported Transfer-Encoding (only chunked)";
	case MXP_HTTP_E_CHUNK_SIZE:
		return "invalid chunk size";
	case MXP_HTTP_E_CHUNK_END:
		return "chunk data not followed by CRLF";
	case MXP_HTTP_E_TRUNCATED:
		return "connection closed in the middle of a response";
	case MXP_HTTP_E_NO_RESPONSE:
		return "connection closed before a response";
	default:
		return "unknown HTTP parser result";
	}
}
