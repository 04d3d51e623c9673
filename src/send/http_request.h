/* http_request.h — the request side of the sender's HTTP transport, as pure functions:
 * the request head, the status policy (one table), the retry delay, Basic credentials.
 * No I/O, no state of its own; the sender thread calls them (send/sender.c). */
#ifndef MXP_HTTP_REQUEST_H
#define MXP_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/destination.h"
#include "format/buf.h"
#include "send/tls.h"

/* What an HTTP instance sends besides its bodies (strings copied by mxp_sender_add). */
struct mxp_sender_http {
	const char *path;          /* request target, e.g. "/api/put" */
	const char *content_type;  /* Content-Type value */
	const char *headers;       /* more header lines, each ending in CRLF; NULL or "" none */
	const char *authorization; /* Authorization value ("Basic ...", "Bearer ..."); NULL none */
	long retry_min_ms;         /* 429/5xx: first retry after about this long (default 30) */
	long retry_max_ms;         /* the delay doubles up to this (default 5000) */
	bool tls;                  /* https: TLS over the connection, as tls_options say */
	struct mxp_tls_options tls_options;
};

/* What a final response means for the request it answers. */
enum mxp_http_action {
	MXP_HTTP_DELIVERED,  /* 2xx */
	MXP_HTTP_RETRY,      /* 429, 5xx: the same request again, after a delay */
	MXP_HTTP_REJECTED,   /* any other status: the request is dropped, its metrics lost */
};

enum mxp_http_action mxp_http_status_action(int status);

/* Writes into out the request head up to and including its empty line:
 *   POST PATH HTTP/1.1 / Host / User-Agent: mxp/VERSION / Content-Type / [headers] /
 *   [Authorization] / Content-Length: body_len
 * host is the destination (its port added, IPv6 in brackets, "localhost" for a unix
 * socket). 0 or -ENOMEM. */
int mxp_http_request_head(struct mxp_buf *out, const struct mxp_sender_http *h, const struct mxp_destination *host,
			  size_t body_len);

/* The delay before retrying a request that got a 429 or 5xx: backoff_ms with jitter
 * (uniform in [backoff/2, backoff]), or the server's Retry-After when longer (capped at
 * one hour). *rng is the caller's xorshift state (any non-zero seed). */
long mxp_http_retry_delay_ms(long backoff_ms, bool has_retry_after, long retry_after_s, uint64_t *rng);

/* "Basic " + base64(user ":" password) into out (NUL-terminated). 0 or -ENOSPC. */
int mxp_http_basic_auth(char *out, size_t cap, const char *user, const char *password);

#endif
