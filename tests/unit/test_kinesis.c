/* test_kinesis.c — the Kinesis format's bodies (kinesis.c: JSON lines packed into
 * PutRecords records of whole lines, at most 1 MiB with the key, a line too large left
 * out and counted) and the Kinesis API's reading of answers (kinesis_api.c: a 200 with
 * failed records keeps only those, throttling 400s retried, other 4xx refused), and its
 * signature headers. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "engine/exporter_http.h"
#include "format/format.h"
#include "format/kinesis/kinesis.h"
#include "send/http_response.h"
#include "send/kinesis_api.h"

/* A JSON-lines body: n lines, line i of len[i] bytes (newline included). */
static void lines(struct mxp_buf *b, size_t n, const size_t *len)
{
	for (size_t i = 0; i < n; i++) {
		char head[32];
		int h = snprintf(head, sizeof(head), "{\"i\":%zu,\"pad\":\"", i);
		cr_assert_geq(len[i], (size_t)h + 3);
		cr_assert_eq(mxp_buf_put(b, head, (size_t)h), 0);
		for (size_t k = 0; k < len[i] - (size_t)h - 3; k++)
			cr_assert_eq(mxp_buf_put(b, "x", 1), 0);
		cr_assert_eq(mxp_buf_put(b, "\"}\n", 3), 0);
	}
}

struct decoded {
	char *data[64];
	size_t len[64];
	char key[64][300];
	size_t n;
	char stream[128];
};

static void decode(const struct mxp_buf *body, struct decoded *d)
{
	memset(d, 0, sizeof(*d));
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = json_tokener_parse_ex(tok, body->data, (int)body->len);
	json_tokener_free(tok);
	cr_assert_not_null(o, "not JSON: %.200s", body->data);
	struct json_object *s, *recs;
	cr_assert(json_object_object_get_ex(o, "StreamName", &s));
	snprintf(d->stream, sizeof(d->stream), "%s", json_object_get_string(s));
	cr_assert(json_object_object_get_ex(o, "Records", &recs));
	d->n = json_object_array_length(recs);
	for (size_t i = 0; i < d->n; i++) {
		struct json_object *r = json_object_array_get_idx(recs, i), *data, *key;
		cr_assert(json_object_object_get_ex(r, "Data", &data) && json_object_object_get_ex(r, "PartitionKey", &key));
		const char *b64 = json_object_get_string(data);
		size_t n = strlen(b64);
		d->data[i] = malloc(n / 4 * 3 + 1);
		int k = EVP_DecodeBlock((unsigned char *)d->data[i], (const unsigned char *)b64, (int)n);
		cr_assert_geq(k, 0);
		/* EVP_DecodeBlock counts the padding's bytes too */
		d->len[i] = (size_t)k - (n >= 1 && b64[n - 1] == '=') - (n >= 2 && b64[n - 2] == '=');
		snprintf(d->key[i], sizeof(d->key[i]), "%s", json_object_get_string(key));
	}
	json_object_put(o);
}

static void decoded_free(struct decoded *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->data[i]);
}

static long seal(struct mxp_buf *b, const char *stream, const char *key)
{
	struct mxp_buf scratch = {0};
	const struct mxp_format_options o = {.stream_name = stream, .partition_key = key};
	long dropped = -1;
	cr_assert_eq(mxp_kinesis_seal(b, 0, &scratch, &o, &dropped), 0);
	mxp_buf_free(&scratch);
	return dropped;
}

Test(kinesis, small_body_is_one_record_of_its_lines)
{
	struct mxp_buf b = {0};
	size_t len[] = {100, 200, 50};
	lines(&b, 3, len);
	struct mxp_buf orig = {0};
	mxp_buf_put(&orig, b.data, b.len);
	cr_assert_eq(seal(&b, "my \"stream\"", NULL), 0);
	struct decoded d;
	decode(&b, &d);
	cr_assert_str_eq(d.stream, "my \"stream\"");
	cr_assert_eq(d.n, 1);
	cr_assert_str_eq(d.key[0], "netdata_0");
	cr_assert_eq(d.len[0], orig.len);
	cr_assert(memcmp(d.data[0], orig.data, orig.len) == 0);
	decoded_free(&d);
	mxp_buf_free(&b);
	mxp_buf_free(&orig);
}

/* 3.5 MiB of 100 KiB lines: records of whole lines, each at most 1 MiB with its key,
 * together the body's lines in order. */
