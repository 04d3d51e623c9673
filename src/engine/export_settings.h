/* export_settings.h — the seed's [backend] settings that decide what one instance
 * exports and how its records look (FORMATS.md §1.1). The configuration module fills
 * it; the walk, the baseline and (later) the pipeline read it. */
#ifndef MXP_EXPORT_SETTINGS_H
#define MXP_EXPORT_SETTINGS_H

#include <stdbool.h>

#include "config/data_source.h"

struct mxp_format;
struct mxp_pattern;

struct mxp_export_settings {
	const struct mxp_format *format;     /* the wire format's table */
	enum mxp_source source;              /* `data source`, default average */
	const char *prefix;                  /* `prefix`, default "netdata" */
	const char *hostname;                /* `hostname`: the name sent for localhost */
	bool send_names;                     /* `send names instead of ids`, default yes */
	int update_every;                    /* `update every`, seconds, default 10 */
	const struct mxp_pattern *charts;    /* `send charts matching`; NULL matches nothing */
	const struct mxp_pattern *hosts;     /* `send hosts matching`; NULL means every host */
	long max_records;                    /* HTTP bodies: records per request at most (`max
					      * samples per send`); 0: the format's default */
	const char *stream_name;             /* kinesis: `stream name` */
	const char *partition_key;           /* kinesis: `partition key`; NULL: the seed's */
};

#endif
