/* config_keys.c — the tables of keys and types, and the value parsers, of both
 * configuration files. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config_keys.h"

const struct mxp_key_def mxp_conf_keys[MXP_KEY_COUNT] = {
	[MXP_KEY_ENABLED] = {"enabled", "no", MXP_K_BOOL, MXP_IN_BACKEND | MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
	[MXP_KEY_TYPE] = {"type", "graphite", MXP_K_TYPE, MXP_IN_BACKEND, false},
	[MXP_KEY_DESTINATION] = {"destination", "localhost", MXP_K_STRING, MXP_IN_BACKEND | MXP_IN_INSTANCE, false},
	[MXP_KEY_USERNAME] = {"username", "", MXP_K_STRING, MXP_IN_INSTANCE, false},
	[MXP_KEY_PASSWORD] = {"password", "", MXP_K_STRING, MXP_IN_INSTANCE, true},
	[MXP_KEY_DATA_SOURCE] = {"data source", "average", MXP_K_SOURCE, MXP_IN_BACKEND | MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
	[MXP_KEY_HOSTNAME] = {"hostname", NULL, MXP_K_STRING, MXP_IN_BACKEND | MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
	[MXP_KEY_PREFIX] = {"prefix", "netdata", MXP_K_STRING, MXP_IN_BACKEND | MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
	[MXP_KEY_UPDATE_EVERY] = {"update every", "10", MXP_K_INT, MXP_IN_BACKEND | MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
	[MXP_KEY_BUFFER_ON_FAILURES] = {"buffer on failures", "10", MXP_K_INT, MXP_IN_BACKEND | MXP_IN_INSTANCE | MXP_IN_GLOBAL,
					false},
	[MXP_KEY_TIMEOUT_MS] = {"timeout ms", NULL, MXP_K_INT, MXP_IN_BACKEND | MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
	[MXP_KEY_SEND_HOSTS_MATCHING] = {"send hosts matching", "localhost *", MXP_K_PATTERN,
					 MXP_IN_BACKEND | MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
	[MXP_KEY_SEND_CHARTS_MATCHING] = {"send charts matching", "*", MXP_K_PATTERN,
					  MXP_IN_BACKEND | MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
	[MXP_KEY_SEND_NAMES_INSTEAD_OF_IDS] = {"send names instead of ids", "yes", MXP_K_BOOL,
					       MXP_IN_BACKEND | MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
	[MXP_KEY_SEND_CONFIGURED_LABELS] = {"send configured labels", "yes", MXP_K_BOOL, MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
	[MXP_KEY_SEND_AUTOMATIC_LABELS] = {"send automatic labels", "no", MXP_K_BOOL, MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
	[MXP_KEY_SEND_VARIABLES] = {"send variables", "no", MXP_K_BOOL, MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
	[MXP_KEY_REMOTE_WRITE_URL_PATH] = {"remote write URL path", "/receive", MXP_K_STRING, MXP_IN_BACKEND | MXP_IN_INSTANCE,
					   false},
	[MXP_KEY_STREAM_NAME] = {"stream name", "", MXP_K_STRING, MXP_IN_INSTANCE, false},
	[MXP_KEY_AWS_ACCESS_KEY_ID] = {"aws_access_key_id", "", MXP_K_STRING, MXP_IN_INSTANCE, false},
	[MXP_KEY_AWS_SECRET_ACCESS_KEY] = {"aws_secret_access_key", "", MXP_K_STRING, MXP_IN_INSTANCE, true},
	[MXP_KEY_DATABASE] = {"database", "", MXP_K_STRING, MXP_IN_INSTANCE, false},
	[MXP_KEY_COLLECTION] = {"collection", "", MXP_K_STRING, MXP_IN_INSTANCE, false},
	[MXP_KEY_HOST_TAGS] = {"host tags", "", MXP_K_STRING, MXP_IN_BACKEND, false},
	[MXP_KEY_FORMATTER_THREADS] = {"formatter threads", "0", MXP_K_INT, MXP_IN_BACKEND | MXP_IN_GLOBAL, false},
	[MXP_KEY_BEARER_TOKEN] = {"bearer token", "", MXP_K_STRING, MXP_IN_INSTANCE | MXP_IN_GLOBAL, true},
	[MXP_KEY_RETRY_MIN_MS] = {"retry backoff min ms", "30", MXP_K_INT, MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
	[MXP_KEY_RETRY_MAX_MS] = {"retry backoff max ms", "5000", MXP_K_INT, MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
	[MXP_KEY_MAX_SAMPLES_PER_SEND] = {"max samples per send", "10000", MXP_K_INT, MXP_IN_INSTANCE | MXP_IN_GLOBAL,
					  false},
	[MXP_KEY_TLS_VERIFY] = {"tls verify", "yes", MXP_K_BOOL, MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
	[MXP_KEY_TLS_CA_FILE] = {"tls ca file", "", MXP_K_STRING, MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
	[MXP_KEY_TLS_CA_PATH] = {"tls ca path", "", MXP_K_STRING, MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
	[MXP_KEY_TLS_CERT_FILE] = {"tls cert file", "", MXP_K_STRING, MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
	[MXP_KEY_TLS_KEY_FILE] = {"tls key file", "", MXP_K_STRING, MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
	[MXP_KEY_ENDPOINT] = {"endpoint", "", MXP_K_STRING, MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
	[MXP_KEY_PARTITION_KEY] = {"partition key", "", MXP_K_STRING, MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
	[MXP_KEY_TIMESERIES] = {"timeseries collection", "no", MXP_K_BOOL, MXP_IN_INSTANCE | MXP_IN_GLOBAL, false},
};

const struct mxp_type_def mxp_conf_types[] = {
	{"graphite", true, true, true, "2003"},
	{"graphite:plaintext", true, false, true, "2003"},
	{"graphite:http", false, true, true, "2003"},
	{"graphite:https", false, true, true, "2003"},
	{"opentsdb", true, true, true, "4242"},
	{"opentsdb:telnet", true, true, true, "4242"},
	{"opentsdb:http", true, true, true, "4242"},
	{"opentsdb:https", true, true, true, "4242"},
	{"json", true, true, true, "5448"},
	{"json:plaintext", true, false, true, "5448"},
	{"json:http", false, true, true, "5448"},
	{"json:https", false, true, true, "5448"},
	{"prometheus_remote_write", true, true, true, ""},
	{"prometheus_remote_write:http", false, true, true, ""},
	{"prometheus_remote_write:https", false, true, true, ""},
	{"kinesis", true, true, true, NULL},
	{"kinesis:plaintext", true, false, true, NULL},
	{"mongodb", true, true, true, NULL},
	{"mongodb:plaintext", true, false, true, NULL},
};

const size_t mxp_conf_ntypes = sizeof(mxp_conf_types) / sizeof(mxp_conf_types[0]);

const char *mxp_conf_key_name(enum mxp_conf_key key)
{
	return (unsigned)key < MXP_KEY_COUNT ? mxp_conf_keys[key].name : "?";
}

/* Edit distance, for "did you mean"; the names compared are short. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return SIZE_MAX;
	size_t prev[64], cur[64];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + ((a[i - 1] | 32) != (b[j - 1] | 32));
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof(size_t));
	}
	return prev[lb];
}

/* Returns the closest of names (n of them, stride bytes apart) to word, or NULL when
 * none is close: one the word begins (at least 4 characters of it), else one at most 2
 * edits away and fewer than half the word. */
