/* sigv4.c — see sigv4.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "format/buf.h"
#include "send/sigv4.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
#define SHA256_LEN 32u

static const char hex_lower[] = "0123456789abcdef";
static const char hex_upper[] = "0123456789ABCDEF";

static void to_hex(char *out, const unsigned char *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex_lower[in[i] >> 4];
		out[2 * i + 1] = hex_lower[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* ASCII only, whatever the locale: header names are tokens. */
static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
	       c == '_' || c == '~';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* A name that goes into the credential scope or a header name: printable, no blank, and
 * none of the separators around it there ('/' in the scope, ',' and ';' in the
 * Authorization value, ':' in a header line). */
static bool token_ok(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c >= 0x7f || c == '/' || c == ',' || c == ';' || c == ':')
			return false;
	}
	return true;
}

/* A header value may hold tabs but no other control byte: a CR or LF would end the
 * header line the server reads before the value the signature covers. */
static bool value_ok(const char *s)
{
	if (s == NULL)
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < ' ' && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* out = HMAC-SHA256(key, msg). 0 or -ENOMEM. */
static int hmac(unsigned char out[SHA256_LEN], const void *key, size_t key_len, const void *msg, size_t msg_len)
{
	unsigned int len = 0;
	if (HMAC(EVP_sha256(), key, (int)key_len, msg, msg_len, out, &len) == NULL || len != SHA256_LEN) {
		ERR_clear_error();
		return -ENOMEM;
	}
	return 0;
}

static int sha256(unsigned char out[SHA256_LEN], const void *data, size_t len)
{
	unsigned int n = 0;
	if (!EVP_Digest(data != NULL ? data : "", len, out, &n, EVP_sha256(), NULL) || n != SHA256_LEN) {
		ERR_clear_error();
		return -ENOMEM;
	}
	return 0;
}

/* The X-Amz-Date value, "YYYYMMDDTHHMMSSZ". 0 or -EINVAL (not representable). */
static int amz_date(char out[MXP_SIGV4_AMZ_DATE_SIZE], time_t when)
{
	struct tm tm;
	if (gmtime_r(&when, &tm) == NULL || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		return -EINVAL;
	int n = snprintf(out, MXP_SIGV4_AMZ_DATE_SIZE, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return n == (int)MXP_SIGV4_AMZ_DATE_SIZE - 1 ? 0 : -EINVAL;
}

/* Writes UriEncode(c) at p: c itself when unreserved, else %XX. Returns the bytes written. */
static size_t encode_byte(char *p, unsigned char c)
{
	if (unreserved(c)) {
		p[0] = (char)c;
		return 1;
	}
	p[0] = '%';
	p[1] = hex_upper[c >> 4];
	p[2] = hex_upper[c & 15];
	return 3;
}

/* Appends UriEncode(s[0..n)). 0 or -ENOMEM. */
static int put_uri_encoded(struct mxp_buf *b, const char *s, size_t n)
{
	if (n == 0)
		return 0;
	char *p = mxp_buf_reserve(b, 3 * n);
	if (p == NULL)
		return -ENOMEM;
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		w += encode_byte(p + w, (unsigned char)s[i]);
	mxp_buf_commit(b, w);
	return 0;
}

/* The canonical URI of path (see sigv4.h): segments are appended encoded as they come; a
 * ".." cuts the output back to before the last '/' it wrote, which is always a separator
 * since an encoded segment holds none. 0 or -ENOMEM. */
static int put_canonical_uri(struct mxp_buf *b, const char *path)
{
	size_t start = b->len;
	const char *p = path;
	while (*p != '\0') {
		while (*p == '/')
			p++;
		const char *seg = p;
		while (*p != '\0' && *p != '/')
			p++;
		size_t n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (b->len > start && b->data[b->len - 1] != '/')
				b->len--;
			if (b->len > start)
				b->len--;
			continue;
		}
		int rc = mxp_buf_put(b, "/", 1);
		if (rc == 0)
			rc = put_uri_encoded(b, seg, n);
		if (rc != 0)
			return -ENOMEM;
	}
	size_t len = strlen(path);
	if (b->len == start || (len > 0 && path[len - 1] == '/'))
		return mxp_buf_put(b, "/", 1) != 0 ? -ENOMEM : 0;
	return 0;
}

/* Appends UriEncode(percent-decode(s[0..n))) and a NUL. 0, -EINVAL (a '%' not followed
 * by two hex digits) or -ENOMEM. */
static int put_reencoded(struct mxp_buf *b, const char *s, size_t n)
{
	char *p = mxp_buf_reserve(b, 3 * n + 1);
	if (p == NULL)
		return -ENOMEM;
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= n)
				return -EINVAL;
			int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		w += encode_byte(p + w, c);
	}
	p[w++] = '\0';
	mxp_buf_commit(b, w);
	return 0;
}

