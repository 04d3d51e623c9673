/* stream_receiver.h — mxpd as a netdata parent: netdata children stream to it.
 *
 * A listening socket ([stream] listen) and a thread that accepts; a thread per
 * connected child, as netdata's receivers. Each child's request is checked against
 * netdata's stream.conf ([API_KEY] enabled and allow from, then its [MACHINE_GUID]),
 * answered with the protocol version mxp speaks with it (at most 4: host labels, claim
 * id, chart labels; collect/stream_handshake.h), then read with the plugins.d parser
 * (collect/plugin_protocol.h) into a host of the store named after the child, with its
 * labels (LABEL ... OVERWRITE labels) and its tags (the request's tags=).
 *
 * A child is known by its machine GUID: when it connects again it resumes its host and
 * its charts (the parser is kept). A second connection of a GUID already streaming is
 * refused with netdata's answer. A child silent for `timeout seconds` is disconnected.
 *
 * Threads: a child's session thread is the only writer of that child's charts; the
 * sessions share the list of children under a mutex, taken at connect and disconnect.
 */
#ifndef MXP_STREAM_RECEIVER_H
#define MXP_STREAM_RECEIVER_H

#include <stdint.h>

#include "config/config.h"
#include "mxp/store.h"

struct mxp_stream_receiver;

/* Loads conf->stream_config_path, binds conf->listen and starts accepting. Returns the
 * receiver, or NULL with errno set (and a log line saying why). */
struct mxp_stream_receiver *mxp_stream_receiver_start(struct mxp_store *store, const struct mxp_stream_listen_conf *conf);

/* The port it listens on (the one bound when listen's port was 0). */
uint16_t mxp_stream_receiver_port(const struct mxp_stream_receiver *r);

/* Stops accepting, disconnects every child, joins the threads, logs what each child
 * sent, and frees the receiver. The hosts stay in the store. NULL is allowed. */
void mxp_stream_receiver_stop(struct mxp_stream_receiver *r);

#endif