const char *mxp_conf_closest(const char *word, const void *names, size_t n, size_t stride)
{
	const char *best = NULL;
	size_t best_d = 3, wl = strlen(word);
	for (size_t i = 0; i < n && wl >= 4; i++) {
		const char *cand = *(const char *const *)((const char *)names + i * stride);
		if (strncmp(cand, word, wl) == 0)
			return cand;
	}
	for (size_t i = 0; i < n; i++) {
		const char *cand = *(const char *const *)((const char *)names + i * stride);
		size_t cl = strlen(cand);
		if ((wl > cl ? wl - cl : cl - wl) >= best_d)
			continue; /* the distance is at least the difference of the lengths */
		size_t d = distance(word, cand);
		if (d < best_d && d * 2 < strlen(word)) {
			best = cand;
			best_d = d;
		}
	}
	return best;
}

int mxp_conf_key_find(const char *name)
{
	for (int k = 0; k < MXP_KEY_COUNT; k++)
		if (strcmp(mxp_conf_keys[k].name, name) == 0)
			return k;
	return -1;
}

const struct mxp_type_def *mxp_conf_type_find(const char *name)
{
	for (size_t i = 0; i < mxp_conf_ntypes; i++)
		if (strcmp(mxp_conf_types[i].name, name) == 0)
			return &mxp_conf_types[i];
	return NULL;
}

/* netdata's booleans, with the seed's "auto" and "on demand"; -1 when not one. */
int mxp_conf_parse_bool(const char *v)
{
	static const char *const yes[] = {"yes", "true", "on", "1", "auto", "on demand"};
	static const char *const no[] = {"no", "false", "off", "0"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	return -1;
}

/* A decimal integer; the seed's base 0 (hex, octal) is not followed (docs/COMPAT.md). */
int mxp_conf_parse_long(const char *v, long *out)
{
	char *end;
	if (*v == '\0')
		return -EINVAL;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	*out = x;
	return 0;
}

