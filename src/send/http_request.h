/* http_request.h — the request side of the sender's HTTP transport, as pure functions:
 * the request head, the status policy (one table), the retry delay, Basic credentials.
 * No I/O, no state of its own; the sender thread calls them (send/sender.c). */
#ifndef MXP_HTTP_REQUEST_H
#define MXP_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config/destination.h"
#include "format/buf.h"
#include "send/tls.h"

struct mxp_http_api;
struct mxp_http_response;

/* AWS credentials and what a SigV4 signature is for (Kinesis). */
struct mxp_aws_auth {
	const char *access_key_id;
	const char *secret_access_key; /* never logged */
	const char *session_token;     /* NULL or "": none (else X-Amz-Security-Token) */
	const char *region;            /* "us-east-1" */
	const char *service;           /* "kinesis" */
};

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
	const struct mxp_http_api *api; /* NULL: plain HTTP; else its signing and answers */
	struct mxp_aws_auth aws;   /* for an api that signs with SigV4 */
	const char *host_header;   /* the Host header's value; NULL: from the destination */
};

/* What a final response means for the request it answers. */
enum mxp_http_action {
	MXP_HTTP_DELIVERED,  /* 2xx */
	MXP_HTTP_RETRY,      /* 429, 5xx: the same request again, after a delay */
	MXP_HTTP_REJECTED,   /* any other status: the request is dropped, its metrics lost */
	MXP_HTTP_PARTIAL,    /* (an api's answer) part delivered; the rest, rewritten in the
			      * body, again after a delay */
};

/* An HTTP API's rules on top of HTTP's, for what the generic request and status policy
 * cannot know (Kinesis, kinesis_api.c: a signature per attempt, a 200 that reports
 * failed records, throttling answered with 400). */
struct mxp_http_api {
	const char *name;
	/* Appends header lines ("Name: value\r\n") that depend on the request and the time
	 * (a signature) for a request of body to host. 0 or -errno. */
	int (*sign)(const struct mxp_sender_http *h, const char *host, const char *body, size_t len, time_t now,
		    struct mxp_buf *headers);
	/* Decides a complete response r to the request whose body is body and which holds
	 * *records metrics, instead of mxp_http_status_action(). MXP_HTTP_PARTIAL: body is
	 * rewritten to what must go again and *records set to its metrics. why (whylen > 0)
	 * gets a line for the log when it is not MXP_HTTP_DELIVERED. */
	enum mxp_http_action (*answer)(const struct mxp_sender_http *h, const struct mxp_http_response *r,
				       struct mxp_buf *body, long *records, char *why, size_t whylen);
};

enum mxp_http_action mxp_http_status_action(int status);

/* Writes into out the request head up to and including its empty line:
 *   POST PATH HTTP/1.1 / Host / User-Agent: mxp/VERSION / Content-Type / [headers] /
 *   [Authorization] / Content-Length: body_len
 * host is the destination (its port added, IPv6 in brackets, "localhost" for a unix
 * socket; mxp_http_host). signed_headers (NULL: none) are header lines an api's sign()
 * made, put before Content-Length. 0 or -ENOMEM. */
int mxp_http_request_head(struct mxp_buf *out, const struct mxp_sender_http *h, const struct mxp_destination *host,
			  size_t body_len, const char *signed_headers);

/* The Host header's value for destination d: h->host_header when set, else HOST:PORT
 * (IPv6 in brackets, "localhost" for a unix socket), into out. */
void mxp_http_host(char *out, size_t cap, const struct mxp_sender_http *h, const struct mxp_destination *d);

/* The delay before retrying a request that got a 429 or 5xx: backoff_ms with jitter
 * (uniform in [backoff/2, backoff]), or the server's Retry-After when longer (capped at
 * one hour). *rng is the caller's xorshift state (any non-zero seed). */
long mxp_http_retry_delay_ms(long backoff_ms, bool has_retry_after, long retry_after_s, uint64_t *rng);

/* "Basic " + base64(user ":" password) into out (NUL-terminated). 0 or -ENOSPC. */
int mxp_http_basic_auth(char *out, size_t cap, const char *user, const char *password);

#endif
