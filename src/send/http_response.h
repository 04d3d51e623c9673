/* http_response.h — an incremental HTTP/1.1 response parser for the http transport: fed
 * the bytes as they come off the socket, in any pieces (one byte at a time included),
 * it reports each complete response. Pure: no I/O, no allocation, no locale. One parser
 * per connection, used by the sender thread alone (not thread-safe, no shared state).
 *
 * States (enum mxp_http_state), one response:
 *   STATUS --status line--> HEADER --empty line--> one of
 *     1xx but 101:     back to STATUS (interim response skipped, its fields forgotten)
 *     101, 204, 304:   DONE (no body, whatever the headers say)
 *     chunked:         CHUNK_SIZE --size>0--> CHUNK_DATA --> CHUNK_CR (-> CHUNK_LF) -->
 *                      CHUNK_SIZE ... --size 0--> TRAILER --empty line--> DONE
 *     Content-Length:  BODY_LENGTH --that many bytes--> DONE (0: DONE at once)
 *     neither:         BODY_CLOSE --mxp_http_parse_eof()--> DONE
 *   Any error: ERROR, sticky until mxp_http_parser_reset(). The next mxp_http_parse()
 *   after DONE starts the next response (pipelining) as reset would.
 *
 * Accepted:
 *   - status line `HTTP/1.<digit> SP 3DIGIT [SP reason]` ending in CRLF or a bare LF
 *     (a missing reason and its SP are tolerated: some servers send `HTTP/1.1 200`);
 *     the code is 100..999; the reason may hold SP, HTAB and bytes >= 0x80.
 *   - header lines `name: value`, the name a token (case-insensitive), OWS trimmed;
 *     every line may end in CRLF or LF. Used: Content-Length, Transfer-Encoding,
 *     Connection, Retry-After; the others are checked for syntax and skipped.
 *   - Content-Length: digits, or a list of identical values (`42, 42`), repeated with
 *     the same value; at most LLONG_MAX.
 *   - Transfer-Encoding: exactly one `chunked` (case-insensitive, over all its header
 *     lines); it wins over a Content-Length, and then `close` is set (RFC 9112 6.3).
 *   - chunks: hex size (BWS and `;extensions` after it ignored), CRLF or LF, data, CRLF
 *     or LF; the last chunk `0`, trailer lines (syntax checked, ignored), an empty line.
 *   - Connection: `close` and `keep-alive` tokens; HTTP/1.0 without keep-alive, a body
 *     until close and a 101 also set `close`.
 *   - Retry-After: delta-seconds are kept (saturating at LONG_MAX); an HTTP-date or any
 *     other value is ignored without error (has_retry_after stays false).
 * Rejected (negative MXP_HTTP_E_*, see mxp_http_strerror()): any other status line or
 * version, obs-fold (a header line starting with SP/HTAB), a space before the colon,
 * CR or NUL inside a line, a bad or overflowing or conflicting Content-Length, any
 * transfer coding other than one final `chunked`, a bad chunk size or chunk end, and a
 * close before the response is complete (mxp_http_parse_eof()).
 * Limits: one line (status, header, chunk size, trailer) MXP_HTTP_LINE_MAX bytes; the
 * status and header lines of a response (interim responses and trailers included)
 * MXP_HTTP_HEAD_MAX bytes and MXP_HTTP_FIELDS_MAX lines. The body is counted in full but
 * only its first `keep_body` bytes (at most MXP_HTTP_BODY_KEEP_MAX) are kept.
 * Out of scope: the response to HEAD (it would need the request method), other than
 * chunked transfer codings, the content of trailers. */
#ifndef MXP_HTTP_RESPONSE_H
#define MXP_HTTP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>

#define MXP_HTTP_LINE_MAX 8192u          /* longest status, header, chunk-size or trailer line */
#define MXP_HTTP_HEAD_MAX 65536u         /* status + header lines of one response, in bytes */
#define MXP_HTTP_FIELDS_MAX 256u         /* header + trailer lines of one response */
#define MXP_HTTP_BODY_KEEP_MAX 16384u    /* most body bytes a parser can keep: a Kinesis
					  * answer for ~90 records (mxp sends ~5) */
#define MXP_HTTP_REASON_MAX 64u          /* reason phrase kept, NUL included (longer: cut) */

