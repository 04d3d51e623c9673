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
};

const struct mxp_format *mxp_format_find(const char *type)
{
	for (size_t i = 0; i < sizeof(text_types) / sizeof(text_types[0]); i++)
		if (strcmp(type, text_types[i].type) == 0)
			return text_types[i].format;
	return NULL;
}