Test(kinesis, records_of_whole_lines_within_1_MiB)
{
	struct mxp_buf b = {0};
	size_t len[36];
	for (size_t i = 0; i < 36; i++)
		len[i] = 100 * 1024 + i;
	lines(&b, 36, len);
	struct mxp_buf orig = {0};
	mxp_buf_put(&orig, b.data, b.len);
	cr_assert_eq(seal(&b, "s", NULL), 0);
	struct decoded d;
	decode(&b, &d);
	cr_assert_eq(d.n, 4, "%zu records", d.n);
	size_t off = 0;
	for (size_t i = 0; i < d.n; i++) {
		char key[32];
		snprintf(key, sizeof(key), "netdata_%zu", i);
		cr_assert_str_eq(d.key[i], key);
		cr_assert_leq(d.len[i] + strlen(key), MXP_KINESIS_RECORD_MAX);
		cr_assert_eq(d.data[i][d.len[i] - 1], '\n', "record %zu does not end a line", i);
		cr_assert(memcmp(d.data[i], orig.data + off, d.len[i]) == 0, "record %zu", i);
		off += d.len[i];
	}
	cr_assert_eq(off, orig.len, "every line in a record");
	/* 10 lines of ~100 KiB fit in 1 MiB, an 11th does not */
	cr_assert_eq(d.len[0], len[0] + len[1] + len[2] + len[3] + len[4] + len[5] + len[6] + len[7] + len[8] + len[9]);
	decoded_free(&d);
	mxp_buf_free(&b);
	mxp_buf_free(&orig);
}

/* A line larger than a record can hold is left out and counted; the lines around it
 * go. The seed looped forever on it. */
Test(kinesis, a_line_too_large_is_dropped_and_counted)
{
	struct mxp_buf b = {0};
	size_t len[] = {300, MXP_KINESIS_RECORD_MAX, 400};
	lines(&b, 3, len);
	cr_assert_eq(seal(&b, "s", "fixed-key"), 1);
	struct decoded d;
	decode(&b, &d);
	cr_assert_eq(d.n, 2);
	cr_assert_eq(d.len[0], 300);
	cr_assert_eq(d.len[1], 400);
	cr_assert_str_eq(d.key[0], "fixed-key");
	cr_assert_str_eq(d.key[1], "fixed-key");
	decoded_free(&d);
	mxp_buf_free(&b);
}

/* A body whose every line is too large is no request at all. */
Test(kinesis, a_body_of_lines_too_large_is_emptied)
{
	struct mxp_buf b = {0};
	size_t len[] = {MXP_KINESIS_RECORD_MAX, MXP_KINESIS_RECORD_MAX + 10};
	lines(&b, 2, len);
	cr_assert_eq(seal(&b, "s", NULL), 2);
	cr_assert_eq(b.len, 0, "nothing to send: %zu bytes", b.len);
	mxp_buf_free(&b);
}

/* ---- answers ---- */

static struct mxp_http_response answer(int status, const char *body)
{
	struct mxp_http_response r = {.status = status};
	r.body_len = r.body_total = strlen(body);
	cr_assert_leq(r.body_len, sizeof(r.body));
	memcpy(r.body, body, r.body_len);
	return r;
}

/* A request of three records of 2, 3 and 4 lines. */
static void three_records(struct mxp_buf *b)
{
	mxp_buf_reset(b);
	const char *recs[] = {"a\nb\n", "c\nd\ne\n", "f\ng\nh\ni\n"};
	mxp_buf_puts(b, "{\"StreamName\":\"s\",\"Records\":[");
	for (int i = 0; i < 3; i++) {
		char data[64];
		EVP_EncodeBlock((unsigned char *)data, (const unsigned char *)recs[i], (int)strlen(recs[i]));
		char rec[160];
		snprintf(rec, sizeof(rec), "%s{\"Data\":\"%s\",\"PartitionKey\":\"netdata_%d\"}", i ? "," : "", data, i);
		mxp_buf_puts(b, rec);
	}
	mxp_buf_puts(b, "]}");
	mxp_buf_put(b, "", 1);
	b->len--;
}

static const struct mxp_sender_http h = {.content_type = "application/x-amz-json-1.1"};

