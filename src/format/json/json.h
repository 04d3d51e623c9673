/* json.h — what the json format shares with its users (the baseline, kinesis, mongodb). */
#ifndef MXP_FORMAT_JSON_H
#define MXP_FORMAT_JSON_H

#include <time.h>

#include "format/buf.h"

struct mxp_format_options;
struct mxp_series;
struct mxp_template_shape;

/* Appends s as the inside of a JSON string: '"' and '\\' escaped, control bytes as
 * \u00XX, every other byte as it is. Returns 0 or -ENOMEM. */
int mxp_json_put_escaped(struct mxp_buf *b, const char *s);

/* The json format's callbacks (format.h), for the formats whose records are its lines
 * (kinesis, mongodb). */
int mxp_json_put_collected(struct mxp_buf *b, const struct mxp_format_options *o, const struct mxp_series *s,
			   long long value, time_t t);
int mxp_json_put_stored(struct mxp_buf *b, const struct mxp_format_options *o, const struct mxp_series *s,
			long double value, time_t t);
int mxp_json_render_template(struct mxp_buf *out, const struct mxp_format_options *o, const struct mxp_series *s,
			     struct mxp_template_shape *shape);

#endif
