/* config.h — netdata's exporter configuration, in either of its two files:
 *
 *  - netdata.conf's [backend] section (the seed's one instance, named "backend"), with
 *    the seed's companion files aws_kinesis.conf and mongodb.conf beside it;
 *  - exporting.conf: [exporting:global], [TYPE] sections, and any number of
 *    [TYPE:NAME] instances. A key is looked up in the instance, then its [TYPE]
 *    section, then [exporting:global], then the default.
 *
 * Every key of the seed and of netdata's exporting engine is known, with its default
 * (docs/CONFIG.md lists them). Errors name FILE:LINE, the section and the key; all of a
 * file's errors are collected, not just the first. */
#ifndef MXP_CONFIG_H
#define MXP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config/data_source.h"
#include "config/destination.h"

struct mxp_pattern;
struct mxp_destination;

enum mxp_conf_key {
	MXP_KEY_ENABLED,
	MXP_KEY_TYPE,                    /* netdata.conf only: exporting.conf names it in the section */
	MXP_KEY_DESTINATION,
	MXP_KEY_USERNAME,
	MXP_KEY_PASSWORD,
	MXP_KEY_DATA_SOURCE,
	MXP_KEY_HOSTNAME,
	MXP_KEY_PREFIX,
	MXP_KEY_UPDATE_EVERY,
	MXP_KEY_BUFFER_ON_FAILURES,
	MXP_KEY_TIMEOUT_MS,
	MXP_KEY_SEND_HOSTS_MATCHING,
	MXP_KEY_SEND_CHARTS_MATCHING,
	MXP_KEY_SEND_NAMES_INSTEAD_OF_IDS,
	MXP_KEY_SEND_CONFIGURED_LABELS,
	MXP_KEY_SEND_AUTOMATIC_LABELS,
	MXP_KEY_SEND_VARIABLES,
	MXP_KEY_REMOTE_WRITE_URL_PATH,
	MXP_KEY_STREAM_NAME,
	MXP_KEY_AWS_ACCESS_KEY_ID,
	MXP_KEY_AWS_SECRET_ACCESS_KEY,
	MXP_KEY_DATABASE,
	MXP_KEY_COLLECTION,
	MXP_KEY_HOST_TAGS,               /* netdata.conf [backend] only (read by netdata's rrd_init) */
	MXP_KEY_FORMATTER_THREADS,       /* mxp's: [exporting:global] (or [backend]) only */
	MXP_KEY_BEARER_TOKEN,            /* mxp's, HTTP: Authorization: Bearer */
	MXP_KEY_RETRY_MIN_MS,            /* mxp's, HTTP: first retry delay after a 429/5xx */
	MXP_KEY_RETRY_MAX_MS,            /* mxp's, HTTP: the retry delay's ceiling */
	MXP_KEY_MAX_SAMPLES_PER_SEND,    /* mxp's, HTTP: metrics per request at most */
	MXP_KEY_TLS_VERIFY,              /* mxp's, https: verify the receiver's certificate */
	MXP_KEY_TLS_CA_FILE,
	MXP_KEY_TLS_CA_PATH,
	MXP_KEY_TLS_CERT_FILE,           /* a client certificate */
	MXP_KEY_TLS_KEY_FILE,
	MXP_KEY_ENDPOINT,                /* mxp's, kinesis: http(s)://HOST[:PORT] instead of AWS's */
	MXP_KEY_PARTITION_KEY,           /* mxp's, kinesis: one partition key for every record */
	MXP_KEY_TIMESERIES,              /* mxp's, mongodb: create a time-series collection */
	MXP_KEY_COUNT
};

/* Where an effective value came from. */
enum mxp_conf_origin {
	MXP_FROM_DEFAULT,
	MXP_FROM_GLOBAL,                 /* [exporting:global] */
	MXP_FROM_TYPE,                   /* the [TYPE] section */
	MXP_FROM_INSTANCE,               /* the instance's own section (or [backend]) */
};

struct mxp_conf_setting {
	char *value;                     /* the effective text */
	enum mxp_conf_origin origin;
	const char *file;                /* NULL for defaults */
	unsigned line;
};

