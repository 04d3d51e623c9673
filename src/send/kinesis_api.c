/* kinesis_api.c — the Kinesis PutRecords API over the sender's HTTP transport
 * (http_request.h's struct mxp_http_api): each attempt signed with SigV4 (sigv4.h), and
 * answers read as Kinesis means them.
 *
 *  - 200 with FailedRecordCount 0: delivered.
 *  - 200 with failed records (throttling, internal errors): the records that failed, and
 *    only those, go again after the backoff — the body is rewritten to hold them, and
 *    the metrics of the others are delivered (Fluent Bit resends the whole batch and
 *    duplicates; Telegraf only logs the failed ones and loses them).
 *  - 400 whose error type is a throttling one (ProvisionedThroughputExceededException,
 *    LimitExceededException, KMSThrottlingException): sent again whole after the
 *    backoff, as a 429 would be. Any other 4xx: refused (ResourceNotFoundException,
 *    AccessDeniedException, ...), lost with its type and message in the log.
 *  - 5xx: sent again, as for any HTTP receiver.
 *
 * Answers are parsed with json-c; the request body is mxp's own (kinesis.c) and is read
 * back with json-c too when records must be picked out of it. */
#include <errno.h>
#include <stdint.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/json/json.h"
#include "send/http_response.h"
#include "send/kinesis_api.h"
#include "send/sigv4.h"

static const char *const throttling[] = {"ProvisionedThroughputExceededException", "LimitExceededException",
					 "KMSThrottlingException", "ThrottlingException"};

static bool is_throttling(const char *type)
{
	for (size_t i = 0; i < sizeof(throttling) / sizeof(throttling[0]); i++)
		if (type != NULL && strstr(type, throttling[i]) != NULL) /* "...#Type" forms too */
			return true;
	return false;
}

