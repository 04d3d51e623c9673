/* fuzz_kinesis_answer.c — the Kinesis API's reading of an answer (kinesis_api.c) on any
 * answer body: a status from the first input byte, the rest the body (at most what the
 * response parser keeps), against a request of three records of 2, 3 and 4 lines. It
 * must never crash or read out of bounds (ASan), and its verdict must be coherent: a
 * PARTIAL leaves a body that is a PutRecords request of 1 to 3 of those records and a
 * metric count of 2 to 9 that is the sum of their lines; every other verdict leaves the
 * body and the count as they were.
 *
 * Built with -fsanitize=fuzzer it is a libFuzzer target; linked with
 * tests/fuzz/replay_main.c it replays a corpus (make test does). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "send/http_response.h"
#include "send/kinesis_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* records "a\nb\n", "c\nd\ne\n", "f\ng\nh\ni\n" */
static const char request[] = "{\"StreamName\":\"s\",\"Records\":["
			      "{\"Data\":\"YQpiCg==\",\"PartitionKey\":\"netdata_0\"},"
			      "{\"Data\":\"YwpkCmUK\",\"PartitionKey\":\"netdata_1\"},"
			      "{\"Data\":\"ZgpnCmgKaQo=\",\"PartitionKey\":\"netdata_2\"}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const int statuses[] = {200, 200, 200, 400, 403, 429, 500, 503};
	struct mxp_http_response *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return 0;
	r->status = statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))];
	r->body_total = size - 1;
	r->body_len = size - 1 < sizeof(r->body) ? size - 1 : sizeof(r->body);
	memcpy(r->body, data + 1, r->body_len);

	struct mxp_buf body = {0};
	if (mxp_buf_put(&body, request, sizeof(request) - 1) != 0) {
		free(r);
		return 0;
	}
	long records = 9;
	char why[256];
	static const struct mxp_sender_http h = {.content_type = "application/x-amz-json-1.1"};
	enum mxp_http_action a = mxp_kinesis_answer(&h, r, &body, &records, why, sizeof(why));
	if (a == MXP_HTTP_PARTIAL) {
		if (records < 2 || records > 9 || body.len == 0 || body.len > sizeof(request) ||
		    memcmp(body.data, "{\"StreamName\":\"s\",\"Records\":[{\"Data\":\"", 37) != 0)
			abort();
	} else if (records != 9 || body.len != sizeof(request) - 1 || memcmp(body.data, request, body.len) != 0) {
		abort();
	}
	mxp_buf_free(&body);
	free(r);
	return 0;
}