struct query_param {
	size_t name_at, value_at;   /* offsets in the scratch buffer while it may move */
	const char *name, *value;   /* then pointers, for sorting */
};

static int cmp_query_param(const void *a, const void *b)
{
	const struct query_param *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c != 0 ? c : strcmp(x->value, y->value);
}

/* The canonical query of query (see sigv4.h). 0, -EINVAL or -ENOMEM. */
static int put_canonical_query(struct mxp_buf *b, const char *query)
{
	if (query == NULL || *query == '\0')
		return 0;
	size_t n = 1;
	for (const char *q = query; *q; q++)
		n += *q == '&';
	struct mxp_buf scratch = {0};
	struct query_param *v = calloc(n, sizeof(*v));
	int rc = v == NULL ? -ENOMEM : 0;
	size_t k = 0;
	for (const char *p = query; rc == 0;) {
		const char *amp = strchr(p, '&');
		size_t len = amp != NULL ? (size_t)(amp - p) : strlen(p);
		if (len > 0) {
			const char *eq = memchr(p, '=', len);
			size_t name_len = eq != NULL ? (size_t)(eq - p) : len;
			v[k].name_at = scratch.len;
			rc = put_reencoded(&scratch, p, name_len);
			v[k].value_at = scratch.len;
			if (rc == 0)
				rc = eq != NULL ? put_reencoded(&scratch, eq + 1, len - name_len - 1)
						: put_reencoded(&scratch, "", 0);
			k++;
		}
		if (amp == NULL)
			break;
		p = amp + 1;
	}
	if (rc != 0)
		goto out;
	for (size_t i = 0; i < k; i++) {
		v[i].name = scratch.data + v[i].name_at;
		v[i].value = scratch.data + v[i].value_at;
	}
	qsort(v, k, sizeof(*v), cmp_query_param);
	for (size_t i = 0; i < k && rc == 0; i++) {
		if (i > 0)
			rc |= mxp_buf_put(b, "&", 1);
		rc |= mxp_buf_puts(b, v[i].name);
		rc |= mxp_buf_put(b, "=", 1);
		rc |= mxp_buf_puts(b, v[i].value);
		rc = rc != 0 ? -ENOMEM : 0;
	}
out:
	free(v);
	mxp_buf_free(&scratch);
	return rc;
}

struct header_ref {
	const char *name, *value;
	size_t order;   /* position given: keeps a repeated name's values in their order */
};

/* Header names compare as their lowercase forms, byte by byte. */
static int cmp_name(const char *a, const char *b)
{
	while (*a != '\0' && lower(*a) == lower(*b)) {
		a++;
		b++;
	}
	return (unsigned char)lower(*a) - (unsigned char)lower(*b);
}

