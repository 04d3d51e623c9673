/* test_http_response.c — the incremental HTTP/1.1 response parser on realistic raw
 * responses (VictoriaMetrics, Prometheus, proxies), each fed whole, one byte at a time
 * and split in two at every position (the result must not depend on how the socket cut
 * it), plus pipelining, interim 1xx, bodies until close, and every error it reports. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "send/http_response.h"

#define KEEP 512u

/* What a test reads back of one response (the parser's fields, or the error). */
struct outcome {
	int rc;
	size_t used;
	struct mxp_http_response res;
};

static struct mxp_http_parser *parser_new(size_t keep)
{
	struct mxp_http_parser *p = malloc(sizeof(*p));
	cr_assert_not_null(p);
	mxp_http_parser_init(p, keep);
	return p;
}

/* Feeds raw[0..len) to a fresh parser in pieces: the first `split` bytes, then pieces of
 * at most `step` bytes; stops at DONE or an error; signals EOF when all was fed and the
 * parser still wants more and `eof` is set. */
static struct outcome feed(const char *raw, size_t len, size_t split, size_t step, bool eof)
{
	struct mxp_http_parser *p = parser_new(KEEP);
	struct outcome o = {.rc = MXP_HTTP_MORE, .used = 0};
	size_t off = 0;
	while (o.rc == MXP_HTTP_MORE && off < len) {
		size_t n = off < split ? split - off : step;
		if (n > len - off)
			n = len - off;
		size_t used = SIZE_MAX;
		o.rc = mxp_http_parse(p, raw + off, n, &used);
		cr_assert_leq(used, n);
		if (o.rc == MXP_HTTP_MORE)
			cr_assert_eq(used, n, "MORE must consume all it was given");
		off += used;
	}
	if (o.rc == MXP_HTTP_MORE && eof)
		o.rc = mxp_http_parse_eof(p);
	o.used = off;
	o.res = p->res;
	free(p);
	return o;
}

static struct outcome feed_whole(const char *raw)
{
	return feed(raw, strlen(raw), 0, strlen(raw) + 1, true);
}

static void same_response(const struct outcome *a, const struct outcome *b, size_t split)
{
	cr_assert_eq(a->rc, b->rc, "split %zu: rc %d vs %d", split, a->rc, b->rc);
	cr_assert_eq(a->used, b->used, "split %zu", split);
	if (a->rc != MXP_HTTP_DONE)
		return;
	cr_assert_eq(a->res.status, b->res.status, "split %zu", split);
	cr_assert_str_eq(a->res.reason, b->res.reason, "split %zu", split);
	cr_assert_eq(a->res.content_length, b->res.content_length, "split %zu", split);
	cr_assert_eq(a->res.chunked, b->res.chunked, "split %zu", split);
	cr_assert_eq(a->res.close, b->res.close, "split %zu", split);
	cr_assert_eq(a->res.until_close, b->res.until_close, "split %zu", split);
	cr_assert_eq(a->res.has_retry_after, b->res.has_retry_after, "split %zu", split);
	cr_assert_eq(a->res.retry_after_s, b->res.retry_after_s, "split %zu", split);
	cr_assert_eq(a->res.body_total, b->res.body_total, "split %zu", split);
	cr_assert_eq(a->res.body_len, b->res.body_len, "split %zu", split);
	cr_assert_eq(memcmp(a->res.body, b->res.body, a->res.body_len), 0, "split %zu", split);
}

/* Parses raw whole, then one byte at a time and cut at every position: all must agree.
 * Returns the whole-buffer outcome. */
static struct outcome parse_every_way(const char *raw)
{
	size_t len = strlen(raw);
	struct outcome whole = feed_whole(raw);
	struct outcome bytes = feed(raw, len, 0, 1, true);
	same_response(&whole, &bytes, 1);
	for (size_t split = 0; split <= len; split++) {
		struct outcome cut = feed(raw, len, split, len + 1, true);
		same_response(&whole, &cut, split);
	}
	return whole;
}

static const char VM_204[] =
	"HTTP/1.1 204 No Content\r\n"
	"Vary: Accept-Encoding\r\n"
	"X-Server-Hostname: vm-single-0\r\n"
	"Date: Wed, 25 Nov 2026 10:00:00 GMT\r\n"
	"\r\n";