Test(kinesis, all_records_taken)
{
	struct mxp_buf b = {0};
	three_records(&b);
	long records = 9;
	char why[256] = "";
	struct mxp_http_response r = answer(200, "{\"FailedRecordCount\":0,\"Records\":[{\"SequenceNumber\":\"1\","
						 "\"ShardId\":\"shardId-000000000000\"},{},{}]}");
	cr_assert_eq(mxp_kinesis_answer(&h, &r, &b, &records, why, sizeof(why)), MXP_HTTP_DELIVERED);
	mxp_buf_free(&b);
}

Test(kinesis, only_the_failed_records_go_again)
{
	struct mxp_buf b = {0};
	three_records(&b);
	long records = 9;
	char why[256] = "";
	struct mxp_http_response r = answer(
		200, "{\"FailedRecordCount\":2,\"Records\":[{\"ErrorCode\":\"ProvisionedThroughputExceededException\","
		     "\"ErrorMessage\":\"Rate exceeded for shard shardId-000000000001\"},{\"SequenceNumber\":\"2\","
		     "\"ShardId\":\"shardId-000000000000\"},{\"ErrorCode\":\"InternalFailure\",\"ErrorMessage\":\"x\"}]}");
	cr_assert_eq(mxp_kinesis_answer(&h, &r, &b, &records, why, sizeof(why)), MXP_HTTP_PARTIAL);
	cr_assert_eq(records, 6, "records 0 and 2 hold 2 + 4 lines: %ld", records);
	cr_assert_not_null(strstr(why, "2 of 3 records failed: ProvisionedThroughputExceededException"), "%s", why);
	mxp_buf_put(&b, "", 1);
	b.len--;
	struct decoded d;
	decode(&b, &d);
	cr_assert_str_eq(d.stream, "s");
	cr_assert_eq(d.n, 2);
	cr_assert(d.len[0] == 4 && memcmp(d.data[0], "a\nb\n", 4) == 0);
	cr_assert_str_eq(d.key[0], "netdata_0");
	cr_assert(d.len[1] == 8 && memcmp(d.data[1], "f\ng\nh\ni\n", 8) == 0);
	cr_assert_str_eq(d.key[1], "netdata_2");
	decoded_free(&d);
	mxp_buf_free(&b);
}

Test(kinesis, an_answer_that_cannot_be_matched_sends_all_again)
{
	struct mxp_buf b = {0};
	three_records(&b);
	long records = 9;
	char why[256] = "";
	struct mxp_http_response r = answer(200, "{\"FailedRecordCount\":1,\"Records\":[{\"ErrorCode\":\"X\"}]}");
	cr_assert_eq(mxp_kinesis_answer(&h, &r, &b, &records, why, sizeof(why)), MXP_HTTP_RETRY);
	cr_assert_eq(records, 9);
	cr_assert_not_null(strstr(why, "does not match the request"), "%s", why);
	mxp_buf_free(&b);
}

Test(kinesis, throttling_is_retried_other_4xx_refused)
{
	struct mxp_buf b = {0};
	three_records(&b);
	long records = 9;
	char why[256] = "";
	struct mxp_http_response r = answer(400, "{\"__type\":\"ProvisionedThroughputExceededException\","
						 "\"message\":\"Rate exceeded for stream s\"}");
	cr_assert_eq(mxp_kinesis_answer(&h, &r, &b, &records, why, sizeof(why)), MXP_HTTP_RETRY);
	cr_assert_str_eq(why, "ProvisionedThroughputExceededException: Rate exceeded for stream s");
	r = answer(400, "{\"__type\":\"com.amazonaws.kinesis#LimitExceededException\",\"message\":\"m\"}");
	cr_assert_eq(mxp_kinesis_answer(&h, &r, &b, &records, why, sizeof(why)), MXP_HTTP_RETRY);
	r = answer(400, "{\"__type\":\"ResourceNotFoundException\",\"message\":\"Stream s under account 1 not found.\"}");
	cr_assert_eq(mxp_kinesis_answer(&h, &r, &b, &records, why, sizeof(why)), MXP_HTTP_REJECTED);
	cr_assert_str_eq(why, "ResourceNotFoundException: Stream s under account 1 not found.");
	r = answer(403, "{\"__type\":\"UnrecognizedClientException\",\"message\":\"bad token\"}");
	cr_assert_eq(mxp_kinesis_answer(&h, &r, &b, &records, why, sizeof(why)), MXP_HTTP_REJECTED);
	r = answer(500, "{\"__type\":\"InternalFailure\"}");
	cr_assert_eq(mxp_kinesis_answer(&h, &r, &b, &records, why, sizeof(why)), MXP_HTTP_RETRY);
	r = answer(503, "not json");
	cr_assert_eq(mxp_kinesis_answer(&h, &r, &b, &records, why, sizeof(why)), MXP_HTTP_RETRY);
	cr_assert_eq(records, 9);
	mxp_buf_free(&b);
}

