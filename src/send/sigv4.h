/* sigv4.h — AWS Signature Version 4 (AWS4-HMAC-SHA256, signature in the Authorization
 * header) for the Kinesis connector's PutRecords requests (issue 7), as pure functions:
 * no I/O, no log, no global state; any thread may call them at any time. OpenSSL's
 * libcrypto does the hashing (SHA-256) and the MACs (HMAC-SHA256).
 *
 * What it implements — "Create a signed AWS API request",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 * (formerly https://docs.aws.amazon.com/general/latest/gr/sigv4_signing.html):
 *  1. Canonical request, six lines joined by "\n":
 *       METHOD
 *       CanonicalURI      the path, normalized (empty and "." segments dropped, ".." takes
 *                         the previous one away, a trailing '/' kept), then UriEncode()d
 *                         segment by segment, '/' kept
 *       CanonicalQuery    the query's name=value pairs, each side percent-decoded then
 *                         UriEncode()d, sorted by name then value (byte order), joined
 *                         by '&'; a pair without '=' has an empty value; "" for none
 *       CanonicalHeaders  one "name:value\n" per header name: name lowercased, value
 *                         trimmed with runs of spaces/tabs made one space, the values of
 *                         a repeated name joined by ',' in the order given; sorted by name
 *       SignedHeaders     the same names joined by ';'
 *       hex(SHA-256(payload))
 *     UriEncode() leaves A-Z a-z 0-9 - . _ ~ alone and writes every other byte as %XX
 *     (uppercase hex); a space is %20, never '+'.
 *  2. String to sign: "AWS4-HMAC-SHA256\n" X-Amz-Date "\n" scope "\n"
 *     hex(SHA-256(canonical request)), scope = YYYYMMDD/region/service/aws4_request.
 *  3. Signing key: HMAC(HMAC(HMAC(HMAC("AWS4" secret, YYYYMMDD), region), service),
 *     "aws4_request").
 *  4. Signature = hex(HMAC(signing key, string to sign)); Authorization =
 *     "AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=..., Signature=...".
 * Checked against AWS's SigV4 test suite and its documentation's examples
 * (tests/unit/test_sigv4.c says which, and where each vector comes from).
 *
 * Limits, on purpose:
 *  - Every service but S3. The path is normalized and encoded once more as given, so a
 *    path already percent-encoded on the wire ("/a%20b") is signed double-encoded
 *    ("/a%2520b"), which is what the test suite and the SDKs do for non-S3 services. S3
 *    wants the path neither normalized nor encoded twice, and x-amz-content-sha256:
 *    not supported (Kinesis's path is "/").
 *  - In the query, '+' is a literal plus (signed as %2B): send spaces as %20.
 *  - Header values may not contain CR, LF or other control bytes besides tab: no
 *    obs-fold line continuations (the suite's get-header-value-multiline).
 *  - Header signing only; no presigned URLs (query signing), no chunked payload
 *    signing, no SigV4a.
 *
 * Secrets: nothing here logs. The secret access key is used for step 3 only, and every
 * buffer that held it or a key derived from it is cleansed before returning. The session
 * token is not a signing secret but is a credential: the canonical request (optional
 * output) contains it — do not log that either. */
#ifndef MXP_SEND_SIGV4_H
#define MXP_SEND_SIGV4_H

#include <stddef.h>
#include <time.h>

#define MXP_SIGV4_AMZ_DATE_SIZE 17u  /* "YYYYMMDDTHHMMSSZ" and its NUL */
#define MXP_SIGV4_HEX_SIZE 65u       /* a SHA-256 in lowercase hex and its NUL */
#define MXP_SIGV4_KEY_SIZE 32u       /* a signing key (raw HMAC-SHA256 output) */
#define MXP_SIGV4_SECRET_MAX 128u    /* the longest secret access key taken (AWS's have 40) */

struct mxp_sigv4_credentials {
	const char *access_key_id;     /* "AKIA..." */
	const char *secret_access_key;
	const char *session_token;     /* temporary credentials' token; NULL or "" for none */
};