static const char PROM_204[] =
	"HTTP/1.1 204 No Content\r\n"
	"Date: Wed, 25 Nov 2026 10:00:01 GMT\r\n"
	"\r\n";

static const char OK_200[] =
	"HTTP/1.1 200 OK\r\n"
	"Content-Type: application/json\r\n"
	"Content-Length: 27\r\n"
	"Date: Wed, 25 Nov 2026 10:00:02 GMT\r\n"
	"\r\n"
	"{\"status\":\"success\",\"x\":1}\n";

static const char BAD_400[] =
	"HTTP/1.1 400 Bad Request\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n"
	"X-Content-Type-Options: nosniff\r\n"
	"Date: Wed, 25 Nov 2026 10:00:03 GMT\r\n"
	"Content-Length: 22\r\n"
	"\r\n"
	"snappy: corrupt input\n";

static const char CHUNKED[] =
	"HTTP/1.1 200 OK\r\n"
	"Transfer-Encoding: chunked\r\n"
	"Trailer: X-Checksum\r\n"
	"\r\n"
	"5;name=value\r\nhello\r\n"
	"7 ; a=1;b=\"two\"\r\n, world\r\n"
	"A\r\n0123456789\r\n"
	"0\r\n"
	"X-Checksum: abc\r\n"
	"\r\n";

static const char CONTINUE_THEN_200[] =
	"HTTP/1.1 100 Continue\r\n"
	"\r\n"
	"HTTP/1.1 103 Early Hints\r\n"
	"Link: </style.css>; rel=preload\r\n"
	"\r\n"
	"HTTP/1.1 200 OK\r\n"
	"Content-Length: 2\r\n"
	"\r\n"
	"ok";

static const char CLOSE_503[] =
	"HTTP/1.1 503 Service Unavailable\r\n"
	"Connection: close\r\n"
	"Retry-After: 120\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static const char DATE_429[] =
	"HTTP/1.1 429 Too Many Requests\r\n"
	"Retry-After: Wed, 21 Oct 2026 07:28:00 GMT\r\n"
	"content-length: 4\r\n"
	"\r\n"
	"slow";

static const char UNTIL_CLOSE[] =
	"HTTP/1.0 500 Internal Server Error\n"
	"Content-Type: text/plain\n"
	"\n"
	"disk full\n";

Test(http_response, vm_204_no_content)
{
	struct outcome o = parse_every_way(VM_204);
	cr_assert_eq(o.rc, MXP_HTTP_DONE);
	cr_assert_eq(o.used, strlen(VM_204));
	cr_assert_eq(o.res.status, 204);
	cr_assert_str_eq(o.res.reason, "No Content");
	cr_assert_eq(o.res.body_total, 0);
	cr_assert_not(o.res.close);
	cr_assert_not(o.res.has_retry_after);
}

Test(http_response, prometheus_204_no_content)
{
	struct outcome o = parse_every_way(PROM_204);
	cr_assert_eq(o.rc, MXP_HTTP_DONE);
	cr_assert_eq(o.res.status, 204);
	cr_assert_eq(o.res.content_length, -1);
	cr_assert_not(o.res.until_close);
}

Test(http_response, ok_200_content_length)
{
	struct outcome o = parse_every_way(OK_200);
	cr_assert_eq(o.rc, MXP_HTTP_DONE);
	cr_assert_eq(o.res.status, 200);
	cr_assert_eq(o.res.content_length, 27);
	cr_assert_eq(o.res.body_total, 27);
	cr_assert_eq(o.res.body_len, 27);
	cr_assert_eq(memcmp(o.res.body, "{\"status\":\"success\",\"x\":1}\n", 27), 0);
}

Test(http_response, bad_request_body_kept_verbatim)
{
	struct outcome o = parse_every_way(BAD_400);
	cr_assert_eq(o.rc, MXP_HTTP_DONE);
	cr_assert_eq(o.res.status, 400);
	cr_assert_str_eq(o.res.reason, "Bad Request");
	cr_assert_eq(o.res.body_len, 22);
	cr_assert_eq(memcmp(o.res.body, "snappy: corrupt input\n", 22), 0);
}

