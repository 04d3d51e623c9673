/* json.h — what the json format shares with its users (the baseline, kinesis, mongodb). */
#ifndef MXP_FORMAT_JSON_H
#define MXP_FORMAT_JSON_H

#include "format/buf.h"

/* Appends s as the inside of a JSON string: '"' and '\\' escaped, control bytes as
 * \u00XX, every other byte as it is. Returns 0 or -ENOMEM. */
int mxp_json_put_escaped(struct mxp_buf *b, const char *s);

#endif
