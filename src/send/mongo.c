/* mongo.c — the MongoDB transport: libmongoc's insert_many on a worker thread
 * (worker.h), one body of BSON documents (format/mongodb) per call.
 *
 * insert_many is unordered (a refused document does not stop the others) with an
 * explicit write concern (w: 1, the server acknowledges each batch). The documents carry
 * their own _id (made by the format), so sending a batch again after a failure that left
 * part of it inserted inserts nothing twice: the server answers E11000 (duplicate key)
 * for those, which counts them delivered. So:
 *  - every document inserted or already there: delivered;
 *  - a document the server refuses for another reason (too large, invalid): lost, with
 *    the server's message;
 *  - no answer, a network error, a timeout, a write concern not met: the whole batch
 *    again after the backoff.
 * The socket timeout is the config's (500 ms less than `update every`, at least 1 s: what
 * the seed meant and never did, docs/COMPAT.md), unless the URI sets sockettimeoutms. */
#include <errno.h>
#include <mongoc/mongoc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/log.h"
#include "send/mongo.h"

#define DUPLICATE_KEY 11000

struct mongo {
	mongoc_client_t *client;
	mongoc_collection_t *coll;
	bson_t *opts;             /* {ordered: false, writeConcern: {w: 1}}; bson_new's: a
				   * bson_t wants 128-byte alignment, which calloc does not give */
	char *database, *collection;
	bool timeseries;          /* create the collection as time series, once */
	bool created;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* libmongoc's own log lines go to mxp's log (stderr or syslog, as mxpd was told), its
 * warnings and errors only */
static void mongoc_to_mxp(mongoc_log_level_t level, const char *domain, const char *message, void *arg)
{
	(void)arg;
	if (level <= MONGOC_LOG_LEVEL_WARNING)
		mxp_log(level <= MONGOC_LOG_LEVEL_CRITICAL ? MXP_LOG_ERROR : MXP_LOG_WARNING, "libmongoc %s: %s", domain,
			message);
}

static void init_mongoc(void)
{
	mongoc_log_set_handler(mongoc_to_mxp, NULL);
	mongoc_init(); /* once per process; mongoc_cleanup() is left to exit */
}

static void *mongo_open(const void *arg, char *why, size_t whylen)
{
	const struct mxp_mongo_conf *conf = arg;
	pthread_once(&init_once, init_mongoc);
	bson_error_t err;
	const char *text = conf->uri != NULL && conf->uri[0] != '\0' ? conf->uri : "mongodb://127.0.0.1/";
	mongoc_uri_t *uri = mongoc_uri_new_with_error(text, &err);
	if (uri == NULL) {
		snprintf(why, whylen, "cannot parse the URI: %s", err.message);
		return NULL;
	}
	if (!mongoc_uri_has_option(uri, MONGOC_URI_SOCKETTIMEOUTMS))
		mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SOCKETTIMEOUTMS, (int32_t)conf->socket_timeout_ms);
	struct mongo *m = calloc(1, sizeof(*m));
	if (m == NULL) {
		mongoc_uri_destroy(uri);
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	m->client = mongoc_client_new_from_uri_with_error(uri, &err);
	mongoc_uri_destroy(uri);
	if (m->client == NULL) {
		snprintf(why, whylen, "cannot make a client: %s", err.message);
		free(m);
		return NULL;
	}
	mongoc_client_set_appname(m->client, "mxp");
	m->database = strdup(conf->database);
	m->collection = strdup(conf->collection);
	m->coll = mongoc_client_get_collection(m->client, conf->database, conf->collection);
	m->timeseries = conf->timeseries;
	m->opts = bson_new();
	BSON_APPEND_BOOL(m->opts, "ordered", false);
	/* the URI's write concern (w=...) when it sets one, else w: 1, explicitly */
	const mongoc_write_concern_t *uwc = mongoc_collection_get_write_concern(m->coll);
	mongoc_write_concern_t *wc = mongoc_write_concern_copy(uwc);
	if (mongoc_write_concern_get_w(wc) == MONGOC_WRITE_CONCERN_W_DEFAULT)
		mongoc_write_concern_set_w(wc, 1);
	mongoc_write_concern_append(wc, m->opts);
	mongoc_write_concern_destroy(wc);
	return m;
}

static void mongo_close(void *state)
{
	struct mongo *m = state;
	mongoc_collection_destroy(m->coll);
	mongoc_client_destroy(m->client);
	bson_destroy(m->opts);
	free(m->database);
	free(m->collection);
	free(m);
}

/* Creates the collection as a time-series one (timeField timestamp, metaField hostname)
 * before the first insert; a server that already has it, or cannot, is told in why and
 * the inserts go on (into a plain collection). */
static void create_timeseries(struct mongo *m, struct mxp_worker_result *r)
{
	bson_t cmd = BSON_INITIALIZER, ts, reply;
	bson_error_t err;
	BSON_APPEND_UTF8(&cmd, "create", m->collection);
	BSON_APPEND_DOCUMENT_BEGIN(&cmd, "timeseries", &ts);
	BSON_APPEND_UTF8(&ts, "timeField", "timestamp");
	BSON_APPEND_UTF8(&ts, "metaField", "hostname");
	BSON_APPEND_UTF8(&ts, "granularity", "seconds");
	bson_append_document_end(&cmd, &ts);
	mongoc_database_t *db = mongoc_client_get_database(m->client, m->database);
	bool ok = mongoc_database_command_simple(db, &cmd, NULL, &reply, &err);
	if (ok || err.code == 48 /* NamespaceExists */)
		m->created = true;
	else if (err.domain == MONGOC_ERROR_QUERY || err.domain == MONGOC_ERROR_SERVER ||
		 err.domain == MONGOC_ERROR_COMMAND) {
		/* the server answered no: it cannot; the inserts make a plain collection */
		m->created = true;
		snprintf(r->why, sizeof(r->why), "could not create a time-series collection (%.400s); inserting anyway",
			 err.message);
	}
	/* else no answer (the server is down): tried again before the next insert */
	bson_destroy(&reply);
	bson_destroy(&cmd);
	mongoc_database_destroy(db);
}

static void mongo_send(void *state, const char *body, size_t len, long records, struct mxp_worker_result *r)
{
	struct mongo *m = state;
	if (m->timeseries && !m->created)
		create_timeseries(m, r);

	/* the documents of the body, as views: no copy */
	size_t n = 0, cap = records > 0 ? (size_t)records : 1;
	bson_t *docs = NULL; /* bson_t wants 128-byte alignment */
	const bson_t **ptrs = calloc(cap, sizeof(*ptrs));
	if (posix_memalign((void **)&docs, BSON_ALIGNOF(bson_t), cap * sizeof(*docs)) != 0)
		docs = NULL;
	if (docs == NULL || ptrs == NULL) {
		r->retry = true;
		snprintf(r->why, sizeof(r->why), "out of memory");
		goto out;
	}
	for (size_t off = 0; off + 5 <= len && n < cap;) {
		int32_t dl;
		memcpy(&dl, body + off, 4);
		dl = (int32_t)BSON_UINT32_FROM_LE((uint32_t)dl);
		if (dl < 5 || (size_t)dl > len - off || !bson_init_static(&docs[n], (const uint8_t *)body + off, (size_t)dl))
			break;
		ptrs[n] = &docs[n];
		n++;
		off += (size_t)dl;
	}
	if ((long)n != records) {
		/* not the format's body: nothing is sent, and nothing will be better later */
		r->rejected = records;
		r->rejected_bytes = len;
		snprintf(r->why, sizeof(r->why), "the body holds %zu documents, not %ld", n, records);
		goto out;
	}

	bson_t reply;
	bson_error_t err;
	bool ok = mongoc_collection_insert_many(m->coll, ptrs, n, m->opts, &reply, &err);
	long inserted = 0, duplicates = 0, refused = 0;
	bson_iter_t it, errs, one;
	if (bson_iter_init_find(&it, &reply, "insertedCount") && BSON_ITER_HOLDS_INT(&it))
		inserted = (long)bson_iter_as_int64(&it);
	const char *first = NULL;
	if (bson_iter_init_find(&it, &reply, "writeErrors") && BSON_ITER_HOLDS_ARRAY(&it) &&
	    bson_iter_recurse(&it, &errs)) {
		while (bson_iter_next(&errs)) {
			int64_t code = 0, index = -1;
			const char *msg = NULL;
			if (!BSON_ITER_HOLDS_DOCUMENT(&errs) || !bson_iter_recurse(&errs, &one))
				continue;
			while (bson_iter_next(&one)) {
				if (strcmp(bson_iter_key(&one), "code") == 0)
					code = bson_iter_as_int64(&one);
				else if (strcmp(bson_iter_key(&one), "index") == 0)
					index = bson_iter_as_int64(&one);
				else if (strcmp(bson_iter_key(&one), "errmsg") == 0 && BSON_ITER_HOLDS_UTF8(&one))
					msg = bson_iter_utf8(&one, NULL);
			}
			if (code == DUPLICATE_KEY && msg != NULL && strstr(msg, "_id") != NULL) {
				duplicates++; /* its _id is there: inserted by an earlier try of this batch */
				continue;
			}
			refused++;
			if (index >= 0 && (size_t)index < n)
				r->rejected_bytes += docs[index].len;
			if (first == NULL && msg != NULL) {
				first = msg;
				snprintf(r->why, sizeof(r->why), "%ld documents refused: %.400s (code %lld)", refused, msg,
					 (long long)code);
			}
		}
	}
	bool concern = bson_iter_init_find(&it, &reply, "writeConcernErrors") && BSON_ITER_HOLDS_ARRAY(&it) &&
		       bson_iter_recurse(&it, &errs) && bson_iter_next(&errs);
	if ((ok || inserted + duplicates + refused == (long)n) && !concern) {
		r->delivered = inserted + duplicates;
		r->rejected = refused;
		if (refused > 0 && first == NULL)
			snprintf(r->why, sizeof(r->why), "%ld documents refused", refused);
		if (refused == 0)
			r->rejected_bytes = 0;
	} else if (!ok && (err.domain == MONGOC_ERROR_BSON || err.domain == MONGOC_ERROR_COMMAND) &&
		   err.code == MONGOC_ERROR_COMMAND_INVALID_ARG) {
		/* libmongoc refused the batch before sending it: sending it again would not
		 * help; lost, with its reason */
		r->rejected = (long)n;
		r->rejected_bytes = len;
		snprintf(r->why, sizeof(r->why), "%.500s", err.message);
	} else {
		/* no complete answer: all of it again (the _ids make it safe) */
		r->retry = true;
		r->rejected_bytes = 0;
		snprintf(r->why, sizeof(r->why), "%.500s", concern ? "the write concern was not met" : err.message);
	}
	bson_destroy(&reply);
out:
	free(docs);
	free(ptrs);
}

const struct mxp_worker_ops mxp_mongo_ops = {
	.name = "mongodb",
	.open = mongo_open,
	.send = mongo_send,
	.close = mongo_close,
};