/* The signature headers: X-Amz-Date, the token when there is one, Authorization for
 * the kinesis service of the region, signing content-type, host and x-amz-target (and
 * the token). The signatures were computed for this test by an independent SigV4 in
 * Python's hmac/hashlib, from the same canonical request. */
Test(kinesis, signature_headers)
{
	struct mxp_sender_http k = {.path = "/",
				    .content_type = "application/x-amz-json-1.1",
				    .aws = {.access_key_id = "AKIDEXAMPLE",
					    .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
					    .region = "eu-west-1",
					    .service = "kinesis"}};
	struct mxp_buf out = {0};
	cr_assert_eq(mxp_kinesis_sign(&k, "kinesis.eu-west-1.amazonaws.com", "{}", 2, 1440938160, &out), 0);
	mxp_buf_put(&out, "", 1);
	cr_assert_str_eq(out.data, "X-Amz-Date: 20150830T123600Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential="
				   "AKIDEXAMPLE/20150830/eu-west-1/kinesis/aws4_request, SignedHeaders=content-type;host;"
				   "x-amz-date;x-amz-target, Signature="
				   "5a1b923dbf4c2120e76655a1b67f0d987408438ec2ae089b5216309b6bf6c1d2\r\n");
	mxp_buf_reset(&out);
	k.aws.session_token = "TOKEN";
	cr_assert_eq(mxp_kinesis_sign(&k, "h", "{}", 2, 1440938160, &out), 0);
	mxp_buf_put(&out, "", 1);
	cr_assert_str_eq(out.data, "X-Amz-Date: 20150830T123600Z\r\nX-Amz-Security-Token: TOKEN\r\nAuthorization: "
				   "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/kinesis/aws4_request, "
				   "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, "
				   "Signature=3590f55872b45dfc0da5562edb1f8e3fac0c8b7e710e13c21a136a5669cd6b9a\r\n");
	mxp_buf_free(&out);
}

/* An answer longer than the parser keeps cannot say which records failed: the request
 * goes again whole, never counted delivered. */
Test(kinesis, an_answer_too_long_to_read_sends_all_again)
{
	struct mxp_buf b = {0};
	three_records(&b);
	long records = 9;
	char why[256] = "";
	struct mxp_http_response r = answer(200, "{\"FailedRecordCount\":1,\"Records\":[{\"ErrorCode\":\"X\"");
	r.body_total = r.body_len + 20000; /* the rest was not kept */
	cr_assert_eq(mxp_kinesis_answer(&h, &r, &b, &records, why, sizeof(why)), MXP_HTTP_RETRY);
	cr_assert_eq(records, 9);
	cr_assert_not_null(strstr(why, "too long to read"), "%s", why);
	mxp_buf_free(&b);
}

/* Kinesis signs: a `bearer token` or credentials of [exporting:global] never become a
 * second Authorization header; the AWS credentials and endpoint are the instance's. */
Test(kinesis, settings_sign_and_send_no_other_authorization)
{
	struct mxp_conf *c = mxp_conf_load_string(
		"t.conf",
		"[exporting:global]\nbearer token = not-for-aws\n"
		"[kinesis:k]\nenabled = yes\nstream name = s\nendpoint = http://127.0.0.1:9\n"
		"aws_access_key_id = AKID\naws_secret_access_key = secret\n",
		NULL);
	cr_assert_not_null(c);
	cr_assert_eq(c->nerrors, 0, "%s", c->nerrors ? c->errors[0] : "");
	struct mxp_sender_http http;
	char *auth = (char *)"sentinel";
	cr_assert_eq(mxp_exporter_http_settings(&c->instances[0], mxp_format_kinesis.body, false, &http, &auth), 0);
	cr_assert_null(auth);
	cr_assert_null(http.authorization);
	cr_assert_eq(http.api, &mxp_kinesis_api);
	cr_assert_str_eq(http.aws.access_key_id, "AKID");
	cr_assert_str_eq(http.aws.region, "us-east-1");
	cr_assert_str_eq(http.host_header, "127.0.0.1:9");
	cr_assert_not(http.tls);
	mxp_conf_free(c);
}