struct mxp_instance_conf {
	char *name;                      /* "graphite:prod", or "backend" for netdata.conf */
	char *type;                      /* the type as written: "graphite", "opentsdb:http", ... */
	const char *file;
	unsigned line;                   /* of the section header */
	struct mxp_conf_setting set[MXP_KEY_COUNT];

	/* the effective values, parsed and checked */
	bool enabled;
	enum mxp_source source;
	int update_every;
	long buffer_on_failures;
	long timeout_ms;
	bool send_names;
	bool send_configured_labels;
	bool send_automatic_labels;
	struct mxp_pattern *charts;      /* NULL matches nothing (an empty list) */
	struct mxp_pattern *hosts;       /* NULL means every host (an empty list) */
	int formatter_threads;           /* 0 = one per core */
	long retry_min_ms, retry_max_ms; /* HTTP retry backoff after a 429/5xx */
	long max_samples;                /* HTTP: metrics per request at most */
	bool tls_verify;
	/* kinesis: where PutRecords go (`endpoint`, else kinesis.REGION.amazonaws.com:443
	 * over TLS, REGION being `destination`), and the Host header for it */
	struct mxp_destination kinesis_dest;
	bool kinesis_tls;
	char kinesis_host[MXP_DEST_HOST_MAX + MXP_DEST_PORT_MAX + 4];
	char kinesis_region[64];
	long mongo_socket_timeout_ms;    /* mongodb: update every * 1000 - 500, at least 1000 */
	bool mongo_timeseries;
	struct mxp_destination *destinations; /* parsed `destination`, the type's default port
					       * filled in; NULL for kinesis and mongodb */
	size_t ndestinations;
};

/* mxpd's [plugin:NAME] sections (exporting.conf only): an external program whose
 * standard output, in netdata's plugins.d protocol, fills the store. */
struct mxp_plugin_conf {
	char *name;                      /* NAME */
	char *command;                   /* run by /bin/sh, with update every appended */
	int update_every;                /* seconds; default 1 */
	bool enabled;                    /* default yes */
	const char *file;
	unsigned line;                   /* of the section header */
};

/* mxpd's [stream] section (exporting.conf only): listen for netdata children. */
struct mxp_stream_listen_conf {
	bool present;                    /* the section is in the file */
	bool enabled;                    /* default yes */
	char *listen;                    /* "[IP:]PORT"; IPv6 in brackets */
	char *stream_config;             /* netdata's stream.conf (API keys), as given */
	char *stream_config_path;        /* the same, relative to the config's folder */
	int timeout_s;                   /* a child silent this long is disconnected; 60 */
	const char *file;
	unsigned line;
};

struct mxp_conf {
	bool is_netdata_conf;            /* netdata.conf [backend] rather than exporting.conf */
	char *file;
	struct mxp_instance_conf *instances;
	size_t ninstances;
	char **errors;                   /* "FILE:LINE: [section] key: what is wrong" */
	size_t nerrors;
	char **warnings;                 /* the same form, for what loads with a fallback */
	size_t nwarnings;
	char **companions;               /* paths of companion files read (settings point here) */
	size_t ncompanions;
	struct mxp_plugin_conf *plugins; /* every [plugin:NAME] that loaded without error */
	size_t nplugins;
	struct mxp_stream_listen_conf stream;
};

/* Loads the file at path. Returns the configuration (also when it has errors: look at
 * conf->nerrors), or NULL when out of memory. The caller frees it with mxp_conf_free(). */
struct mxp_conf *mxp_conf_load(const char *path);
/* The same from text; name stands for the file in messages, and companion files are
 * looked for in dir (NULL: none). */
struct mxp_conf *mxp_conf_load_string(const char *name, const char *text, const char *dir);
void mxp_conf_free(struct mxp_conf *conf);

/* Prints every instance with each key's effective value and where it came from
 * (mxpd --check). Secrets (password, aws_secret_access_key) are never printed. */
void mxp_conf_print(const struct mxp_conf *conf, FILE *out);

/* The name of a key as written in the files ("update every"). */
const char *mxp_conf_key_name(enum mxp_conf_key key);

/* A URI with its password (scheme://user:PASSWORD@host...) replaced by *** into out;
 * false when it has none. For anything that prints a `destination`. */
bool mxp_conf_mask_password(const char *uri, char *out, size_t cap);

#endif
