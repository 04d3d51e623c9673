/* kinesis.c — AWS Kinesis: the JSON lines of the json format (FORMATS.md §2.6) packed
 * into PutRecords request bodies.
 *
 * The formatter writes JSON lines into a body as for json; sealing turns them into
 *   {"StreamName":"S","Records":[{"Data":"BASE64","PartitionKey":"K"},...]}
 * where each record's data is whole lines, as many as fit in a Kinesis record (1 MiB of
 * data and partition key together, as the seed's KINESIS_RECORD_MAX), so that a consumer
 * never sees a line cut in two (the seed cut at the last newline and started every later
 * record with that newline). A body is handed on before it reaches MXP_KINESIS_BODY_BYTES,
 * so a request stays under PutRecords' 5 MiB with its keys, and holds a handful of
 * records, far from the 500 a request may hold. A line that cannot fit in any record is
 * left out and counted (the seed looped forever on one). Partition keys are `partition
 * key` when set, else the seed's netdata_<n>, n counting the records of the request
 * (the seed counted those of an iteration). */
#include <errno.h>
#include <openssl/evp.h>
#include <string.h>

#include "format/format.h"
#include "format/json/json.h"
#include "format/kinesis/kinesis.h"

/* Appends `"Data":"<base64 of n bytes>","PartitionKey":"<key>"}` after `{`: one record. */
static int put_record(struct mxp_buf *out, const char *data, size_t n, const char *key)
{
	size_t b64 = 4 * ((n + 2) / 3);
	int rc = mxp_buf_puts(out, "{\"Data\":\"");
	char *w = rc == 0 ? mxp_buf_reserve(out, b64 + 1) : NULL;
	if (w == NULL)
		return -ENOMEM;
	/* EVP_EncodeBlock takes an int length: records are at most 1 MiB */
	mxp_buf_commit(out, (size_t)EVP_EncodeBlock((unsigned char *)w, (const unsigned char *)data, (int)n));
	rc |= mxp_buf_puts(out, "\",\"PartitionKey\":\"");
	rc |= mxp_json_put_escaped(out, key);
	rc |= mxp_buf_puts(out, "\"}");
	return rc ? -ENOMEM : 0;
}

int mxp_kinesis_seal(struct mxp_buf *b, long records, struct mxp_buf *scratch, const struct mxp_format_options *o,
		     long *dropped)
{
	(void)records;
	*dropped = 0;
	mxp_buf_reset(scratch);
	int rc = mxp_buf_puts(scratch, "{\"StreamName\":\"");
	rc |= mxp_json_put_escaped(scratch, o->stream_name != NULL ? o->stream_name : "");
	rc |= mxp_buf_puts(scratch, "\",\"Records\":[");
	if (rc != 0)
		return -ENOMEM;

	const bool fixed_key = o->partition_key != NULL && o->partition_key[0] != '\0';
	char key[MXP_KINESIS_KEY_MAX + 1];
	unsigned nrec = 0;
	size_t start = 0, end = 0; /* the record being gathered: b->data[start, end) */
	const char *p = b->data, *stop = b->data + b->len;
	for (;;) {
		const char *nl = p < stop ? memchr(p, '\n', (size_t)(stop - p)) : NULL;
		size_t line_end = nl != NULL ? (size_t)(nl + 1 - b->data) : b->len;
		if (fixed_key)
			snprintf(key, sizeof(key), "%s", o->partition_key);
		else
			snprintf(key, sizeof(key), "netdata_%u", nrec);
		const size_t room = MXP_KINESIS_RECORD_MAX - strlen(key);
		/* the record is full, or the lines are over: write it */
		if (end > start && (p >= stop || line_end - start > room)) {
			if ((nrec > 0 && mxp_buf_put(scratch, ",", 1) != 0) ||
			    put_record(scratch, b->data + start, end - start, key) != 0)
				return -ENOMEM;
			nrec++;
			start = end;
			continue; /* the key of the next record */
		}
		if (p >= stop)
			break;
		if (line_end - end > room) {
			/* one line larger than any record: left out, counted */
			(*dropped)++;
			start = end = line_end;
		} else {
			end = line_end;
		}
		p = b->data + line_end;
	}
	if (nrec == 0) {
		/* every line was too large: no request at all */
		mxp_buf_reset(b);
		return 0;
	}
	if (nrec > MXP_KINESIS_RECORDS_MAX)
		return -EINVAL; /* the body's byte bound makes this impossible */
	if (mxp_buf_puts(scratch, "]}") != 0)
		return -ENOMEM;
	struct mxp_buf t = *b;
	*b = *scratch;
	*scratch = t;
	return 0;
}

static const struct mxp_body kinesis_body = {
	.path = "/",
	.content_type = "application/x-amz-json-1.1",
	.headers = "X-Amz-Target: Kinesis_20131202.PutRecords\r\n",
	.seal = mxp_kinesis_seal,
	.max_bytes = MXP_KINESIS_BODY_BYTES,
};

/* The json format's records in PutRecords bodies. */
const struct mxp_format mxp_format_kinesis = {
	.name = "kinesis",
	.put_collected = mxp_json_put_collected,
	.put_stored = mxp_json_put_stored,
	.render_template = mxp_json_render_template,
	.body = &kinesis_body,
};
