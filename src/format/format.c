/* format.c — the table of text formats by the seed's `type` names. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "format/format.h"

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
};

const struct mxp_format *mxp_format_find(const char *type)
{
	for (size_t i = 0; i < sizeof(text_types) / sizeof(text_types[0]); i++)
		if (strcmp(type, text_types[i].type) == 0)
			return text_types[i].format;
	return NULL;
}

static int put_value(struct mxp_buf *b, bool as_collected, long long collected, long double stored)
{
	return as_collected ? mxp_buf_put_lld(b, collected) : mxp_buf_put_ld7(b, stored);
}

int mxp_template_put(struct mxp_buf *b, const struct mxp_record_template *tpl, bool as_collected,
		     long long collected, long double stored, time_t t)
{
	if (!as_collected && isnan(stored))
		return 0;
	size_t mark = b->len;
	const char *a = tpl->bytes, *mid = a + tpl->a, *c = mid + tpl->b;
	int rc = mxp_buf_put(b, a, tpl->a);
	if (tpl->ts_first)
		rc |= mxp_buf_put_llu(b, (unsigned long long)t);
	else
		rc |= put_value(b, as_collected, collected, stored);
	rc |= mxp_buf_put(b, mid, tpl->b);
	if (tpl->ts_first)
		rc |= put_value(b, as_collected, collected, stored);
	else
		rc |= mxp_buf_put_llu(b, (unsigned long long)t);
	rc |= mxp_buf_put(b, c, tpl->c);
	if (rc != 0) {
		b->len = mark;
		return -ENOMEM;
	}
	return 1;
}
