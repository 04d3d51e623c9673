/* mongo_resend.c — sends the same body of documents twice through the MongoDB transport
 * (send/mongo.c), as the sender does after a failure that left part of a batch inserted,
 * to a real server: the second time every document is already there (the server answers
 * duplicate key for each), which must count as delivered and store nothing twice.
 * test_export_mongo.sh reads the collection back.
 *
 *   mongo_resend URI DATABASE COLLECTION
 *
 * Prints "first: delivered D rejected R retry X" and the same for "second"; exits 0
 * when both delivered all 3 documents. */
#include <bson/bson.h>
#include <stdio.h>
#include <string.h>

#include "send/mongo.h"

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: mongo_resend URI DATABASE COLLECTION\n");
		return 2;
	}
	const struct mxp_mongo_conf conf = {
		.uri = argv[1], .database = argv[2], .collection = argv[3], .socket_timeout_ms = 5000};
	char why[512];
	void *m = mxp_mongo_ops.open(&conf, why, sizeof(why));
	if (m == NULL) {
		fprintf(stderr, "mongo_resend: %s\n", why);
		return 2;
	}
	/* three documents with their _id, one after the other: a body as the format makes */
	char body[4096];
	size_t len = 0;
	for (int i = 0; i < 3; i++) {
		bson_t doc = BSON_INITIALIZER;
		bson_oid_t oid;
		bson_oid_init(&oid, NULL);
		BSON_APPEND_OID(&doc, "_id", &oid);
		BSON_APPEND_INT64(&doc, "value", i);
		memcpy(body + len, bson_get_data(&doc), doc.len);
		len += doc.len;
		bson_destroy(&doc);
	}
	int rc = 0;
	for (int round = 0; round < 2; round++) {
		struct mxp_worker_result r;
		memset(&r, 0, sizeof(r));
		mxp_mongo_ops.send(m, body, len, 3, &r);
		printf("%s: delivered %ld rejected %ld retry %d %s\n", round ? "second" : "first", r.delivered, r.rejected,
		       r.retry, r.why);
		if (r.delivered != 3 || r.rejected != 0 || r.retry)
			rc = 1;
	}
	mxp_mongo_ops.close(m);
	return rc;
}
