/* fuzz_http_response.c — the HTTP/1.1 response parser on any bytes, fed in pieces whose
 * sizes come from the first input bytes: it must never read past a piece (each is a
 * separate allocation of exactly its size, for ASan), report *used <= len (== len on
 * MORE), give a status in 100..999 and at most `keep` body bytes on DONE, and produce
 * the same responses and errors as when the same bytes come in one piece.
 *
 * Input: byte 0 picks keep_body, bytes 1..4 the piece sizes (cycled; 0 means 1 byte),
 * the rest is what the socket delivered; the peer then closes (mxp_http_parse_eof).
 *
 * Built with -fsanitize=fuzzer it is a libFuzzer target; linked with
 * tests/fuzz/replay_main.c it replays a corpus (make test does). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "send/http_response.h"

#define HEADER_BYTES 5u
#define EVENTS_MAX 64u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One result of the parser, as far as it must not depend on the cuts. */
struct event {
	int rc;
	int status;
	unsigned long long body_total;
	size_t body_len;
	bool close, chunked, until_close, has_retry_after;
	long retry_after_s;
	long long content_length;
	unsigned char body_head[16];
};

static bool same_event(const struct event *a, const struct event *b)
{
	return a->rc == b->rc && a->status == b->status && a->body_total == b->body_total &&
	       a->body_len == b->body_len && a->close == b->close && a->chunked == b->chunked &&
	       a->until_close == b->until_close && a->has_retry_after == b->has_retry_after &&
	       a->retry_after_s == b->retry_after_s && a->content_length == b->content_length &&
	       memcmp(a->body_head, b->body_head, sizeof(a->body_head)) == 0;
}

static struct event event_of(const struct mxp_http_parser *p, int rc)
{
	struct event e;
	memset(&e, 0, sizeof(e));
	e.rc = rc;
	if (rc != MXP_HTTP_DONE)
		return e;
	const struct mxp_http_response *r = &p->res;
	if (r->status < 100 || r->status > 999 || r->body_len > p->keep || r->body_len > r->body_total)
		abort();
	if (r->body_len != (r->body_total < p->keep ? r->body_total : p->keep))
		abort();
	e.status = r->status;
	e.body_total = r->body_total;
	e.body_len = r->body_len;
	e.close = r->close;
	e.chunked = r->chunked;
	e.until_close = r->until_close;
	e.has_retry_after = r->has_retry_after;
	e.retry_after_s = r->retry_after_s;
	e.content_length = r->content_length;
	memcpy(e.body_head, r->body, r->body_len < sizeof(e.body_head) ? r->body_len : sizeof(e.body_head));
	return e;
}

/* Runs the parser over body[0..len) in pieces of the sizes in cuts (cycled, ncuts 0:
 * one piece); writes the events (at most EVENTS_MAX) and returns how many there were. */
static size_t run(struct mxp_http_parser *p, size_t keep, const uint8_t *body, size_t len, const uint8_t *cuts,
		  size_t ncuts, struct event *events)
{
	size_t nev = 0, off = 0, k = 0;
	int rc = MXP_HTTP_MORE;
	mxp_http_parser_init(p, keep);
	while (off < len && rc >= 0) {
		size_t piece = len - off;
		if (ncuts > 0)
			piece = cuts[k % ncuts] != 0 ? cuts[k % ncuts] : 1;
		k++;
		if (piece > len - off)
			piece = len - off;
		char *buf = malloc(piece);
		if (buf == NULL)
			abort();
		memcpy(buf, body + off, piece);
		size_t pos = 0;
		while (pos < piece && rc >= 0) {
			size_t used = SIZE_MAX;
			rc = mxp_http_parse(p, buf + pos, piece - pos, &used);
			if (used > piece - pos || (rc == MXP_HTTP_MORE && used != piece - pos))
				abort();
			pos += used;
			if (rc != MXP_HTTP_MORE && nev < EVENTS_MAX)
				events[nev] = event_of(p, rc);
			if (rc != MXP_HTTP_MORE)
				nev++;
		}
		free(buf);
		off += piece;
	}
	if (rc >= 0) {
		rc = mxp_http_parse_eof(p);
		if (nev < EVENTS_MAX)
			events[nev] = event_of(p, rc);
		nev++;
	}
	if (mxp_http_strerror(rc) == NULL)
		abort();
	return nev;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mxp_http_parser whole, cut;
	static struct event ev_whole[EVENTS_MAX], ev_cut[EVENTS_MAX];
	if (size < HEADER_BYTES)
		return 0;
	size_t keep = (size_t)data[0] * 17u; /* 0..4335: past MXP_HTTP_BODY_KEEP_MAX too */
	const uint8_t *body = data + HEADER_BYTES;
	size_t len = size - HEADER_BYTES;

	size_t n_whole = run(&whole, keep, body, len, NULL, 0, ev_whole);
	size_t n_cut = run(&cut, keep, body, len, data + 1, HEADER_BYTES - 1, ev_cut);
	if (n_whole != n_cut)
		abort();
	for (size_t i = 0; i < n_whole && i < EVENTS_MAX; i++)
		if (!same_event(&ev_whole[i], &ev_cut[i]))
			abort();
	return 0;
}