/* The JSON value of n bytes at text (not NUL-terminated), or NULL. */
static struct json_object *parse(const char *text, size_t n)
{
	struct json_tokener *tok = json_tokener_new();
	if (tok == NULL || n > (size_t)INT32_MAX) {
		json_tokener_free(tok);
		return NULL;
	}
	struct json_object *o = json_tokener_parse_ex(tok, text, (int)n);
	if (o != NULL && json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static const char *get_string(struct json_object *o, const char *key)
{
	struct json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

/* The metrics (lines) in a record's base64 data; -1 when it is not base64. */
static long lines_in(const char *b64)
{
	size_t n = strlen(b64);
	if (n % 4 != 0)
		return -1;
	unsigned char *raw = malloc(n / 4 * 3 + 1);
	if (raw == NULL)
		return -1;
	int k = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n);
	long lines = -1;
	if (k >= 0) {
		lines = 0;
		for (int i = 0; i < k; i++)
			lines += raw[i] == '\n';
	}
	free(raw);
	return lines;
}

/* A 200's body: the records that failed are kept in body (rewritten), *records set to
 * their metrics. Returns the action. */
static enum mxp_http_action partial(const struct mxp_http_response *r, struct mxp_buf *body, long *records,
				    char *why, size_t whylen)
{
	if (r->body_total > r->body_len) {
		/* more than the parser keeps (mxp's requests hold a handful of records): which
		 * failed cannot be known, so all go again rather than any counted delivered */
		snprintf(why, whylen, "an answer of %llu bytes, too long to read which records failed",
			 r->body_total);
		return MXP_HTTP_RETRY;
	}
	struct json_object *ans = parse(r->body, r->body_len);
	struct json_object *failed, *results;
	if (ans == NULL || !json_object_object_get_ex(ans, "FailedRecordCount", &failed) ||
	    json_object_get_int64(failed) == 0) {
		/* a 200 is what Kinesis answers once it has the records: an answer that says
		 * nothing else, or that the body kept only in part, is taken as it is */
		json_object_put(ans);
		return MXP_HTTP_DELIVERED;
	}
	enum mxp_http_action action = MXP_HTTP_RETRY; /* the whole request, when it cannot be picked apart */
	struct json_object *req = NULL;
	struct mxp_buf out = {0};
	if (!json_object_object_get_ex(ans, "Records", &results) || !json_object_is_type(results, json_type_array)) {
		snprintf(why, whylen, "%lld records failed, and the answer does not say which",
			 (long long)json_object_get_int64(failed));
		goto out;
	}
	req = parse(body->data, body->len);
	struct json_object *sent;
	if (req == NULL || !json_object_object_get_ex(req, "Records", &sent) ||
	    json_object_array_length(sent) != json_object_array_length(results)) {
		snprintf(why, whylen, "%lld records failed, and the answer does not match the request",
			 (long long)json_object_get_int64(failed));
		goto out;
	}
	int rc = mxp_buf_puts(&out, "{\"StreamName\":\"");
	rc |= mxp_json_put_escaped(&out, get_string(req, "StreamName") != NULL ? get_string(req, "StreamName") : "");
	rc |= mxp_buf_puts(&out, "\",\"Records\":[");
	long left = 0, kept = 0;
	const char *first_code = NULL, *first_msg = NULL;
	for (size_t i = 0; i < json_object_array_length(results) && rc == 0; i++) {
		struct json_object *res = json_object_array_get_idx(results, i);
		const char *code = get_string(res, "ErrorCode");
		if (code == NULL)
			continue;
		if (first_code == NULL) {
			first_code = code;
			first_msg = get_string(res, "ErrorMessage");
		}
		struct json_object *rec = json_object_array_get_idx(sent, i);
		const char *data = get_string(rec, "Data"), *key = get_string(rec, "PartitionKey");
		long n = data != NULL ? lines_in(data) : -1;
		if (n < 0 || key == NULL) {
			rc = -EINVAL;
			break;
		}
		rc |= mxp_buf_puts(&out, kept++ ? ",{\"Data\":\"" : "{\"Data\":\"");
		rc |= mxp_buf_puts(&out, data);
		rc |= mxp_buf_puts(&out, "\",\"PartitionKey\":\"");
		rc |= mxp_json_put_escaped(&out, key);
		rc |= mxp_buf_puts(&out, "\"}");
		left += n;
	}
	rc |= mxp_buf_puts(&out, "]}");
	if (rc != 0 || kept == 0) {
		snprintf(why, whylen, "%lld records failed, and they could not be picked out of the request",
			 (long long)json_object_get_int64(failed));
		goto out;
	}
	snprintf(why, whylen, "%ld of %zu records failed: %s%s%s", kept, json_object_array_length(results),
		 first_code, first_msg != NULL ? ": " : "", first_msg != NULL ? first_msg : "");
	if (left > *records) /* lines in a record are metrics; never more than the request's */
		left = *records;
	struct mxp_buf t = *body;
	*body = out;
	out = t;
	*records = left;
	action = MXP_HTTP_PARTIAL;
out:
	mxp_buf_free(&out);
	json_object_put(req);
	json_object_put(ans);
	return action;
}

/* An error answer ({"__type": ..., "message": ...}): its type and message into why;
 * true when the type is a throttling one. */
static bool error_says(const struct mxp_http_response *r, char *why, size_t whylen)
{
	struct json_object *o = parse(r->body, r->body_len);
	const char *t = get_string(o, "__type"), *m = get_string(o, "message");
	if (m == NULL)
		m = get_string(o, "Message");
	if (t != NULL)
		snprintf(why, whylen, "%s%s%s", t, m != NULL ? ": " : "", m != NULL ? m : "");
	bool throttled = is_throttling(t);
	json_object_put(o);
	return throttled;
}

enum mxp_http_action mxp_kinesis_answer(const struct mxp_sender_http *h, const struct mxp_http_response *r,
					struct mxp_buf *body, long *records, char *why, size_t whylen)
{
	(void)h;
	if (r->status >= 200 && r->status <= 299)
		return partial(r, body, records, why, whylen);
	bool throttled = error_says(r, why, whylen);
	if (r->status >= 400 && r->status <= 499 && r->status != 429)
		return throttled ? MXP_HTTP_RETRY : MXP_HTTP_REJECTED;
	return mxp_http_status_action(r->status);
}

int mxp_kinesis_sign(const struct mxp_sender_http *h, const char *host, const char *body, size_t len, time_t now,
		     struct mxp_buf *headers)
{
	const struct mxp_sigv4_credentials cred = {.access_key_id = h->aws.access_key_id,
						   .secret_access_key = h->aws.secret_access_key,
						   .session_token = h->aws.session_token};
	/* exactly the values the request carries (http_request.c writes them) */
	const struct mxp_sigv4_header signed_headers[] = {
		{"Host", host}, {"Content-Type", h->content_type}, {"X-Amz-Target", MXP_KINESIS_TARGET}};
	const struct mxp_sigv4_request req = {.region = h->aws.region,
					      .service = h->aws.service != NULL ? h->aws.service : "kinesis",
					      .method = "POST",
					      .path = h->path,
					      .headers = signed_headers,
					      .n_headers = sizeof(signed_headers) / sizeof(signed_headers[0]),
					      .payload = body,
					      .payload_len = len};
	char auth[1024];
	struct mxp_sigv4_out out = {.authorization = auth, .authorization_cap = sizeof(auth)};
	int rc = mxp_sigv4_sign(&cred, &req, now, &out);
	if (rc != 0)
		return rc;
	rc = mxp_buf_puts(headers, "X-Amz-Date: ");
	rc |= mxp_buf_puts(headers, out.amz_date);
	if (cred.session_token != NULL && cred.session_token[0] != '\0') {
		rc |= mxp_buf_puts(headers, "\r\nX-Amz-Security-Token: ");
		rc |= mxp_buf_puts(headers, cred.session_token);
	}
	rc |= mxp_buf_puts(headers, "\r\nAuthorization: ");
	rc |= mxp_buf_puts(headers, auth);
	rc |= mxp_buf_puts(headers, "\r\n");
	return rc ? -ENOMEM : 0;
}

const struct mxp_http_api mxp_kinesis_api = {
	.name = "kinesis",
	.sign = mxp_kinesis_sign,
	.answer = mxp_kinesis_answer,
};