Test(http_response, body_past_keep_is_counted_not_kept)
{
	static char raw[256 + 3000];
	int n = snprintf(raw, sizeof(raw), "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 3000\r\n\r\n");
	memset(raw + n, 'x', 3000);
	raw[n + 3000] = '\0';
	struct mxp_http_parser *p = parser_new(16);
	size_t used;
	cr_assert_eq(mxp_http_parse(p, raw, strlen(raw), &used), MXP_HTTP_DONE);
	cr_assert_eq(p->res.body_total, 3000);
	cr_assert_eq(p->res.body_len, 16);
	free(p);
	p = parser_new(1u << 20);
	cr_assert_eq(p->keep, MXP_HTTP_BODY_KEEP_MAX);
	free(p);
}

Test(http_response, chunked_with_extensions_and_trailers)
{
	struct outcome o = parse_every_way(CHUNKED);
	cr_assert_eq(o.rc, MXP_HTTP_DONE);
	cr_assert_eq(o.used, strlen(CHUNKED));
	cr_assert(o.res.chunked);
	cr_assert_eq(o.res.content_length, -1);
	cr_assert_eq(o.res.body_total, 22);
	cr_assert_eq(memcmp(o.res.body, "hello, world0123456789", 22), 0);
}

Test(http_response, chunked_wins_over_content_length_and_closes)
{
	struct outcome o = parse_every_way("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
					   "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n");
	cr_assert_eq(o.rc, MXP_HTTP_DONE);
	cr_assert_eq(o.res.body_total, 2);
	cr_assert(o.res.close);
}

Test(http_response, two_pipelined_responses)
{
	char raw[1024];
	snprintf(raw, sizeof(raw), "%s%s", BAD_400, VM_204);
	size_t len = strlen(raw);
	struct mxp_http_parser *p = parser_new(KEEP);
	size_t used;
	cr_assert_eq(mxp_http_parse(p, raw, len, &used), MXP_HTTP_DONE);
	cr_assert_eq(used, strlen(BAD_400));
	cr_assert_eq(p->res.status, 400);
	size_t used2;
	cr_assert_eq(mxp_http_parse(p, raw + used, len - used, &used2), MXP_HTTP_DONE);
	cr_assert_eq(used2, strlen(VM_204));
	cr_assert_eq(p->res.status, 204);
	cr_assert_eq(p->res.body_total, 0, "the second response starts clean");
	cr_assert_eq(mxp_http_parse_eof(p), MXP_HTTP_E_NO_RESPONSE);
	free(p);
}

Test(http_response, pipelined_at_every_split)
{
	char raw[1024];
	snprintf(raw, sizeof(raw), "%s%s", CHUNKED, OK_200);
	size_t len = strlen(raw);
	for (size_t split = 0; split <= len; split++) {
		struct mxp_http_parser *p = parser_new(KEEP);
		const char *pieces[2] = {raw, raw + split};
		size_t sizes[2] = {split, len - split};
		int statuses[2], done = 0;
		for (int k = 0; k < 2; k++) {
			size_t off = 0;
			while (off < sizes[k]) {
				size_t used;
				int rc = mxp_http_parse(p, pieces[k] + off, sizes[k] - off, &used);
				cr_assert_geq(rc, 0, "split %zu: %s", split, mxp_http_strerror(rc));
				off += used;
				if (rc == MXP_HTTP_DONE)
					statuses[done++] = p->res.status;
			}
		}
		cr_assert_eq(done, 2, "split %zu", split);
		cr_assert_eq(statuses[0], 200);
		cr_assert_eq(p->res.body_total, 27);
		free(p);
	}
}

Test(http_response, continue_then_200)
{
	struct outcome o = parse_every_way(CONTINUE_THEN_200);
	cr_assert_eq(o.rc, MXP_HTTP_DONE);
	cr_assert_eq(o.res.status, 200);
	cr_assert_eq(o.res.body_len, 2);
	cr_assert_eq(memcmp(o.res.body, "ok", 2), 0);
}

Test(http_response, switching_protocols_is_final_and_closes)
{
	struct outcome o = parse_every_way("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n");
	cr_assert_eq(o.rc, MXP_HTTP_DONE);
	cr_assert_eq(o.res.status, 101);
	cr_assert(o.res.close);
}

Test(http_response, not_modified_ignores_content_length)
{
	struct outcome o = parse_every_way("HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n");
	cr_assert_eq(o.rc, MXP_HTTP_DONE);
	cr_assert_eq(o.res.body_total, 0);
}

