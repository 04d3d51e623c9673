/* test_mongodb.c — the MongoDB format: the pipeline's bodies are BSON documents one after
 * the other, each the json line the baseline writes for the same record (FORMATS.md
 * §2.6) as libbson values: the same fields in the same order, an ObjectId _id first
 * (unique), value an int64 as collected and a double otherwise, timestamp a date (ms),
 * host_tags a sub-document when the tags are JSON and a string otherwise. */
#include <bson/bson.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "config/simple_pattern.h"
#include "engine/baseline.h"
#include "engine/pipeline.h"
#include "format/format.h"
#include "support/golden_store.h"

static struct mxp_store *store;
static struct mxp_pattern *all_charts;

static void teardown(void)
{
	mxp_store_free(store);
	mxp_pattern_free(all_charts);
}

TestSuite(mongodb, .fini = teardown);

struct sink {
	struct mxp_buf docs; /* every document delivered, one after the other */
	long records;
};

static int deliver(void *arg, const char *data, size_t len, long records)
{
	struct sink *k = arg;
	cr_assert_eq(mxp_buf_put(&k->docs, data, len), 0);
	k->records += records;
	return 0;
}

/* The document as the json line the baseline writes: the same keys in order, values
 * compared by type. Returns true when equal. */
static bool same(const bson_t *doc, struct json_object *line, bool as_collected, char *why, size_t whylen)
{
	bson_iter_t it;
	cr_assert(bson_iter_init(&it, doc));
	cr_assert(bson_iter_next(&it) && strcmp(bson_iter_key(&it), "_id") == 0 && BSON_ITER_HOLDS_OID(&it),
		  "_id, an ObjectId, comes first");
	struct json_object_iterator j = json_object_iter_begin(line), end = json_object_iter_end(line);
	for (; !json_object_iter_equal(&j, &end); json_object_iter_next(&j)) {
		const char *key = json_object_iter_peek_name(&j);
		struct json_object *v = json_object_iter_peek_value(&j);
		if (!bson_iter_next(&it) || strcmp(bson_iter_key(&it), key) != 0) {
			snprintf(why, whylen, "field %s missing or out of order", key);
			return false;
		}
		bool ok;
		if (strcmp(key, "timestamp") == 0)
			ok = BSON_ITER_HOLDS_DATE_TIME(&it) && bson_iter_date_time(&it) == json_object_get_int64(v) * 1000;
		else if (strcmp(key, "value") == 0)
			ok = as_collected ? BSON_ITER_HOLDS_INT64(&it) && bson_iter_int64(&it) == json_object_get_int64(v)
					  : BSON_ITER_HOLDS_DOUBLE(&it) && bson_iter_double(&it) == json_object_get_double(v);
		else if (json_object_is_type(v, json_type_object))
			ok = BSON_ITER_HOLDS_DOCUMENT(&it);
		else if (json_object_is_type(v, json_type_array))
			ok = BSON_ITER_HOLDS_ARRAY(&it);
		else
			ok = BSON_ITER_HOLDS_UTF8(&it) && strcmp(bson_iter_utf8(&it, NULL), json_object_get_string(v)) == 0;
		if (!ok) {
			snprintf(why, whylen, "field %s differs", key);
			return false;
		}
	}
	if (bson_iter_next(&it)) {
		snprintf(why, whylen, "an extra field %s", bson_iter_key(&it));
		return false;
	}
	return true;
}

