/* format.c — the table of text formats by the seed's `type` names. */
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
