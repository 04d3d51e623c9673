/* mongo.h — the MongoDB transport (mongo.c): libmongoc's insert_many on a worker thread
 * (worker.h). The exporter gives mxp_sender_instance.worker_ops = &mxp_mongo_ops and a
 * struct mxp_mongo_conf. */
#ifndef MXP_SEND_MONGO_H
#define MXP_SEND_MONGO_H

#include <stdbool.h>

#include "send/worker.h"

struct mxp_mongo_conf {
	const char *uri;            /* NULL or "": libmongoc's default, mongodb://127.0.0.1/ */
	const char *database;
	const char *collection;
	long socket_timeout_ms;     /* unless the URI sets sockettimeoutms */
	bool timeseries;            /* create the collection as a time-series one first */
};

extern const struct mxp_worker_ops mxp_mongo_ops;

#endif
