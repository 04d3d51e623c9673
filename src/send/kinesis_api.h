/* kinesis_api.h — Kinesis PutRecords over the sender's HTTP transport: signing and
 * answers (kinesis_api.c). The exporter sets mxp_sender_http.api to &mxp_kinesis_api. */
#ifndef MXP_SEND_KINESIS_API_H
#define MXP_SEND_KINESIS_API_H

#include <time.h>

#include "format/buf.h"
#include "send/http_request.h"

#define MXP_KINESIS_TARGET "Kinesis_20131202.PutRecords" /* the X-Amz-Target value */

extern const struct mxp_http_api mxp_kinesis_api;

/* The api's two functions (http_request.h), for tests. sign appends X-Amz-Date,
 * X-Amz-Security-Token (with a session token) and Authorization, signing Host,
 * Content-Type and X-Amz-Target as the request sends them. */
int mxp_kinesis_sign(const struct mxp_sender_http *h, const char *host, const char *body, size_t len, time_t now,
		     struct mxp_buf *headers);
enum mxp_http_action mxp_kinesis_answer(const struct mxp_sender_http *h, const struct mxp_http_response *r,
					struct mxp_buf *body, long *records, char *why, size_t whylen);

#endif
