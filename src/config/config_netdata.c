/* config_netdata.c — netdata.conf: its [backend] section is the seed's one instance,
 * with the seed's companion files beside it (aws_kinesis.conf, mongodb.conf). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/companion.h"
#include "config/config_internal.h"
#include "config/config_keys.h"

/* The seed's aws_kinesis.conf / mongodb.conf beside netdata.conf, for those types:
 * their keys become the instance's, with the companion file as where they came from. */
static void read_companion(struct mxp_conf *c, struct mxp_instance_conf *ic, const char *dir)
{
	static const struct {
		const char *type_prefix;
		const char *file;
		const char *names[3];          /* the companion's names */
		enum mxp_conf_key keys[3];     /* the keys they set */
		enum mxp_conf_key mandatory;
	} companions[] = {
		{"kinesis", "aws_kinesis.conf", {"aws_access_key_id", "aws_secret_access_key", "stream name"},
		 {MXP_KEY_AWS_ACCESS_KEY_ID, MXP_KEY_AWS_SECRET_ACCESS_KEY, MXP_KEY_STREAM_NAME}, MXP_KEY_STREAM_NAME},
		{"mongodb", "mongodb.conf", {"uri", "database", "collection"},
		 {MXP_KEY_DESTINATION, MXP_KEY_DATABASE, MXP_KEY_COLLECTION}, MXP_KEY_COLLECTION},
	};
	for (size_t i = 0; i < sizeof(companions) / sizeof(companions[0]); i++) {
		size_t pl = strlen(companions[i].type_prefix);
		if (strncmp(ic->type, companions[i].type_prefix, pl) != 0)
			continue;
		bool enabled = ic->set[MXP_KEY_ENABLED].value && mxp_conf_parse_bool(ic->set[MXP_KEY_ENABLED].value) == 1;
		char *path = NULL;
		if (asprintf(&path, "%s/%s", dir, companions[i].file) < 0)
			return;
		c->companions = realloc(c->companions, (c->ncompanions + 1) * sizeof(char *));
		if (c->companions == NULL) {
			free(path);
			return;
		}
		c->companions[c->ncompanions++] = path; /* kept: settings point at it */
		struct mxp_companion comp;
		int rc = mxp_companion_read(path, &comp);
		if (rc != 0) {
			mxp_companion_free(&comp);
			if (enabled)
				mxp_conf_error(c, "%s:%u: [backend] type: %s backend type is set but cannot read its "
					      "configuration from %s: %s",
					   c->file, ic->set[MXP_KEY_TYPE].line, companions[i].type_prefix, path, strerror(-rc));
			return;
		}
		for (size_t k = 0; k < comp.nskipped; k++)
			mxp_conf_warning(c, "%s:%u: a line without '=', skipped (as netdata did)", path, comp.skipped_lines[k]);
		for (size_t k = 0; k < 3; k++) {
			unsigned line = 0;
			const char *v = mxp_companion_get(&comp, companions[i].names[k], &line);
			if (v != NULL)
				mxp_conf_setting_set(&ic->set[companions[i].keys[k]], v, MXP_FROM_INSTANCE, path, line);
		}
		const struct mxp_conf_setting *m = &ic->set[companions[i].mandatory];
		if (enabled && (m->value == NULL || *m->value == '\0'))
			mxp_conf_error(c, "%s: %s is a mandatory %s parameter, but it is not configured", path,
				   mxp_conf_keys[companions[i].mandatory].name, companions[i].type_prefix);
		mxp_companion_free(&comp);
	}
}

void mxp_conf_load_netdata(struct mxp_conf *c, const struct mxp_raw_file *rf, const char *dir)
{
	unsigned line = 1;
	for (size_t i = 0; i < rf->nsections; i++)
		if (strcmp(rf->sections[i], "backend") == 0)
			line = rf->section_lines[i];
	struct mxp_instance_conf *ic = mxp_conf_instance_add(c, "backend", "graphite", line);
	if (ic == NULL)
		return;
	for (size_t i = 0; i < rf->n; i++) {
		const struct mxp_raw_entry *e = &rf->e[i];
		if (strcmp(e->section, "backend") != 0)
			continue; /* the rest of netdata.conf is netdata's */
		const char *key = e->key;
		if (strcmp(key, "opentsdb host tags") == 0)
			key = "host tags"; /* netdata moved the old key at start */
		struct mxp_raw_entry alias = *e;
		alias.key = (char *)key;
		int k = mxp_conf_key_for(c, &alias, MXP_IN_BACKEND, "netdata.conf [backend]");
		if (k < 0)
			continue;
		if (ic->set[k].value != NULL && ic->set[k].origin == MXP_FROM_INSTANCE)
			mxp_conf_warning(c, "%s:%u: [backend] %s: set again (line %u before); the last one wins", c->file,
				     e->line, key, ic->set[k].line);
		mxp_conf_setting_set(&ic->set[k], e->value, MXP_FROM_INSTANCE, c->file, e->line);
	}
	if (ic->set[MXP_KEY_TYPE].value != NULL) {
		const struct mxp_type_def *t = mxp_conf_type_find(ic->set[MXP_KEY_TYPE].value);
		if (t == NULL || !t->in_netdata_conf) {
			const char *near = mxp_conf_closest(ic->set[MXP_KEY_TYPE].value, &mxp_conf_types[0].name, mxp_conf_ntypes, sizeof(mxp_conf_types[0]));
			mxp_conf_error(c, "%s:%u: [backend] type: unknown backend type '%s'%s%s%s", c->file,
				   ic->set[MXP_KEY_TYPE].line, ic->set[MXP_KEY_TYPE].value, near ? " (did you mean '" : "",
				   near ? near : "", near ? "'?)" : "");
		} else {
			free(ic->type);
			ic->type = strdup(t->name);
		}
	}
	if (dir != NULL)
		read_companion(c, ic, dir);
	mxp_conf_instance_defaults(ic);
}

