/* data_source.c — the seed's `data source` values and their aliases. */
#include <errno.h>
#include <string.h>

#include "config/data_source.h"

static const struct {
	const char *name;
	enum mxp_source source;
} aliases[] = {
	{"raw", MXP_SOURCE_AS_COLLECTED},
	{"as collected", MXP_SOURCE_AS_COLLECTED},
	{"as-collected", MXP_SOURCE_AS_COLLECTED},
	{"as_collected", MXP_SOURCE_AS_COLLECTED},
	{"ascollected", MXP_SOURCE_AS_COLLECTED},
	{"average", MXP_SOURCE_AVERAGE},
	{"sum", MXP_SOURCE_SUM},
	{"volume", MXP_SOURCE_SUM},
};

int mxp_source_parse(const char *value, enum mxp_source *out)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		if (strcmp(value, aliases[i].name) == 0) {
			*out = aliases[i].source;
			return 0;
		}
	}
	return -EINVAL;
}

const char *mxp_source_name(enum mxp_source src)
{
	switch (src) {
	case MXP_SOURCE_AS_COLLECTED:
		return "as collected";
	case MXP_SOURCE_SUM:
		return "sum";
	case MXP_SOURCE_AVERAGE:
		break;
	}
	return "average";
}
