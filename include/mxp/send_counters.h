/* mxp/send_counters.h — what the sender counts per instance, and how a reader gets a
 * consistent copy.
 *
 * Producer: the sender thread only (it owns every instance's queue and connection).
 * Consumers: any thread, through mxp_exporter_counters() (mxp/exporter.h; inside, mxp_sender_counters()), which copies them
 * under the instance's ck_sequence: a copy is always one moment of the sender's, so
 * `produced == delivered + buffered + lost` (metrics, and the same for bytes) holds in
 * every copy.
 *
 * All values are totals since the instance started (never reset); the seed's
 * per-iteration chart values are differences of two copies (selfmon.c), except the
 * buffered ones, which are levels. */
#ifndef MXP_SEND_COUNTERS_H
#define MXP_SEND_COUNTERS_H

#include <stdint.h>

struct mxp_send_counters {
	/* metrics: records as the format counted them (FORMATS.md §8 "metrics") */
	uint64_t produced;          /* handed to the sender by the formatters */
	uint64_t delivered;         /* line protocols: fully written (they have no
				     * acknowledgement); HTTP: answered with a 2xx */
	uint64_t buffered;          /* level: queued, not yet fully written */
	uint64_t lost;              /* dropped, the sum of the lost_* reasons below */
	uint64_t lost_buffer_full;  /* `buffer on failures` exceeded: oldest interval dropped */
	uint64_t lost_shutdown;     /* still queued when the exporter stopped past its deadline */
	uint64_t lost_rejected;     /* HTTP: the receiver refused the request (a 4xx but 429) */
	uint64_t lost_too_large;    /* a record too large for any request of its receiver
				     * (a JSON line over a Kinesis record's 1 MiB): never sent */

	/* bytes, the same states */
	uint64_t bytes_produced;
	uint64_t bytes_sent;        /* written to the socket (resumed partial writes count once);
				     * HTTP: the bodies answered with a 2xx (not the headers) */
	uint64_t bytes_buffered;    /* level */
	uint64_t bytes_lost;
	uint64_t bytes_received;    /* read back from the receiver (and discarded) */

	/* operations (FORMATS.md §8 "ops") */
	uint64_t writes;            /* intervals fully written ("transmission successes") */
	uint64_t discards;          /* intervals dropped ("data-lost events") */
	uint64_t reconnects;        /* destinations tried by connect attempts */
	uint64_t failures;          /* failed connects and writes, reset connections, HTTP
				     * requests to retry (429, 5xx) */
	uint64_t reads;             /* reads that returned data */

	uint64_t intervals;         /* intervals handed to the sender */
	uint64_t late_exports;      /* exports that began after their interval's end + 1 interval
				     * (set by the collector, not the sender; here so one copy
				     * carries everything the charts show) */
};

#endif
