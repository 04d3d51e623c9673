/* exporter_http.c — see exporter_http.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/exporter_http.h"
#include "engine/log.h"
#include "send/kinesis_api.h"

/* "Bearer TOKEN", or "Basic base64(user:password)", or NULL with 0 when neither is set. */
static int authorization(const struct mxp_instance_conf *ic, char **auth)
{
	const char *token = ic->set[MXP_KEY_BEARER_TOKEN].value;
	const char *user = ic->set[MXP_KEY_USERNAME].value, *pass = ic->set[MXP_KEY_PASSWORD].value;
	*auth = NULL;
	if (pass == NULL)
		pass = "";
	if (token != NULL && token[0] != '\0') {
		size_t n = strlen("Bearer ") + strlen(token) + 1;
		if ((*auth = malloc(n)) == NULL)
			return -ENOMEM;
		snprintf(*auth, n, "Bearer %s", token);
	} else if (user != NULL && user[0] != '\0') {
		size_t n = 6 + 4 * ((strlen(user) + 1 + strlen(pass) + 2) / 3) + 1;
		if ((*auth = malloc(n)) == NULL)
			return -ENOMEM;
		if (mxp_http_basic_auth(*auth, n, user, pass) != 0) {
			free(*auth);
			*auth = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

static const char *nonempty(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/* Kinesis: the instance's credentials, else the environment's (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, as AWS's SDKs read them first). */
static int kinesis_settings(const struct mxp_instance_conf *ic, struct mxp_sender_http *h)
{
	const char *id = nonempty(ic->set[MXP_KEY_AWS_ACCESS_KEY_ID].value);
	const char *secret = nonempty(ic->set[MXP_KEY_AWS_SECRET_ACCESS_KEY].value);
	const char *token = NULL;
	if (id == NULL || secret == NULL) {
		id = nonempty(getenv("AWS_ACCESS_KEY_ID"));
		secret = nonempty(getenv("AWS_SECRET_ACCESS_KEY"));
		token = nonempty(getenv("AWS_SESSION_TOKEN"));
	}
	if (id == NULL || secret == NULL) {
		mxp_log(MXP_LOG_ERROR,
			"%s:%u: [%s] no AWS credentials: set aws_access_key_id and aws_secret_access_key, or "
			"AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment",
			ic->file, ic->line, ic->name);
		return -EINVAL;
	}
	h->api = &mxp_kinesis_api;
	h->aws = (struct mxp_aws_auth){.access_key_id = id,
				       .secret_access_key = secret,
				       .session_token = token,
				       .region = ic->kinesis_region,
				       .service = "kinesis"};
	h->host_header = ic->kinesis_host;
	h->tls = ic->kinesis_tls;
	return 0;
}

int mxp_exporter_http_settings(const struct mxp_instance_conf *ic, const struct mxp_body *body, bool tls,
			       struct mxp_sender_http *http, char **auth)
{
	/* Kinesis signs its requests: a `bearer token` or `username` of [exporting:global]
	 * must not reach AWS in a second Authorization header */
	bool kinesis = strncmp(ic->type, "kinesis", 7) == 0;
	int rc = kinesis ? (*auth = NULL, 0) : authorization(ic, auth);
	if (rc != 0)
		return rc;
	/* `remote write URL path` is the path of remote write's requests only */
	const char *rw_path = nonempty(ic->set[MXP_KEY_REMOTE_WRITE_URL_PATH].value);
	bool remote_write = strncmp(ic->type, "prometheus_remote_write", 23) == 0;
	*http = (struct mxp_sender_http){
		.path = remote_write && rw_path != NULL ? rw_path : body->path,
		.content_type = body->content_type,
		.headers = body->headers,
		.authorization = *auth,
		.retry_min_ms = ic->retry_min_ms,
		.retry_max_ms = ic->retry_max_ms,
		.tls = tls,
		.tls_options = {.verify = ic->tls_verify,
				.ca_file = ic->set[MXP_KEY_TLS_CA_FILE].value,
				.ca_path = ic->set[MXP_KEY_TLS_CA_PATH].value,
				.cert_file = ic->set[MXP_KEY_TLS_CERT_FILE].value,
				.key_file = ic->set[MXP_KEY_TLS_KEY_FILE].value},
	};
	if (kinesis && (rc = kinesis_settings(ic, http)) != 0) {
		free(*auth);
		*auth = NULL;
	}
	return rc;
}
