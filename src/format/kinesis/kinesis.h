/* kinesis.h — the Kinesis format's limits and its seal, for its tests and the Kinesis
 * API's answers (send/kinesis_api.c); the format itself is mxp_format_kinesis (format.h). */
#ifndef MXP_FORMAT_KINESIS_H
#define MXP_FORMAT_KINESIS_H

#include "format/buf.h"

struct mxp_format_options;

/* A record's data and partition key together, at most (the seed's KINESIS_RECORD_MAX,
 * Kinesis' 1 MiB). */
#define MXP_KINESIS_RECORD_MAX (1024u * 1024u)
#define MXP_KINESIS_RECORDS_MAX 500u  /* records per PutRecords request */
#define MXP_KINESIS_KEY_MAX 256u      /* partition key bytes (Kinesis and the seed) */
/* A body is handed on once its JSON lines pass this: with the line that passed it (at
 * most a record's 1 MiB) and the partition keys a request stays under PutRecords' 5 MiB */
#define MXP_KINESIS_BODY_BYTES (4u * 1024u * 1024u - 64u * 1024u)

/* The format's seal (format.h): b's JSON lines into a PutRecords body for o->stream_name,
 * records of whole lines; a line no record can hold is left out and counted in *dropped. */
int mxp_kinesis_seal(struct mxp_buf *b, long records, struct mxp_buf *scratch, const struct mxp_format_options *o,
		     long *dropped);

#endif