static int cmp_header_ref(const void *a, const void *b)
{
	const struct header_ref *x = a, *y = b;
	int c = cmp_name(x->name, y->name);
	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int put_lowercase(struct mxp_buf *b, const char *s)
{
	size_t n = strlen(s);
	char *p = mxp_buf_reserve(b, n);
	if (p == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		p[i] = lower(s[i]);
	mxp_buf_commit(b, n);
	return 0;
}

/* Appends v trimmed, each inner run of blanks written as one space. 0 or -ENOMEM. */
static int put_trimmed(struct mxp_buf *b, const char *v)
{
	size_t n = strlen(v);
	if (n == 0)
		return 0;
	char *p = mxp_buf_reserve(b, n);
	if (p == NULL)
		return -ENOMEM;
	size_t w = 0;
	bool gap = false;
	for (const char *s = v; *s; s++) {
		if (blank(*s)) {
			gap = w > 0;
			continue;
		}
		if (gap)
			p[w++] = ' ';
		gap = false;
		p[w++] = *s;
	}
	mxp_buf_commit(b, w);
	return 0;
}

/* Checks the caller's headers and returns them with the signer's own, sorted by name
 * (stably) into *sorted (the caller frees it). 0, -EINVAL or -ENOMEM. */
static int sorted_headers(const struct mxp_sigv4_request *req, const char *date, const char *token,
			  struct header_ref **sorted, size_t *count)
{
	static const char *const reserved[] = {"x-amz-date", "x-amz-security-token", "authorization"};
	bool host = false;
	if (req->n_headers > 0 && req->headers == NULL)
		return -EINVAL;
	for (size_t i = 0; i < req->n_headers; i++) {
		const struct mxp_sigv4_header *h = &req->headers[i];
		if (!token_ok(h->name) || !value_ok(h->value))
			return -EINVAL;
		for (size_t r = 0; r < sizeof(reserved) / sizeof(reserved[0]); r++)
			if (cmp_name(h->name, reserved[r]) == 0)
				return -EINVAL;
		host = host || cmp_name(h->name, "host") == 0;
	}
	if (!host)
		return -EINVAL;
	size_t n = req->n_headers + 1 + (token != NULL);
	struct header_ref *v = malloc(n * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < req->n_headers; i++)
		v[i] = (struct header_ref){req->headers[i].name, req->headers[i].value, i};
	v[req->n_headers] = (struct header_ref){"x-amz-date", date, req->n_headers};
	if (token != NULL)
		v[req->n_headers + 1] = (struct header_ref){"x-amz-security-token", token, req->n_headers + 1};
	qsort(v, n, sizeof(*v), cmp_header_ref);
	*sorted = v;
	*count = n;
	return 0;
}

/* Appends the canonical headers, the empty line after them and the signed headers;
 * signed_at and signed_len say where the last are in b. 0 or -ENOMEM. */
static int put_headers(struct mxp_buf *b, const struct header_ref *v, size_t n, size_t *signed_at,
		       size_t *signed_len)
{
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || cmp_name(v[i].name, v[i - 1].name) != 0) {
			if (i > 0)
				rc |= mxp_buf_put(b, "\n", 1);
			rc |= put_lowercase(b, v[i].name);
			rc |= mxp_buf_put(b, ":", 1);
		} else {
			rc |= mxp_buf_put(b, ",", 1);
		}
		rc |= put_trimmed(b, v[i].value);
	}
	rc |= mxp_buf_put(b, "\n\n", 2);
	*signed_at = b->len;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && cmp_name(v[i].name, v[i - 1].name) == 0)
			continue;
		if (i > 0)
			rc |= mxp_buf_put(b, ";", 1);
		rc |= put_lowercase(b, v[i].name);
	}
	*signed_len = b->len - *signed_at;
	return rc != 0 ? -ENOMEM : 0;
}

/* Copies b's bytes and a NUL into out when it is wanted. 0 or -ENOSPC. */
static int copy_out(char *out, size_t cap, const struct mxp_buf *b)
{
	if (out == NULL)
		return 0;
	if (cap < b->len + 1)
		return -ENOSPC;
	if (b->len > 0)
		memcpy(out, b->data, b->len);
	out[b->len] = '\0';
	return 0;
}

static bool date_ok(const char *d)
{
	if (d == NULL || strlen(d) != 8)
		return false;
	for (int i = 0; i < 8; i++)
		if (d[i] < '0' || d[i] > '9')
			return false;
	return true;
}

int mxp_sigv4_derive_key(unsigned char key[MXP_SIGV4_KEY_SIZE], const char *secret_access_key, const char *date,
			 const char *region, const char *service)
{
	if (secret_access_key == NULL || !date_ok(date) || !token_ok(region) || !token_ok(service))
		return -EINVAL;
	size_t n = strlen(secret_access_key);
	if (n == 0 || n > MXP_SIGV4_SECRET_MAX)
		return -EINVAL;
	unsigned char k_secret[4 + MXP_SIGV4_SECRET_MAX], a[SHA256_LEN], b[SHA256_LEN];
	memcpy(k_secret, "AWS4", 4);
	memcpy(k_secret + 4, secret_access_key, n);
	int rc = hmac(a, k_secret, 4 + n, date, 8);
	if (rc == 0)
		rc = hmac(b, a, SHA256_LEN, region, strlen(region));
	if (rc == 0)
		rc = hmac(a, b, SHA256_LEN, service, strlen(service));
	if (rc == 0)
		rc = hmac(key, a, SHA256_LEN, "aws4_request", 12);
	OPENSSL_cleanse(k_secret, sizeof(k_secret));
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(b, sizeof(b));
	return rc;
}

int mxp_sigv4_hash_payload(char out[MXP_SIGV4_HEX_SIZE], const void *payload, size_t payload_len)
{
	unsigned char md[SHA256_LEN];
	int rc = sha256(md, payload, payload_len);
	if (rc == 0)
		to_hex(out, md, SHA256_LEN);
	return rc;
}