Test(http_response, connection_close_and_retry_after_seconds)
{
	struct outcome o = parse_every_way(CLOSE_503);
	cr_assert_eq(o.rc, MXP_HTTP_DONE);
	cr_assert_eq(o.res.status, 503);
	cr_assert(o.res.close);
	cr_assert(o.res.has_retry_after);
	cr_assert_eq(o.res.retry_after_s, 120);
}

Test(http_response, retry_after_http_date_ignored)
{
	struct outcome o = parse_every_way(DATE_429);
	cr_assert_eq(o.rc, MXP_HTTP_DONE);
	cr_assert_eq(o.res.status, 429);
	cr_assert_not(o.res.has_retry_after);
	cr_assert_eq(o.res.body_len, 4);
}

Test(http_response, keep_alive_and_http10)
{
	struct outcome o = parse_every_way("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n");
	cr_assert_eq(o.rc, MXP_HTTP_DONE);
	cr_assert(o.res.keep_alive);
	cr_assert_not(o.res.close);
	o = parse_every_way("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
	cr_assert(o.res.close, "HTTP/1.0 closes unless keep-alive");
}

Test(http_response, body_until_close_ended_by_eof)
{
	struct outcome o = parse_every_way(UNTIL_CLOSE);
	cr_assert_eq(o.rc, MXP_HTTP_DONE);
	cr_assert_eq(o.res.status, 500);
	cr_assert(o.res.until_close);
	cr_assert(o.res.close);
	cr_assert_eq(o.res.body_total, 10);
	cr_assert_eq(memcmp(o.res.body, "disk full\n", 10), 0);
}

Test(http_response, truncated_at_eof)
{
	const char *cases[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
		"HTTP/1.1 204 No Content\r\nDate: x\r\n",
		"HTTP/1.1 100 Continue\r\n\r\n",
		"HTTP/1.1 2",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct outcome o = feed(cases[i], strlen(cases[i]), 0, 1, true);
		cr_assert_eq(o.rc, MXP_HTTP_E_TRUNCATED, "case %zu: %s", i, mxp_http_strerror(o.rc));
	}
	struct mxp_http_parser *p = parser_new(KEEP);
	cr_assert_eq(mxp_http_parse_eof(p), MXP_HTTP_E_NO_RESPONSE);
	cr_assert_eq(mxp_http_parse_eof(p), MXP_HTTP_E_NO_RESPONSE, "sticky");
	mxp_http_parser_reset(p);
	size_t used;
	cr_assert_eq(mxp_http_parse(p, PROM_204, strlen(PROM_204), &used), MXP_HTTP_DONE, "reset clears");
	free(p);
}

/* Each raw response must fail with the given error, fed whole and byte by byte. */
static void expect_error(const char *raw, int error)
{
	struct outcome o = feed_whole(raw);
	cr_assert_eq(o.rc, error, "%s: got %d (%s)", raw, o.rc, mxp_http_strerror(o.rc));
	struct outcome b = feed(raw, strlen(raw), 0, 1, true);
	cr_assert_eq(b.rc, error, "%s byte by byte: got %d", raw, b.rc);
	cr_assert_str_neq(mxp_http_strerror(error), "unknown HTTP parser result");
}

Test(http_response, bad_status_line)
{
	expect_error("HTTP/2 200 OK\r\n\r\n", MXP_HTTP_E_STATUS_LINE);
	expect_error("HTTP/1.1 20 OK\r\n\r\n", MXP_HTTP_E_STATUS_LINE);
	expect_error("HTTP/1.1 099 Low\r\n\r\n", MXP_HTTP_E_STATUS_LINE);
	expect_error("HTTP/1.1 2000 OK\r\n\r\n", MXP_HTTP_E_STATUS_LINE);
	expect_error("http/1.1 200 OK\r\n\r\n", MXP_HTTP_E_STATUS_LINE);
	expect_error("HTTP/1.1  200 OK\r\n\r\n", MXP_HTTP_E_STATUS_LINE);
	expect_error("HTTP/1.1 200 O\rK\r\n\r\n", MXP_HTTP_E_STATUS_LINE);
	expect_error("\r\nHTTP/1.1 200 OK\r\n\r\n", MXP_HTTP_E_STATUS_LINE);
	expect_error("SSH-2.0-OpenSSH_9.2\r\n", MXP_HTTP_E_STATUS_LINE);
	struct outcome o = parse_every_way("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n");
	cr_assert_eq(o.rc, MXP_HTTP_DONE, "a missing reason is tolerated");
	cr_assert_str_eq(o.res.reason, "");
}

Test(http_response, bad_header)
{
	expect_error("HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", MXP_HTTP_E_HEADER);
	expect_error("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", MXP_HTTP_E_HEADER);
	expect_error("HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n", MXP_HTTP_E_HEADER);
	expect_error("HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", MXP_HTTP_E_HEADER);
}

Test(http_response, bad_content_length)
{
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n", MXP_HTTP_E_CONTENT_LENGTH);
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", MXP_HTTP_E_CONTENT_LENGTH);
	expect_error("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", MXP_HTTP_E_CONTENT_LENGTH);
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
		     MXP_HTTP_E_CONTENT_LENGTH);
	struct outcome o = parse_every_way("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\ncontent-length: 2\r\n\r\nab");
	cr_assert_eq(o.rc, MXP_HTTP_DONE, "identical values are one");
	cr_assert_eq(o.res.content_length, 2);
}

