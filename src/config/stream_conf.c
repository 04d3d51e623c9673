/* stream_conf.c — netdata's stream.conf, as a parent reads it (see the header). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/stream_handshake.h"
#include "config/config_keys.h"
#include "config/ini.h"
#include "config/simple_pattern.h"
#include "config/stream_conf.h"

enum tri { UNSET = -1, NO = 0, YES = 1 };

struct section {
	char *name;
	enum tri enabled;
	char *type;                  /* NULL: not set */
	char *allow_from;            /* NULL: not set (*) */
	struct mxp_pattern *allow;   /* compiled allow_from; NULL when unset or empty */
};

struct mxp_stream_conf {
	struct section *s;
	size_t n;
	char err[512];
	const char *file;
	bool failed;
};

static struct section *section_get(struct mxp_stream_conf *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->s[i].name, name) == 0)
			return &c->s[i];
	struct section *s = realloc(c->s, (c->n + 1) * sizeof(*s));
	if (s == NULL)
		return NULL;
	c->s = s;
	s = &c->s[c->n];
	*s = (struct section){.name = strdup(name), .enabled = UNSET};
	if (s->name == NULL)
		return NULL;
	c->n++;
	return s;
}

static int on_entry(void *arg, const char *section, const char *key, const char *value, unsigned line)
{
	struct mxp_stream_conf *c = arg;
	if (key == NULL || strcmp(section, "stream") == 0 || *section == '\0')
		return 0;
	struct section *s = section_get(c, section);
	if (s == NULL)
		return -ENOMEM;
	if (strcmp(key, "enabled") == 0) {
		int b = mxp_conf_parse_bool(value);
		if (b < 0) {
			snprintf(c->err, sizeof(c->err), "%s:%u: [%s] enabled: '%s' is not yes or no", c->file, line,
				 section, value);
			return -EINVAL;
		}
		s->enabled = b ? YES : NO;
	} else if (strcmp(key, "type") == 0) {
		if (strcmp(value, "api") != 0 && strcmp(value, "machine") != 0) {
			snprintf(c->err, sizeof(c->err), "%s:%u: [%s] type: '%s' is not api or machine", c->file, line,
				 section, value);
			return -EINVAL;
		}
		free(s->type);
		s->type = strdup(value);
	} else if (strcmp(key, "allow from") == 0) {
		free(s->allow_from);
		mxp_pattern_free(s->allow);
		s->allow = NULL;
		s->allow_from = strdup(value);
		if (s->allow_from == NULL || mxp_pattern_create(value, &s->allow) != 0)
			return -ENOMEM;
	}
	return 0;
}

static struct mxp_stream_conf *load(const char *name, const char *path, const char *text, char *err, size_t errlen)
{
	struct mxp_stream_conf *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	c->file = name;
	char ierr[512] = "";
	int rc = path ? mxp_ini_parse_file(path, on_entry, c, ierr, sizeof(ierr))
		      : mxp_ini_parse_string(name, text, on_entry, c, ierr, sizeof(ierr));
	if (rc != 0) {
		snprintf(err, errlen, "%s", c->err[0] ? c->err : ierr[0] ? ierr : "out of memory");
		mxp_stream_conf_free(c);
		return NULL;
	}
	c->file = NULL; /* name may not outlive the load */
	return c;
}

struct mxp_stream_conf *mxp_stream_conf_load(const char *path, char *err, size_t errlen)
{
	return load(path, path, NULL, err, errlen);
}

struct mxp_stream_conf *mxp_stream_conf_load_string(const char *name, const char *text, char *err, size_t errlen)
{
	return load(name, NULL, text, err, errlen);
}

static const struct section *find(const struct mxp_stream_conf *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->s[i].name, name) == 0)
			return &c->s[i];
	return NULL;
}

/* netdata's allow from: a missing key is *, which matches everything */
static bool allowed(const struct section *s, const char *ip)
{
	return s == NULL || s->allow_from == NULL || mxp_pattern_matches(s->allow, ip);
}

int mxp_stream_conf_allow(const struct mxp_stream_conf *c, const char *key, const char *guid, const char *ip,
			  char *why, size_t whylen)
{
	if (!mxp_stream_is_uuid(key)) {
		snprintf(why, whylen, "the API key is not a UUID");
		return -1;
	}
	if (!mxp_stream_is_uuid(guid)) {
		snprintf(why, whylen, "the machine GUID is not a UUID");
		return -1;
	}
	const struct section *k = find(c, key);
	if (k != NULL && k->type != NULL && strcmp(k->type, "api") != 0) {
		snprintf(why, whylen, "the API key is a machine's section ([%s] type = %s)", key, k->type);
		return -1;
	}
	if (k == NULL || k->enabled != YES) {
		snprintf(why, whylen, "the API key is not enabled: no [%s] with enabled = yes in stream.conf", key);
		return -1;
	}
	if (!allowed(k, ip)) {
		snprintf(why, whylen, "%s is not in [%s] allow from = %s", ip, key, k->allow_from);
		return -1;
	}
	const struct section *m = find(c, guid);
	if (m != NULL && m->type != NULL && strcmp(m->type, "machine") != 0) {
		snprintf(why, whylen, "the machine GUID is an API key's section ([%s] type = %s)", guid, m->type);
		return -1;
	}
	if (m != NULL && m->enabled == NO) {
		snprintf(why, whylen, "the machine is disabled: [%s] enabled = no", guid);
		return -1;
	}
	if (!allowed(m, ip)) {
		snprintf(why, whylen, "%s is not in [%s] allow from = %s", ip, guid, m->allow_from);
		return -1;
	}
	return 0;
}

size_t mxp_stream_conf_enabled_keys(const struct mxp_stream_conf *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n; i++)
		n += c->s[i].enabled == YES && (c->s[i].type == NULL || strcmp(c->s[i].type, "api") == 0) &&
		     mxp_stream_is_uuid(c->s[i].name);
	return n;
}

void mxp_stream_conf_free(struct mxp_stream_conf *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->s[i].name);
		free(c->s[i].type);
		free(c->s[i].allow_from);
		mxp_pattern_free(c->s[i].allow);
	}
	free(c->s);
	free(c);
}
