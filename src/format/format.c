/* format.c — the table of text formats by the seed's `type` names. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "format/format.h"
#include "format/number.h"

static const struct {
	const char *type;
	const struct mxp_format *format;
} text_types[] = {
	{"graphite", &mxp_format_graphite},
	{"graphite:plaintext", &mxp_format_graphite},
	{"opentsdb", &mxp_format_opentsdb_telnet},
	{"opentsdb:telnet", &mxp_format_opentsdb_telnet},
	{"json", &mxp_format_json},
	{"json:plaintext", &mxp_format_json},
	{"graphite:http", &mxp_format_graphite_http},
	{"graphite:https", &mxp_format_graphite_http},
	{"opentsdb:http", &mxp_format_opentsdb_http},
	{"opentsdb:https", &mxp_format_opentsdb_http},
	{"json:http", &mxp_format_json_http},
	{"json:https", &mxp_format_json_http},
	{"prometheus_remote_write", &mxp_format_remote_write},
	{"prometheus_remote_write:http", &mxp_format_remote_write},
	{"prometheus_remote_write:https", &mxp_format_remote_write},
	{"kinesis", &mxp_format_kinesis},
	{"kinesis:plaintext", &mxp_format_kinesis},
	{"mongodb", &mxp_format_mongodb},
	{"mongodb:plaintext", &mxp_format_mongodb},
};

const struct mxp_format *mxp_format_find_tls(const char *type, bool *tls)
{
	for (size_t i = 0; i < sizeof(text_types) / sizeof(text_types[0]); i++)
		if (strcmp(type, text_types[i].type) == 0) {
			if (tls != NULL) {
				size_t n = strlen(type);
				*tls = n > 6 && strcmp(type + n - 6, ":https") == 0;
			}
			return text_types[i].format;
		}
	return NULL;
}

const struct mxp_format *mxp_format_find(const char *type)
{
	return mxp_format_find_tls(type, NULL);
}

/* Writes the value at w as %lld or %0.7Lf; returns its length. */
static size_t put_value(char *w, bool as_collected, long long collected, const long double *stored)
{
	return as_collected ? mxp_num_lld(w, collected) : mxp_num_ld7_at(w, stored);
}

/* Writes t as %llu at w; returns its length. The records of a window mostly share one
 * timestamp, so the digits of the last one are kept per thread (a formatter is one
 * thread) and copied: 24 bytes at once, within the slack the caller reserved for the
 * timestamp (at most 20 digits of it are kept). */
static size_t put_time(char *w, time_t t)
{
	static _Thread_local bool kept;
	static _Thread_local time_t last_t;
	static _Thread_local char last[24]; /* mxp_num_llu writes 21 at most */
	static _Thread_local size_t last_len;
	if (!kept || t != last_t) {
		last_len = mxp_num_llu(last, (unsigned long long)t);
		last_t = t;
		kept = true;
	}
	memcpy(w, last, sizeof(last));
	return last_len;
}

/* Copies a template part of n bytes to w in 16-byte pieces: what a memcpy of a length
 * known only at run time costs in a call and its dispatch is most of the copy at these
 * sizes (a graphite line's parts: ~40, 1 and 1 bytes). Reads up to 15 bytes past src + n
 * (MXP_TEMPLATE_SLACK) and writes up to 15 past w + n, which the caller reserved and
 * overwrites or leaves uncommitted. */
static inline void put_part(char *w, const char *src, size_t n)
{
	for (size_t i = 0; i < n; i += 16)
		memcpy(w + i, src + i, 16);
}

int mxp_template_put(struct mxp_buf *b, const struct mxp_record_template *tpl, bool as_collected,
		     long long collected, const long double *stored, time_t t)
{
	if (!as_collected && mxp_num_ld_isnan_at(stored))
		return 0;
	/* one capacity check per record: the three parts, a value, a timestamp, and the
	 * pieces' overrun */
	char *w = mxp_buf_reserve(b, (size_t)tpl->a + tpl->b + tpl->c + MXP_NUM_MAX + 24 + 16);
	if (w == NULL)
		return -ENOMEM;
	const char *start = w, *a = tpl->bytes, *mid = a + tpl->a, *c = mid + tpl->b;
	put_part(w, a, tpl->a);
	w += tpl->a;
	w += tpl->ts_first ? put_time(w, t) : put_value(w, as_collected, collected, stored);
	put_part(w, mid, tpl->b);
	w += tpl->b;
	w += tpl->ts_first ? put_value(w, as_collected, collected, stored) : put_time(w, t);
	put_part(w, c, tpl->c);
	w += tpl->c;
	mxp_buf_commit(b, (size_t)(w - start));
	return 1;
}