Test(http_response, conflicting_content_lengths)
{
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
		     MXP_HTTP_E_LENGTH_CONFLICT);
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n", MXP_HTTP_E_LENGTH_CONFLICT);
}

Test(http_response, bad_chunk_size)
{
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", MXP_HTTP_E_CHUNK_SIZE);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", MXP_HTTP_E_CHUNK_SIZE);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n", MXP_HTTP_E_CHUNK_SIZE);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\n", MXP_HTTP_E_CHUNK_SIZE);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n",
		     MXP_HTTP_E_CHUNK_SIZE);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", MXP_HTTP_E_CHUNK_END);
}

Test(http_response, header_too_long)
{
	size_t n = MXP_HTTP_LINE_MAX + 100;
	char *raw = malloc(n + 64);
	cr_assert_not_null(raw);
	int k = snprintf(raw, 64, "HTTP/1.1 200 OK\r\nX-Long: ");
	memset(raw + k, 'a', n);
	strcpy(raw + k + n, "\r\n\r\n");
	expect_error(raw, MXP_HTTP_E_LINE_TOO_LONG);
	free(raw);
}

Test(http_response, headers_too_large)
{
	/* lines of 1000 bytes, fewer than the count limit, more than the byte limit: */
	size_t lines = MXP_HTTP_HEAD_MAX / 1000 + 1;
	char *raw = malloc(32 + lines * 1000 + 4);
	cr_assert_not_null(raw);
	size_t off = (size_t)sprintf(raw, "HTTP/1.1 200 OK\r\n");
	for (size_t i = 0; i < lines; i++)
		off += (size_t)sprintf(raw + off, "X-%03zu: %0991d\r\n", i, 0);
	strcpy(raw + off, "\r\n");
	expect_error(raw, MXP_HTTP_E_HEAD_TOO_LARGE);
	/* short lines, more than the count limit: */
	off = (size_t)sprintf(raw, "HTTP/1.1 200 OK\r\n");
	for (size_t i = 0; i <= MXP_HTTP_FIELDS_MAX; i++)
		off += (size_t)sprintf(raw + off, "X: 1\r\n");
	strcpy(raw + off, "\r\n");
	expect_error(raw, MXP_HTTP_E_HEAD_TOO_LARGE);
	free(raw);
}

Test(http_response, unsupported_transfer_coding)
{
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", MXP_HTTP_E_CODING);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", MXP_HTTP_E_CODING);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", MXP_HTTP_E_CODING);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
		     MXP_HTTP_E_CODING);
	struct outcome o = parse_every_way("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n");
	cr_assert_eq(o.rc, MXP_HTTP_DONE, "coding names are case-insensitive");
}

Test(http_response, error_is_sticky_until_reset)
{
	struct mxp_http_parser *p = parser_new(KEEP);
	size_t used;
	const char *bad = "HTTP/9.9 200 OK\r\n";
	cr_assert_eq(mxp_http_parse(p, bad, strlen(bad), &used), MXP_HTTP_E_STATUS_LINE);
	cr_assert_leq(used, strlen(bad));
	cr_assert_eq(mxp_http_parse(p, VM_204, strlen(VM_204), &used), MXP_HTTP_E_STATUS_LINE);
	cr_assert_eq(used, 0);
	mxp_http_parser_reset(p);
	cr_assert_eq(mxp_http_parse(p, VM_204, strlen(VM_204), &used), MXP_HTTP_DONE);
	free(p);
}
