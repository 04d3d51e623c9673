/* exporter_http.h — the sender's HTTP settings of a configured instance whose format
 * sends request bodies (exporter_http.c): path, content type, credentials, retries, TLS,
 * and for Kinesis its API (SigV4, answers) and endpoint. */
#ifndef MXP_EXPORTER_HTTP_H
#define MXP_EXPORTER_HTTP_H

#include <stdbool.h>

#include "config/config.h"
#include "format/format.h"
#include "send/http_request.h"

/* Fills *http for instance ic, whose format's body is body and whose type asks for TLS
 * when tls. *auth gets an allocated Authorization value or NULL; *http points into ic and
 * *auth, so the caller frees *auth after mxp_sender_add() has copied them. 0, or -ENOMEM,
 * or -EINVAL (logged with FILE:LINE: no Kinesis credentials). */
int mxp_exporter_http_settings(const struct mxp_instance_conf *ic, const struct mxp_body *body, bool tls,
			       struct mxp_sender_http *http, char **auth);

#endif
