/* http_request.c — see http_request.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "send/http_request.h"

#ifndef MXP_VERSION_STRING
#define MXP_VERSION_STRING "0"
#endif

/* The policy, in one place (the remote-write spec's, which the other HTTP receivers
 * share): a 2xx is delivered; 429 (too many requests) and 5xx are the receiver's
 * trouble, so the same request is retried; any other 4xx (and 1xx/3xx finals, which
 * mxp never asks for) will not get better by resending, so the request is dropped and
 * counted lost, with the status and the receiver's words in the log. */
enum mxp_http_action mxp_http_status_action(int status)
{
	if (status >= 200 && status <= 299)
		return MXP_HTTP_DELIVERED;
	if (status == 429 || (status >= 500 && status <= 599))
		return MXP_HTTP_RETRY;
	return MXP_HTTP_REJECTED;
}

void mxp_http_host(char *out, size_t cap, const struct mxp_sender_http *h, const struct mxp_destination *d)
{
	if (h->host_header != NULL && h->host_header[0] != '\0')
		snprintf(out, cap, "%s", h->host_header);
	else if (d->proto == MXP_DEST_UNIX)
		snprintf(out, cap, "localhost");
	else if (strchr(d->host, ':') != NULL)
		snprintf(out, cap, "[%s]:%s", d->host, d->port);
	else
		snprintf(out, cap, "%s:%s", d->host, d->port);
}

int mxp_http_request_head(struct mxp_buf *out, const struct mxp_sender_http *h, const struct mxp_destination *d,
			  size_t body_len, const char *signed_headers)
{
	char host[MXP_DEST_HOST_MAX + MXP_DEST_PORT_MAX + 4];
	mxp_http_host(host, sizeof(host), h, d);

	mxp_buf_reset(out);
	int rc = 0;
	rc |= mxp_buf_puts(out, "POST ");
	rc |= mxp_buf_puts(out, h->path != NULL && h->path[0] != '\0' ? h->path : "/");
	rc |= mxp_buf_puts(out, " HTTP/1.1\r\nHost: ");
	rc |= mxp_buf_puts(out, host);
	rc |= mxp_buf_puts(out, "\r\nUser-Agent: mxp/" MXP_VERSION_STRING "\r\nContent-Type: ");
	rc |= mxp_buf_puts(out, h->content_type != NULL ? h->content_type : "application/octet-stream");
	rc |= mxp_buf_puts(out, "\r\n");
	if (h->headers != NULL)
		rc |= mxp_buf_puts(out, h->headers);
	if (h->authorization != NULL && h->authorization[0] != '\0') {
		rc |= mxp_buf_puts(out, "Authorization: ");
		rc |= mxp_buf_puts(out, h->authorization);
		rc |= mxp_buf_puts(out, "\r\n");
	}
	if (signed_headers != NULL)
		rc |= mxp_buf_puts(out, signed_headers);
	rc |= mxp_buf_puts(out, "Content-Length: ");
	rc |= mxp_buf_put_llu(out, (unsigned long long)body_len);
	rc |= mxp_buf_puts(out, "\r\n\r\n");
	return rc ? -ENOMEM : 0;
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

long mxp_http_retry_delay_ms(long backoff_ms, bool has_retry_after, long retry_after_s, uint64_t *rng)
{
	if (backoff_ms < 1)
		backoff_ms = 1;
	long half = backoff_ms / 2;
	long d = half + (long)(xorshift(rng) % (uint64_t)(backoff_ms - half + 1));
	if (has_retry_after) {
		long ra = retry_after_s > 3600 ? 3600 * 1000L : retry_after_s * 1000L;
		if (ra > d)
			d = ra;
	}
	return d;
}

int mxp_http_basic_auth(char *out, size_t cap, const char *user, const char *password)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t lu = strlen(user), lp = strlen(password), n = lu + 1 + lp;
	if (cap < 6 + 4 * ((n + 2) / 3) + 1)
		return -ENOSPC;
	memcpy(out, "Basic ", 6);
	char *w = out + 6;
	unsigned char in[3];
	for (size_t i = 0; i < n; i += 3) {
		size_t k = 0;
		for (; k < 3 && i + k < n; k++) {
			size_t j = i + k;
			in[k] = (unsigned char)(j < lu ? user[j] : j == lu ? ':' : password[j - lu - 1]);
		}
		uint32_t v = (uint32_t)in[0] << 16 | (k > 1 ? (uint32_t)in[1] << 8 : 0) | (k > 2 ? in[2] : 0);
		*w++ = b64[v >> 18 & 63];
		*w++ = b64[v >> 12 & 63];
		*w++ = k > 1 ? b64[v >> 6 & 63] : '=';
		*w++ = k > 2 ? b64[v & 63] : '=';
	}
	*w = '\0';
	return 0;
}
