/* config_kinesis.c — what the configuration checks of a Kinesis instance (its stream,
 * region or endpoint, partition key). */
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "config/config_internal.h"

/* An enabled kinesis instance: a stream, where to send (`endpoint`, or the AWS region
 * in `destination`), a partition key that fits. Fills ic->kinesis_*. */
void mxp_conf_kinesis_check(struct mxp_conf *c, struct mxp_instance_conf *ic)
{
	char at[512];
	const char *stream = ic->set[MXP_KEY_STREAM_NAME].value;
	if (stream == NULL || stream[0] == '\0') {
		mxp_conf_where(at, sizeof(at), ic, &ic->set[MXP_KEY_STREAM_NAME], MXP_KEY_STREAM_NAME);
		mxp_conf_error(c, "%s: a Kinesis instance needs its stream's name", at);
	}
	const char *key = ic->set[MXP_KEY_PARTITION_KEY].value;
	if (key != NULL && strlen(key) > 256) {
		mxp_conf_where(at, sizeof(at), ic, &ic->set[MXP_KEY_PARTITION_KEY], MXP_KEY_PARTITION_KEY);
		mxp_conf_error(c, "%s: longer than Kinesis' 256 bytes", at);
	}
	const char *region = ic->set[MXP_KEY_DESTINATION].value;
	const char *endpoint = ic->set[MXP_KEY_ENDPOINT].value;
	struct mxp_destination *d = &ic->kinesis_dest;
	memset(d, 0, sizeof(*d));
	d->proto = MXP_DEST_TCP;
	/* the seed's default `destination`, localhost, is no region */
	bool region_ok = region != NULL && region[0] != '\0' && strlen(region) < sizeof(ic->kinesis_region) &&
			 strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(region) &&
			 strcmp(region, "localhost") != 0;
	if (region_ok)
		snprintf(ic->kinesis_region, sizeof(ic->kinesis_region), "%s", region);
	if (endpoint == NULL || endpoint[0] == '\0') {
		if (!region_ok) {
			mxp_conf_where(at, sizeof(at), ic, &ic->set[MXP_KEY_DESTINATION], MXP_KEY_DESTINATION);
			char shown[256];
			snprintf(shown, sizeof(shown), "%s", region != NULL ? region : "");
			mxp_conf_redact_passwords(shown, sizeof(shown), region);
			mxp_conf_error(c, "%s: '%s' is not an AWS region (Kinesis takes its region here, e.g. us-east-1; "
					  "or set 'endpoint = https://HOST:PORT')",
				       at, shown);
			return;
		}
		snprintf(d->host, sizeof(d->host), "kinesis.%s.amazonaws.com", region);
		snprintf(d->port, sizeof(d->port), "443");
		snprintf(ic->kinesis_host, sizeof(ic->kinesis_host), "%s", d->host);
		ic->kinesis_tls = true;
		return;
	}
	/* http(s)://HOST[:PORT][/] with HOST a name, an IPv4 address or [IPv6] */
	mxp_conf_where(at, sizeof(at), ic, &ic->set[MXP_KEY_ENDPOINT], MXP_KEY_ENDPOINT);
	const char *p = endpoint;
	if (strncmp(p, "https://", 8) == 0) {
		ic->kinesis_tls = true;
		p += 8;
	} else if (strncmp(p, "http://", 7) == 0) {
		ic->kinesis_tls = false;
		p += 7;
	} else {
		char shown[256];
		snprintf(shown, sizeof(shown), "%s", endpoint);
		mxp_conf_redact_passwords(shown, sizeof(shown), endpoint);
		mxp_conf_error(c, "%s: '%s' is not http(s)://HOST[:PORT]", at, shown);
		return;
	}
	size_t hl;
	const char *rest;
	if (*p == '[') {
		const char *close = strchr(p, ']');
		hl = close != NULL ? (size_t)(close - p - 1) : 0;
		rest = close != NULL ? close + 1 : p;
		d->ipv6_literal = true;
		p++;
	} else {
		hl = strcspn(p, ":/");
		rest = p + hl;
	}
	const char *port = *rest == ':' ? rest + 1 : NULL;
	size_t pl = port != NULL ? strcspn(port, "/") : 0;
	const char *tail = port != NULL ? port + pl : rest;
	if (hl == 0 || hl >= sizeof(d->host) || (port != NULL && (pl == 0 || pl >= sizeof(d->port) ||
								   strspn(port, "0123456789") != pl)) ||
	    (*tail != '\0' && strcmp(tail, "/") != 0)) {
		char shown[256];
		snprintf(shown, sizeof(shown), "%s", endpoint);
		mxp_conf_redact_passwords(shown, sizeof(shown), endpoint);
		mxp_conf_error(c, "%s: '%s' is not http(s)://HOST[:PORT]", at, shown);
		return;
	}
	memcpy(d->host, p, hl);
	d->host[hl] = '\0';
	if (port != NULL) {
		memcpy(d->port, port, pl);
		d->port[pl] = '\0';
	} else {
		snprintf(d->port, sizeof(d->port), "%s", ic->kinesis_tls ? "443" : "80");
	}
	/* the Host header and what is signed: as written in the endpoint */
	snprintf(ic->kinesis_host, sizeof(ic->kinesis_host), "%s%s%s%s%s", d->ipv6_literal ? "[" : "", d->host,
		 d->ipv6_literal ? "]" : "", port != NULL ? ":" : "", port != NULL ? d->port : "");
	if (!region_ok)
		snprintf(ic->kinesis_region, sizeof(ic->kinesis_region), "us-east-1");
}
