/* mongodb.c — MongoDB: one BSON document per record, built with libbson straight from the
 * record (the seed formatted a JSON line and had libbson parse it back), in a body of
 * documents one after the other that the MongoDB transport (send/mongo.c) inserts with
 * one insert_many.
 *
 * The fields are the json format's (FORMATS.md §2.6), in its order: prefix, hostname,
 * host_tags (a sub-document, array or string as the seed's parse made it; a string when
 * the tags are not JSON), chart_id, chart_name, chart_family, chart_context, chart_type,
 * units, id, name, value, timestamp — with, as decided in docs/COMPAT.md: an `_id`
 * ObjectId made here, so that a batch sent again after a failure that left part of it
 * inserted inserts nothing twice (the server refuses the same _id); `value` an int64 as
 * collected (the seed's JSON parse made int32 or int64 by magnitude) and the double of
 * the average or sum (no longer rounded through "%0.7Lf"); `timestamp` a BSON date (the
 * seed's int32 seconds).
 *
 * Each series' constant fields are rendered once into its record template (a BSON
 * document of them); a record is the _id, the template's elements, value and timestamp. */
#include <bson/bson.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "collect/store_internal.h"
#include "format/format.h"
#include "format/mongodb/mongodb.h"
#include "format/utf8.h"

/* Appends key = s as a UTF-8 string: BSON strings must be valid UTF-8 (libmongoc refuses
 * a document before sending it otherwise), so invalid bytes become U+FFFD. */
static bool append_text(bson_t *doc, const char *key, const char *s)
{
	if (s == NULL)
		s = "";
	size_t n = strlen(s);
	if (bson_utf8_validate(s, n, false))
		return bson_append_utf8(doc, key, -1, s, (int)n);
	char *fixed = bson_malloc(3 * n + 1);
	size_t k = mxp_utf8_repair(fixed, s, n);
	bool ok = bson_append_utf8(doc, key, -1, fixed, (int)k);
	bson_free(fixed);
	return ok;
}

/* host_tags as the seed's JSON made it: raw JSON when it starts like JSON, else a
 * string. A JSON that libbson cannot parse is kept as a string (the seed failed the
 * whole batch). */
static bool append_tags(bson_t *doc, const char *tags)
{
	if (tags == NULL || tags[0] == '\0')
		return true;
	if (tags[0] == '{' || tags[0] == '[' || tags[0] == '"') {
		size_t n = strlen(tags);
		char *json = bson_malloc(n + 16);
		snprintf(json, n + 16, "{\"host_tags\":%s}", tags);
		bson_t parsed;
		bson_error_t err;
		bool ok = bson_init_from_json(&parsed, json, -1, &err);
		bson_free(json);
		if (ok) {
			ok = bson_concat(doc, &parsed);
			bson_destroy(&parsed);
			return ok;
		}
	}
	return append_text(doc, "host_tags", tags);
}

/* The series' constant fields into doc. */
static bool constant_fields(bson_t *doc, const struct mxp_format_options *o, const struct mxp_series *s)
{
	const struct mxp_chart *c = s->chart;
	const struct mxp_dim *d = s->dim;
	return append_text(doc, "prefix", o->prefix) && append_text(doc, "hostname", s->hostname) &&
	       append_tags(doc, s->host->tags) && append_text(doc, "chart_id", c->id) &&
	       append_text(doc, "chart_name", c->name) && append_text(doc, "chart_family", c->family) &&
	       append_text(doc, "chart_context", c->context) && append_text(doc, "chart_type", c->type) &&
	       append_text(doc, "units", c->units) && append_text(doc, "id", d->id) && append_text(doc, "name", d->name);
}

/* Appends one document: _id, the constant fields (of tpl, or rendered now), value,
 * timestamp. Returns 1, 0 (a NaN or infinite average: nothing, as the seed), -ENOMEM. */
static int put_doc(struct mxp_buf *b, const bson_t *constant, const struct mxp_format_options *o,
		   const struct mxp_series *s, bool as_collected, long long cv, long double sv, time_t t)
{
	if (!as_collected && (isnan(sv) || isinf(sv)))
		return 0;
	bson_t doc;
	bson_oid_t oid;
	bson_init(&doc);
	bson_oid_init(&oid, NULL);
	bool ok = BSON_APPEND_OID(&doc, "_id", &oid);
	if (constant != NULL)
		ok = ok && bson_concat(&doc, constant);
	else
		ok = ok && constant_fields(&doc, o, s);
	ok = ok && (as_collected ? BSON_APPEND_INT64(&doc, "value", cv) : BSON_APPEND_DOUBLE(&doc, "value", (double)sv));
	ok = ok && BSON_APPEND_DATE_TIME(&doc, "timestamp", (int64_t)t * 1000);
	int rc = ok ? mxp_buf_put(b, (const char *)bson_get_data(&doc), doc.len) : -ENOMEM;
	bson_destroy(&doc);
	return rc < 0 ? rc : 1;
}

static int mongo_put_collected(struct mxp_buf *b, const struct mxp_format_options *o, const struct mxp_series *s,
			       long long value, time_t t)
{
	return put_doc(b, NULL, o, s, true, value, 0, t);
}

static int mongo_put_stored(struct mxp_buf *b, const struct mxp_format_options *o, const struct mxp_series *s,
			    long double value, time_t t)
{
	return put_doc(b, NULL, o, s, false, 0, value, t);
}

/* The template: a BSON document of the constant fields (a = its length). */
static int mongo_render_template(struct mxp_buf *out, const struct mxp_format_options *o, const struct mxp_series *s,
				 struct mxp_template_shape *shape)
{
	bson_t doc;
	bson_init(&doc);
	int rc = constant_fields(&doc, o, s) ? mxp_buf_put(out, (const char *)bson_get_data(&doc), doc.len) : -ENOMEM;
	*shape = (struct mxp_template_shape){.a = doc.len};
	bson_destroy(&doc);
	return rc;
}

static int mongo_put_template(struct mxp_buf *b, const struct mxp_record_template *tpl, const struct mxp_series *s,
			      bool as_collected, long long collected, long double stored, time_t t)
{
	bson_t constant;
	if (!bson_init_static(&constant, (const uint8_t *)tpl->bytes, tpl->a))
		return -EINVAL;
	return put_doc(b, &constant, NULL, s, as_collected, collected, stored, t);
}

/* A body is documents one after the other; nothing opens or seals it. */
static const struct mxp_body mongo_body = {
	.path = "",
	.content_type = "application/bson",
	.headers = "",
	.max_bytes = MXP_MONGODB_BODY_BYTES,
};

const struct mxp_format mxp_format_mongodb = {
	.name = "mongodb",
	.put_collected = mongo_put_collected,
	.put_stored = mongo_put_stored,
	.render_template = mongo_render_template,
	.put_template = mongo_put_template,
	.body = &mongo_body,
};
