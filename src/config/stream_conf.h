/* stream_conf.h — netdata's stream.conf, parent side: who may stream to mxpd.
 *
 * The file is netdata's own, read unchanged. Each [API_KEY] section (its name a UUID)
 * lets children that send that key stream when `enabled = yes` (the default is no);
 * `allow from` is a simple pattern of their IP addresses (default *). A [MACHINE_GUID]
 * section (type = machine, which is its default) may refuse one child: `enabled = no`,
 * or an `allow from` its address does not match. [stream] (the child side) and every
 * other key (history, memory mode, health, replication ...) are netdata's business and
 * ignored. The checks are netdata 1.37's, in its order (mxp_stream_conf_allow).
 */
#ifndef MXP_STREAM_CONF_H
#define MXP_STREAM_CONF_H

#include <stddef.h>

struct mxp_stream_conf;

/* Loads the file. Returns the configuration, or NULL with a message in err ("FILE:LINE:
 * [section] key: what is wrong", or the file's error) when it cannot be read or a value
 * of a key mxp reads is invalid. */
struct mxp_stream_conf *mxp_stream_conf_load(const char *path, char *err, size_t errlen);
/* The same from text; name stands for the file in messages. */
struct mxp_stream_conf *mxp_stream_conf_load_string(const char *name, const char *text, char *err, size_t errlen);

/* Whether a child may stream: 0, or -1 with the reason in why (for the log; it names
 * the section and key that refused). */
int mxp_stream_conf_allow(const struct mxp_stream_conf *c, const char *api_key, const char *machine_guid,
			  const char *client_ip, char *why, size_t whylen);

/* How many API key sections are enabled (mxpd warns when none is). */
size_t mxp_stream_conf_enabled_keys(const struct mxp_stream_conf *c);

void mxp_stream_conf_free(struct mxp_stream_conf *c);

#endif