int mxp_sigv4_sign(const struct mxp_sigv4_credentials *cred, const struct mxp_sigv4_request *req, time_t when,
		   struct mxp_sigv4_out *out)
{
	if (out == NULL || out->authorization == NULL)
		return -EINVAL;
	if (out->authorization_cap > 0)
		out->authorization[0] = '\0';
	out->amz_date[0] = '\0';
	if (cred == NULL || req == NULL || !token_ok(cred->access_key_id) || cred->secret_access_key == NULL ||
	    !token_ok(req->region) || !token_ok(req->service) || !token_ok(req->method) ||
	    (req->payload == NULL && req->payload_len > 0))
		return -EINVAL;
	const char *path = req->path != NULL && req->path[0] != '\0' ? req->path : "/";
	const char *token = cred->session_token != NULL && cred->session_token[0] != '\0' ? cred->session_token : NULL;
	if (path[0] != '/' || (token != NULL && !value_ok(token)))
		return -EINVAL;
	int rc = amz_date(out->amz_date, when);
	if (rc != 0)
		return rc;

	struct mxp_buf creq = {0}, sts = {0};
	struct header_ref *headers = NULL;
	size_t n_headers = 0, signed_at = 0, signed_len = 0;
	unsigned char md[SHA256_LEN], key[MXP_SIGV4_KEY_SIZE];
	char hex[MXP_SIGV4_HEX_SIZE], payload_hex[MXP_SIGV4_HEX_SIZE], date8[9];
	int n;

	rc = sorted_headers(req, out->amz_date, token, &headers, &n_headers);
	if (rc != 0)
		goto out;
	rc = mxp_sigv4_hash_payload(payload_hex, req->payload, req->payload_len);
	if (rc != 0)
		goto out;

	/* 1. the canonical request */
	rc = mxp_buf_puts(&creq, req->method) | mxp_buf_put(&creq, "\n", 1);
	if (rc == 0)
		rc = put_canonical_uri(&creq, path);
	if (rc == 0)
		rc = mxp_buf_put(&creq, "\n", 1);
	if (rc == 0)
		rc = put_canonical_query(&creq, req->query);
	if (rc == 0)
		rc = mxp_buf_put(&creq, "\n", 1);
	if (rc == 0)
		rc = put_headers(&creq, headers, n_headers, &signed_at, &signed_len);
	if (rc == 0)
		rc = mxp_buf_put(&creq, "\n", 1) | mxp_buf_puts(&creq, payload_hex);
	if (rc != 0) {
		rc = rc == -EINVAL ? -EINVAL : -ENOMEM;
		goto out;
	}

	/* 2. the string to sign */
	rc = sha256(md, creq.data, creq.len);
	if (rc != 0)
		goto out;
	to_hex(hex, md, SHA256_LEN);
	rc |= mxp_buf_puts(&sts, ALGORITHM "\n");
	rc |= mxp_buf_puts(&sts, out->amz_date);
	rc |= mxp_buf_put(&sts, "\n", 1);
	rc |= mxp_buf_put(&sts, out->amz_date, 8);
	rc |= mxp_buf_put(&sts, "/", 1);
	rc |= mxp_buf_puts(&sts, req->region);
	rc |= mxp_buf_put(&sts, "/", 1);
	rc |= mxp_buf_puts(&sts, req->service);
	rc |= mxp_buf_puts(&sts, "/aws4_request\n");
	rc |= mxp_buf_puts(&sts, hex);
	if (rc != 0) {
		rc = -ENOMEM;
		goto out;
	}

	/* 3. the signing key, 4. the signature */
	memcpy(date8, out->amz_date, 8);
	date8[8] = '\0';
	rc = mxp_sigv4_derive_key(key, cred->secret_access_key, date8, req->region, req->service);
	if (rc == 0)
		rc = hmac(md, key, sizeof(key), sts.data, sts.len);
	if (rc != 0)
		goto out;
	to_hex(hex, md, SHA256_LEN);

	rc = copy_out(out->canonical_request, out->canonical_request_cap, &creq);
	if (rc == 0)
		rc = copy_out(out->string_to_sign, out->string_to_sign_cap, &sts);
	if (rc != 0)
		goto out;
	n = snprintf(out->authorization, out->authorization_cap,
		     ALGORITHM " Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%.*s, Signature=%s",
		     cred->access_key_id, date8, req->region, req->service, (int)signed_len, creq.data + signed_at,
		     hex);
	if (n < 0 || (size_t)n >= out->authorization_cap)
		rc = -ENOSPC;
out:
	if (rc != 0 && out->authorization_cap > 0)
		out->authorization[0] = '\0';
	OPENSSL_cleanse(key, sizeof(key));
	if (creq.data != NULL)
		OPENSSL_cleanse(creq.data, creq.len); /* it holds the session token */
	free(headers);
	mxp_buf_free(&creq);
	mxp_buf_free(&sts);
	return rc;
}
