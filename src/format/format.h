/* format.h — a wire format is one table of callbacks; the engine never switches on type.
 *
 * Each text format (graphite, opentsdb telnet, json) appends one record per call,
 * byte for byte as the seed's formatter of the same name did (FORMATS.md §2). */
#ifndef MXP_FORMAT_H
#define MXP_FORMAT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config/data_source.h"
#include "format/buf.h"

struct mxp_host;
struct mxp_chart;
struct mxp_dim;

struct mxp_record_template;
struct mxp_format_options;

/* A format whose output goes in HTTP request bodies (opentsdb:http, json:http,
 * graphite:http, prometheus_remote_write) rather than as a stream of lines. Each buffer a
 * formatter hands to the sender is then one finished body: opened before its first
 * record, sealed (closed, compressed) when it is handed over, and sent as one request. */
struct mxp_body {
	const char *path;         /* the request path when the config sets none */
	const char *content_type; /* the Content-Type header's value */
	const char *headers;      /* more header lines, each ending in CRLF ("" for none) */
	long max_records;         /* records per body at most when the config sets none (0:
				   * none); bodies are also cut at MXP_PIPELINE_BODY_BYTES */
	/* Writes what opens a body into the empty b (e.g. "[\n"); NULL: nothing. 0 or -ENOMEM. */
	int (*open)(struct mxp_buf *b);
	/* Finishes b, which holds `records` (>= 1) records after what open wrote. It may
	 * write the result into scratch (a buffer of the formatter's) and swap the two. A
	 * record that no request can hold is left out and counted in *dropped (set to 0
	 * otherwise). 0, -ENOMEM or -EINVAL. NULL: the body is complete as it is. */
	int (*seal)(struct mxp_buf *b, long records, struct mxp_buf *scratch, const struct mxp_format_options *o,
		    long *dropped);
	size_t max_bytes;         /* a body is handed on past this many bytes before sealing
				   * (0: MXP_PIPELINE_BODY_BYTES) */
};

/* What an instance's settings say about names; shared by every record it formats. */
struct mxp_format_options {
	const char *prefix;      /* used raw by the text formats (the seed did) */
	bool send_names;         /* chart and dim names instead of ids (graphite, opentsdb) */
	enum mxp_source source;  /* the data source: remote write's names depend on it */
	const char *stream_name; /* kinesis: the stream the records go to */
	const char *partition_key; /* kinesis: every record's key; NULL or "": the seed's
				    * netdata_<n> */
};

/* One series as a format sees it. */
struct mxp_series {
	const struct mxp_host *host;
	const struct mxp_chart *chart;
	const struct mxp_dim *dim;
	const char *hostname;    /* the instance's `hostname` for localhost, else the host's */
	unsigned collected_ms;   /* as collected: the milliseconds of the collection time,
				  * 0..999 (remote write sends ms; the text formats, seconds) */
};

/* A series' record template: the bytes of its records that do not change from one
 * record to the next, rendered once (names sanitized, escaped, tags) so that a record
 * is three copies and two numbers:
 *   a | X | b | Y | c     with (X, Y) = (value, timestamp), or (timestamp, value)
 * when ts_first. bytes holds a, b and c one after the other. */
struct mxp_record_template {
	uint64_t owner;          /* who rendered it: a different owner renders again */
	uint32_t a, b, c;        /* lengths */
	uint32_t variant;        /* what template_variant said when it was rendered */
	bool ts_first;
	char bytes[];            /* a + b + c, then MXP_TEMPLATE_SLACK bytes of zeros */
};

/* Bytes allocated after a template's parts: mxp_template_put (template_put.h) copies
 * each part in 16-byte pieces, reading up to 15 bytes past its end. */
#define MXP_TEMPLATE_SLACK 16u

struct mxp_template_shape {
	uint32_t a, b, c;
	uint32_t variant;        /* render_template sets it when the format has template_variant */
	bool ts_first;
};

struct mxp_format {
	const char *name;        /* the seed's name for its response checker: "graphite" ... */
	/* Appends the record of an "as collected" value. Returns 1 when a record was
	 * appended, 0 when skipped, -ENOMEM. */
	int (*put_collected)(struct mxp_buf *b, const struct mxp_format_options *o,
			     const struct mxp_series *s, long long value, time_t t);
	/* Appends the record of an average or sum; a NaN value appends nothing and
	 * returns 0, as the seed's formatters did. */
	int (*put_stored)(struct mxp_buf *b, const struct mxp_format_options *o,
			  const struct mxp_series *s, long double value, time_t t);
	/* Optional: appends the series' a, b, c (see mxp_record_template) to out and sets
	 * their lengths. Records built from them are byte for byte put_*'s. 0, -ENOMEM. */
	int (*render_template)(struct mxp_buf *out, const struct mxp_format_options *o,
			       const struct mxp_series *s, struct mxp_template_shape *shape);
	/* Optional: appends a record from a template this format rendered, for formats whose
	 * records are not text (remote write); NULL: mxp_template_put. Same returns. */
	int (*put_template)(struct mxp_buf *b, const struct mxp_record_template *tpl, const struct mxp_series *s,
			    bool as_collected, long long collected, long double stored, time_t t);
	/* Optional: what else, besides the instance and the series, a template depends on
	 * (remote write: whether the chart's dims are alike). A template rendered with
	 * another variant is rendered again. NULL: nothing. */
	uint32_t (*template_variant)(const struct mxp_format_options *o, const struct mxp_series *s);
	/* Optional: appends series number `part` (0, 1, ...) of those a format writes once
	 * per host and window (remote write: 0 netdata_info, 1 netdata_host_tags_info when
	 * the host has tags), before the host's charts; t is the window's end. Returns 1, 0
	 * when the host has no such part (nor any after it), or -ENOMEM. NULL: none. */
	int (*put_host)(struct mxp_buf *b, const struct mxp_format_options *o, const struct mxp_host *h,
			const char *hostname, time_t t, unsigned part);
	/* NULL for a line format; else how its records make HTTP request bodies. */
	const struct mxp_body *body;
};

extern const struct mxp_format mxp_format_graphite;
extern const struct mxp_format mxp_format_opentsdb_telnet;
extern const struct mxp_format mxp_format_json;
/* HTTP bodies (graphite.c, http_bodies.c) */
extern const struct mxp_format mxp_format_graphite_http;
extern const struct mxp_format mxp_format_json_http;
extern const struct mxp_format mxp_format_opentsdb_http;
/* Prometheus remote write (prometheus/remote_write.c) */
extern const struct mxp_format mxp_format_remote_write;
/* AWS Kinesis PutRecords bodies of json lines (kinesis/kinesis.c) */
extern const struct mxp_format mxp_format_kinesis;
/* MongoDB: bodies of BSON documents (mongodb/mongodb.c) */
extern const struct mxp_format mxp_format_mongodb;

/* The format of a backend `type` value with every alias of the seed ("graphite",
 * "graphite:plaintext", "opentsdb", "opentsdb:telnet", "json", "json:plaintext") and
 * the HTTP ones ("graphite:http", "opentsdb:https", ...), or NULL. *tls (may be NULL)
 * says whether the type is an https one. */
const struct mxp_format *mxp_format_find_tls(const char *type, bool *tls);
const struct mxp_format *mxp_format_find(const char *type);

#endif