struct mxp_sigv4_header {
	const char *name;   /* any case: signed lowercased */
	const char *value;  /* as sent: signed trimmed, inner runs of blanks made one space */
};

/* The request as it will be sent. Strings are NUL-terminated; none is kept. */
struct mxp_sigv4_request {
	const char *region;    /* "us-east-1" */
	const char *service;   /* "kinesis" */
	const char *method;    /* "POST" */
	const char *path;      /* the request-target's path as sent, starting with '/'; NULL or "" is "/" */
	const char *query;     /* what follows '?' on the request line, without it; NULL or "" none */
	/* Every header to sign, Host among them; a name may repeat. Not X-Amz-Date,
	 * X-Amz-Security-Token (the signer adds both, see mxp_sigv4_sign) nor Authorization. */
	const struct mxp_sigv4_header *headers;
	size_t n_headers;
	const void *payload;   /* the body, payload_len bytes; NULL when 0 */
	size_t payload_len;
};

/* What the caller sends besides its own headers, in the caller's buffers. */
struct mxp_sigv4_out {
	char amz_date[MXP_SIGV4_AMZ_DATE_SIZE];  /* the X-Amz-Date value */
	char *authorization;            /* the Authorization value; required */
	size_t authorization_cap;       /* its size, NUL included */
	char *canonical_request;        /* optional (NULL: not wanted): step 1's text, for tests */
	size_t canonical_request_cap;
	char *string_to_sign;           /* optional likewise: step 2's text */
	size_t string_to_sign_cap;
};

/* Signs req at when (UTC seconds) with cred: fills out->amz_date, out->authorization
 * and, when asked for, out->canonical_request and out->string_to_sign (all
 * NUL-terminated).
 *
 * The signer adds two headers to the signed set itself, and the caller MUST send them
 * with exactly these values, besides every header of req->headers:
 *   X-Amz-Date: out->amz_date
 *   X-Amz-Security-Token: cred->session_token    (only when there is a token; signed
 *                                                 then, as temporary credentials need)
 *   Authorization: out->authorization
 * Giving X-Amz-Date, X-Amz-Security-Token or Authorization in req->headers is -EINVAL:
 * a second value would be signed joined to the first by ',', which no server sends.
 *
 * Returns 0, or:
 *   -EINVAL  a field missing or malformed: no Host header; an empty or unsafe name,
 *            region, service or access key id ('/', ',', blanks or control bytes); a
 *            header value with CR, LF or another control byte; a path not starting
 *            with '/'; a bad %-escape in the query; a secret longer than
 *            MXP_SIGV4_SECRET_MAX; when outside years 0000-9999
 *   -ENOSPC  a buffer of out too small (authorization, or an optional one asked for)
 *   -ENOMEM  no memory for the working buffer (about the canonical request's size,
 *            freed before returning), or OpenSSL failed
 * On error out->authorization is "" (when it has room for that). */
int mxp_sigv4_sign(const struct mxp_sigv4_credentials *cred, const struct mxp_sigv4_request *req, time_t when,
		   struct mxp_sigv4_out *out);

/* hex(SHA-256(payload)) in lowercase into out: the canonical request's last line, and the
 * value of x-amz-content-sha256 for services that want that header (Kinesis does not).
 * 0, or -ENOMEM when OpenSSL fails. */
int mxp_sigv4_hash_payload(char out[MXP_SIGV4_HEX_SIZE], const void *payload, size_t payload_len);

/* Step 3 alone: the signing key for date ("YYYYMMDD"), region and service. It changes
 * once a day per region and service; mxp_sigv4_sign derives it each call. The caller
 * owns key and should cleanse it (OPENSSL_cleanse) when done.
 * 0, -EINVAL (malformed argument, as for mxp_sigv4_sign) or -ENOMEM (OpenSSL failed). */
int mxp_sigv4_derive_key(unsigned char key[MXP_SIGV4_KEY_SIZE], const char *secret_access_key, const char *date,
			 const char *region, const char *service);

#endif