/* mxp_http_parse() results; the errors are negative (mxp_http_strerror()). */
#define MXP_HTTP_MORE 0                  /* all bytes consumed, the response is not complete */
#define MXP_HTTP_DONE 1                  /* one response complete; *used says where it ended */
#define MXP_HTTP_E_STATUS_LINE (-1)      /* not `HTTP/1.x NNN reason` */
#define MXP_HTTP_E_HEADER (-2)           /* malformed header or trailer line */
#define MXP_HTTP_E_LINE_TOO_LONG (-3)    /* a line longer than MXP_HTTP_LINE_MAX */
#define MXP_HTTP_E_HEAD_TOO_LARGE (-4)   /* past MXP_HTTP_HEAD_MAX bytes or MXP_HTTP_FIELDS_MAX lines */
#define MXP_HTTP_E_CONTENT_LENGTH (-5)   /* Content-Length not digits, or too large */
#define MXP_HTTP_E_LENGTH_CONFLICT (-6)  /* two different Content-Lengths */
#define MXP_HTTP_E_CODING (-7)           /* transfer coding other than one final chunked */
#define MXP_HTTP_E_CHUNK_SIZE (-8)       /* chunk-size line not hex [; ext] */
#define MXP_HTTP_E_CHUNK_END (-9)        /* chunk data not followed by CRLF */
#define MXP_HTTP_E_TRUNCATED (-10)       /* closed inside a response */
#define MXP_HTTP_E_NO_RESPONSE (-11)     /* closed before any byte of a response */

enum mxp_http_state {
	MXP_HTTP_ST_STATUS,
	MXP_HTTP_ST_HEADER,
	MXP_HTTP_ST_BODY_LENGTH,
	MXP_HTTP_ST_BODY_CLOSE,
	MXP_HTTP_ST_CHUNK_SIZE,
	MXP_HTTP_ST_CHUNK_DATA,
	MXP_HTTP_ST_CHUNK_CR,
	MXP_HTTP_ST_CHUNK_LF,
	MXP_HTTP_ST_TRAILER,
	MXP_HTTP_ST_DONE,
	MXP_HTTP_ST_ERROR,
};

/* One final response. Valid after MXP_HTTP_DONE until the next parse or reset. */
struct mxp_http_response {
	int status;                      /* 100..999 */
	int minor_version;               /* x of HTTP/1.x */
	char reason[MXP_HTTP_REASON_MAX]; /* NUL-terminated, cut if longer */
	long long content_length;        /* -1: absent, or overridden by chunked */
	bool chunked;
	bool until_close;                /* the body ended with the connection */
	bool close;                      /* the connection is not to be reused after this response */
	bool keep_alive;                 /* `Connection: keep-alive` was sent */
	bool has_retry_after;            /* Retry-After in delta-seconds was sent */
	long retry_after_s;
	size_t body_len;                 /* bytes kept in body: min(body_total, keep_body) */
	unsigned long long body_total;   /* body bytes received (de-chunked) */
	char body[MXP_HTTP_BODY_KEEP_MAX]; /* the first body_len bytes, verbatim, not NUL-terminated */
};

struct mxp_http_parser {
	struct mxp_http_response res;
	enum mxp_http_state state;
	int error;                       /* the sticky error in MXP_HTTP_ST_ERROR */
	size_t keep;                     /* body bytes to keep, <= MXP_HTTP_BODY_KEEP_MAX */
	unsigned long long remaining;    /* of the Content-Length or of the current chunk */
	size_t head_bytes;               /* status + header + trailer bytes so far */
	unsigned int fields;             /* header + trailer lines so far */
	bool te_seen;                    /* a Transfer-Encoding header (chunked or not) */
	bool started;                    /* a byte of this response arrived (EOF: truncated) */
	size_t line_len;
	char line[MXP_HTTP_LINE_MAX];    /* the line being collected, without its LF */
};

/* Prepares p for a first response; keeps the first keep_body bytes of each body
 * (clamped to MXP_HTTP_BODY_KEEP_MAX). Cannot fail. */
void mxp_http_parser_init(struct mxp_http_parser *p, size_t keep_body);

/* Forgets any response and error; the next bytes start a status line. keep stays. */
void mxp_http_parser_reset(struct mxp_http_parser *p);

/* Feeds len bytes of data (never read past len). Returns:
 *   MXP_HTTP_MORE  all bytes consumed (*used = len), the response is not complete;
 *   MXP_HTTP_DONE  p->res is one complete final response, made of the first *used bytes
 *                  (with any fed before); the rest of data (len - *used) belongs to the
 *                  next response: feed it again, which starts that response;
 *   < 0            MXP_HTTP_E_*: a protocol error at data[*used]; sticky until reset.
 * *used <= len always. */
int mxp_http_parse(struct mxp_http_parser *p, const char *data, size_t len, size_t *used);

/* Tells the parser that the peer closed. Returns MXP_HTTP_DONE when that ends a body
 * "until close" (p->res is then complete), MXP_HTTP_E_NO_RESPONSE when no byte of a
 * response had arrived (also after DONE), MXP_HTTP_E_TRUNCATED otherwise, or the sticky
 * error. */
int mxp_http_parse_eof(struct mxp_http_parser *p);

/* A static string for an MXP_HTTP_E_* code (or MORE/DONE); never NULL. */
const char *mxp_http_strerror(int code);

#endif