static void compare(enum mxp_source src, unsigned nf)
{
	if (all_charts == NULL)
		cr_assert_eq(mxp_pattern_create("*", &all_charts), 0);
	struct mxp_export_settings s = golden_settings("mongodb", src, all_charts);
	struct mxp_buf want = {0};
	struct mxp_baseline bl;
	cr_assert_eq(mxp_baseline_init(&bl, store, &s), 0);
	long want_n = mxp_baseline_export(&bl, 1000, 1010, &want);
	mxp_baseline_fini(&bl);
	cr_assert_gt(want_n, 0);
	mxp_buf_put(&want, "", 1);

	struct sink k = {0};
	struct mxp_pipeline *p = mxp_pipeline_new(store, &s, nf, deliver, &k);
	cr_assert_not_null(p);
	for (int round = 0; round < 2; round++) { /* the second from cached templates */
		mxp_buf_reset(&k.docs);
		k.records = 0;
		cr_assert_eq(mxp_pipeline_export(p, 1000, 1010), want_n);
		cr_assert_eq(k.records, want_n);
		/* each document matches one line, each line one document */
		bson_reader_t *r = bson_reader_new_from_data((const uint8_t *)k.docs.data, k.docs.len);
		const bson_t *doc;
		long n = 0;
		char *lines = strdup(want.data), *save = NULL;
		bool used[64] = {false};
		bson_oid_t seen[64];
		while ((doc = bson_reader_read(r, NULL)) != NULL) {
			bool found = false;
			char why[256] = "";
			int li = 0;
			for (char *l = strtok_r(strcpy(lines, want.data), "\n", &save); l != NULL;
			     l = strtok_r(NULL, "\n", &save), li++) {
				struct json_object *o = json_tokener_parse(l);
				cr_assert_not_null(o);
				if (!used[li] && same(doc, o, src == MXP_SOURCE_AS_COLLECTED, why, sizeof(why))) {
					used[li] = found = true;
					json_object_put(o);
					break;
				}
				json_object_put(o);
			}
			cr_assert(found, "a document with no line of the baseline: %s", bson_as_relaxed_extended_json(doc, NULL));
			bson_iter_t it;
			bson_iter_init_find(&it, doc, "_id");
			for (long q = 0; q < n; q++)
				cr_assert_neq(bson_oid_compare(&seen[q], bson_iter_oid(&it)), 0, "an _id twice");
			bson_oid_copy(bson_iter_oid(&it), &seen[n]);
			n++;
		}
		cr_assert_eq(n, want_n);
		bson_reader_destroy(r);
		free(lines);
	}
	mxp_pipeline_free(p);
	mxp_buf_free(&k.docs);
	mxp_buf_free(&want);
}

Test(mongodb, documents_are_the_json_lines_as_collected)
{
	store = golden_store_build("a=1;b=2", "{\"env\":\"prod\",\"n\":1}", false);
	for (unsigned nf = 1; nf <= 2; nf++)
		compare(MXP_SOURCE_AS_COLLECTED, nf);
}

Test(mongodb, documents_are_the_json_lines_average)
{
	store = golden_store_build(NULL, "[1,2]", false);
	compare(MXP_SOURCE_AVERAGE, 2);
}

/* BSON strings must be valid UTF-8 (libmongoc refuses a document otherwise, before
 * sending it): invalid bytes of a name or tags become U+FFFD. */
Test(mongodb, invalid_utf8_made_valid)
{
	store = mxp_store_new(NULL);
	struct mxp_host *h = mxp_host_add(store, "h\xff", "not json \xc3", NULL, 0);
	struct mxp_chart_def def = {.type = "t", .id = "c", .update_every = 1};
	struct mxp_chart *c = mxp_chart_add(h, &def);
	struct mxp_dim *d = mxp_dim_add(c, "d", "caf\xc3\xa9 \xe0\x80", 1, 1, MXP_ALG_ABSOLUTE);
	cr_assert(h && c && d);
	const struct mxp_series series = {.host = h, .chart = c, .dim = d, .hostname = h->hostname};
	const struct mxp_format_options o = {.prefix = "p", .source = MXP_SOURCE_AS_COLLECTED};
	struct mxp_buf b = {0};
	cr_assert_eq(mxp_format_mongodb.put_collected(&b, &o, &series, 5, 1000), 1);
	bson_t doc;
	cr_assert(bson_init_static(&doc, (const uint8_t *)b.data, b.len));
	cr_assert(bson_validate(&doc, BSON_VALIDATE_UTF8, NULL), "a valid document");
	bson_iter_t it;
	cr_assert(bson_iter_init_find(&it, &doc, "name"));
	cr_assert_str_eq(bson_iter_utf8(&it, NULL), "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd");
	cr_assert(bson_iter_init_find(&it, &doc, "hostname"));
	cr_assert_str_eq(bson_iter_utf8(&it, NULL), "h\xef\xbf\xbd");
	cr_assert(bson_iter_init_find(&it, &doc, "host_tags"));
	cr_assert_str_eq(bson_iter_utf8(&it, NULL), "not json \xef\xbf\xbd");
	mxp_buf_free(&b);
}

