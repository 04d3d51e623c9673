/* config.c — loading netdata.conf [backend] or exporting.conf into instances, with
 * every key's default, the lookup order, validation, and errors naming FILE:LINE. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config/config.h"
#include "config/config_internal.h"
#include "config/config_keys.h"
#include "config/destination.h"
#include "config/ini.h"
#include "config/simple_pattern.h"

/* ---- messages ---- */

/* Appends a message, once: the same text twice (a value inherited by several
 * instances) is one message. */
static void add_msg(char ***list, size_t *n, const char *fmt, va_list ap)
{
	char *m = NULL;
	if (vasprintf(&m, fmt, ap) < 0)
		return;
	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*list)[i], m) == 0) {
			free(m);
			return;
		}
	}
	char **p = realloc(*list, (*n + 1) * sizeof(*p));
	if (p == NULL) {
		free(m);
		return;
	}
	p[(*n)++] = m;
	*list = p;
}

void mxp_conf_error(struct mxp_conf *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_msg(&c->errors, &c->nerrors, fmt, ap);
	va_end(ap);
}

void mxp_conf_warning(struct mxp_conf *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_msg(&c->warnings, &c->nwarnings, fmt, ap);
	va_end(ap);
}

/* ---- the raw file ---- */

static int collect_entry(void *arg, const char *section, const char *key, const char *value, unsigned line)
{
	struct mxp_raw_file *rf = arg;
	if (key == NULL)
		goto section;
	struct mxp_raw_entry *p = realloc(rf->e, (rf->n + 1) * sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	rf->e = p;
	p[rf->n] = (struct mxp_raw_entry){strdup(section), strdup(key), strdup(value), line};
	if (p[rf->n].section == NULL || p[rf->n].key == NULL || p[rf->n].value == NULL)
		return -ENOMEM;
	rf->n++;
	if (*section == '\0')
		return 0; /* keys before any section: reported by the loader */
section:
	for (size_t i = 0; i < rf->nsections; i++)
		if (strcmp(rf->sections[i], section) == 0)
			return 0;
	char **s = realloc(rf->sections, (rf->nsections + 1) * sizeof(*s));
	unsigned *l = s ? realloc(rf->section_lines, (rf->nsections + 1) * sizeof(*l)) : NULL;
	if (s == NULL || l == NULL) {
		if (s != NULL)
			rf->sections = s;
		return -ENOMEM;
	}
	rf->sections = s;
	rf->section_lines = l;
	s[rf->nsections] = strdup(section);
	l[rf->nsections] = line;
	if (s[rf->nsections] == NULL)
		return -ENOMEM;
	rf->nsections++;
	return 0;
}

static void raw_free(struct mxp_raw_file *rf)
{
	for (size_t i = 0; i < rf->n; i++) {
		free(rf->e[i].section);
		free(rf->e[i].key);
		free(rf->e[i].value);
	}
	for (size_t i = 0; i < rf->nsections; i++)
		free(rf->sections[i]);
	free(rf->e);
	free(rf->sections);
	free(rf->section_lines);
}

/* ---- keys and values ---- */

void mxp_conf_setting_set(struct mxp_conf_setting *s, const char *value, enum mxp_conf_origin origin,
			const char *file, unsigned line)
{
	free(s->value);
	s->value = strdup(value);
	s->origin = origin;
	s->file = file;
	s->line = line;
}

/* "FILE:LINE: [section] key" of a setting, for messages. */
void mxp_conf_where(char *buf, size_t len, const struct mxp_instance_conf *ic, const struct mxp_conf_setting *s,
		  enum mxp_conf_key k)
{
	/* name the section the value was written in: an inherited bad value is one
	 * error at its own line, not one per instance that inherits it */
	const char *section = ic->name;
	if (s->origin == MXP_FROM_GLOBAL)
		section = "exporting:global";
	else if (s->origin == MXP_FROM_TYPE)
		section = ic->type;
	if (s->file != NULL)
		snprintf(buf, len, "%s:%u: [%s] %s", s->file, s->line, section, mxp_conf_keys[k].name);
	else
		snprintf(buf, len, "%s:%u: [%s] %s (default)", ic->file, ic->line, ic->name, mxp_conf_keys[k].name);
}

/* Parses the effective values of ic into its typed fields. */
static void instance_check(struct mxp_conf *c, struct mxp_instance_conf *ic)
{
	char at[512];
	long n;
	int b;

	for (int k = 0; k < MXP_KEY_COUNT; k++) {
		struct mxp_conf_setting *s = &ic->set[k];
		mxp_conf_where(at, sizeof(at), ic, s, (enum mxp_conf_key)k);
		switch (mxp_conf_keys[k].kind) {
		case MXP_K_BOOL:
			if ((b = mxp_conf_parse_bool(s->value)) < 0)
				mxp_conf_error(c, "%s: '%s' is not a boolean (yes/no, true/false, on/off, 1/0)", at, s->value);
			break;
		case MXP_K_INT:
			if (k != MXP_KEY_TIMEOUT_MS && mxp_conf_parse_long(s->value, &n) != 0)
				mxp_conf_error(c, "%s: '%s' is not a whole number", at, s->value);
			break;
		case MXP_K_SOURCE:
			if (mxp_source_parse(s->value, &ic->source) != 0)
				mxp_conf_error(c, "%s: '%s' is not a data source (as collected, average or sum)", at, s->value);
			break;
		default:
			break;
		}
	}

	ic->enabled = mxp_conf_parse_bool(ic->set[MXP_KEY_ENABLED].value) == 1;
	ic->send_names = mxp_conf_parse_bool(ic->set[MXP_KEY_SEND_NAMES_INSTEAD_OF_IDS].value) == 1;
	ic->send_configured_labels = mxp_conf_parse_bool(ic->set[MXP_KEY_SEND_CONFIGURED_LABELS].value) == 1;
	ic->send_automatic_labels = mxp_conf_parse_bool(ic->set[MXP_KEY_SEND_AUTOMATIC_LABELS].value) == 1;

	ic->update_every = 10;
	if (mxp_conf_parse_long(ic->set[MXP_KEY_UPDATE_EVERY].value, &n) == 0) {
		mxp_conf_where(at, sizeof(at), ic, &ic->set[MXP_KEY_UPDATE_EVERY], MXP_KEY_UPDATE_EVERY);
		if (n < 1 || n > 86400)
			mxp_conf_error(c, "%s: %ld is out of range (1 to 86400 seconds)", at, n);
		else
			ic->update_every = (int)n;
	}
	if (mxp_conf_parse_long(ic->set[MXP_KEY_BUFFER_ON_FAILURES].value, &n) == 0) {
		mxp_conf_where(at, sizeof(at), ic, &ic->set[MXP_KEY_BUFFER_ON_FAILURES], MXP_KEY_BUFFER_ON_FAILURES);
		if (n < 0 || n > 1000000)
			mxp_conf_error(c, "%s: %ld is out of range (0 to 1000000 intervals)", at, n);
		ic->buffer_on_failures = n;
	}
	if (mxp_conf_parse_long(ic->set[MXP_KEY_FORMATTER_THREADS].value, &n) == 0) {
		mxp_conf_where(at, sizeof(at), ic, &ic->set[MXP_KEY_FORMATTER_THREADS], MXP_KEY_FORMATTER_THREADS);
		if (n < 0 || n > 256)
			mxp_conf_error(c, "%s: %ld is out of range (0 = one per core, up to 256)", at, n);
		ic->formatter_threads = (int)n;
	}

	ic->retry_min_ms = 30;
	ic->retry_max_ms = 5000;
	ic->max_samples = 10000;
	if (mxp_conf_parse_long(ic->set[MXP_KEY_RETRY_MIN_MS].value, &n) == 0) {
		mxp_conf_where(at, sizeof(at), ic, &ic->set[MXP_KEY_RETRY_MIN_MS], MXP_KEY_RETRY_MIN_MS);
		if (n < 1 || n > 3600000)
			mxp_conf_error(c, "%s: %ld is out of range (1 to 3600000 ms)", at, n);
		else
			ic->retry_min_ms = n;
	}
	if (ic->set[MXP_KEY_RETRY_MAX_MS].file == NULL) {
		/* not written anywhere: the default ceiling, or the min when that is higher */
		ic->retry_max_ms = ic->retry_min_ms > 5000 ? ic->retry_min_ms : 5000;
	} else if (mxp_conf_parse_long(ic->set[MXP_KEY_RETRY_MAX_MS].value, &n) == 0) {
		mxp_conf_where(at, sizeof(at), ic, &ic->set[MXP_KEY_RETRY_MAX_MS], MXP_KEY_RETRY_MAX_MS);
		if (n < ic->retry_min_ms || n > 3600000)
			mxp_conf_error(c, "%s: %ld is out of range ('retry backoff min ms' = %ld to 3600000 ms)", at, n,
				       ic->retry_min_ms);
		else
			ic->retry_max_ms = n;
	}
	if (mxp_conf_parse_long(ic->set[MXP_KEY_MAX_SAMPLES_PER_SEND].value, &n) == 0) {
		mxp_conf_where(at, sizeof(at), ic, &ic->set[MXP_KEY_MAX_SAMPLES_PER_SEND], MXP_KEY_MAX_SAMPLES_PER_SEND);
		if (n < 1 || n > 10000000)
			mxp_conf_error(c, "%s: %ld is out of range (1 to 10000000 metrics)", at, n);
		else
			ic->max_samples = n;
	}
	ic->tls_verify = mxp_conf_parse_bool(ic->set[MXP_KEY_TLS_VERIFY].value) != 0;
	/* credentials go into an HTTP header: a control byte (CR, LF) would end it and
	 * start another one */
	static const enum mxp_conf_key header_keys[] = {MXP_KEY_USERNAME, MXP_KEY_PASSWORD, MXP_KEY_BEARER_TOKEN};
	for (size_t i = 0; i < sizeof(header_keys) / sizeof(header_keys[0]); i++) {
		const struct mxp_conf_setting *hs = &ic->set[header_keys[i]];
		bool bad = false;
		for (const char *q = hs->value; q != NULL && *q != '\0'; q++)
			bad |= (unsigned char)*q < 0x20 || *q == 0x7f;
		if (bad) {
			mxp_conf_where(at, sizeof(at), ic, hs, header_keys[i]);
			mxp_conf_error(c, "%s: a control character (CR, LF, ...) cannot be sent in an HTTP header", at);
		}
	}

	/* the seed's default, from this instance's update every; < 1 falls back to it */
	long def_timeout = (long)ic->update_every * 2 * 1000;
	struct mxp_conf_setting *ts = &ic->set[MXP_KEY_TIMEOUT_MS];
	ic->timeout_ms = def_timeout;
	if (ts->value == NULL) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%ld", def_timeout);
		mxp_conf_setting_set(ts, buf, MXP_FROM_DEFAULT, NULL, 0);
	} else {
		mxp_conf_where(at, sizeof(at), ic, ts, MXP_KEY_TIMEOUT_MS);
		if (mxp_conf_parse_long(ts->value, &n) != 0)
			mxp_conf_error(c, "%s: '%s' is not a whole number", at, ts->value);
		else if (n < 1)
			mxp_conf_warning(c, "%s: invalid timeout %ld ms given, assuming %ld ms", at, n, def_timeout);
		else
			ic->timeout_ms = n;
	}

	if (mxp_pattern_create(ic->set[MXP_KEY_SEND_CHARTS_MATCHING].value, &ic->charts) != 0 ||
	    mxp_pattern_create(ic->set[MXP_KEY_SEND_HOSTS_MATCHING].value, &ic->hosts) != 0)
		mxp_conf_error(c, "%s: out of memory", ic->name);
	if (ic->charts == NULL) {
		mxp_conf_where(at, sizeof(at), ic, &ic->set[MXP_KEY_SEND_CHARTS_MATCHING], MXP_KEY_SEND_CHARTS_MATCHING);
		mxp_conf_warning(c, "%s: empty: this instance exports nothing (as netdata)", at);
	}

	const struct mxp_type_def *t = mxp_conf_type_find(ic->type);
	if (t != NULL && t->default_port != NULL) {
		char derr[512], dwarn[512];
		struct mxp_destination *d = NULL;
		size_t nd = 0;
		mxp_conf_where(at, sizeof(at), ic, &ic->set[MXP_KEY_DESTINATION], MXP_KEY_DESTINATION);
		int rc = mxp_destinations_parse(ic->set[MXP_KEY_DESTINATION].value, t->default_port, &d, &nd, derr,
						sizeof(derr), dwarn, sizeof(dwarn));
		/* an error quotes the entry: never a URI's password */
		mxp_conf_redact_passwords(derr, sizeof(derr), ic->set[MXP_KEY_DESTINATION].value);
		mxp_conf_redact_passwords(dwarn, sizeof(dwarn), ic->set[MXP_KEY_DESTINATION].value);
		if (rc == -EINVAL && *t->default_port == '\0' && !ic->enabled)
			; /* remote write needs a port, but a disabled example need not have one */
		else if (rc != 0)
			mxp_conf_error(c, "%s: %s", at, rc == -ENOMEM ? "out of memory" : derr);
		else if (dwarn[0] != '\0')
			mxp_conf_warning(c, "%s: %s", at, dwarn);
		ic->destinations = d;
		ic->ndestinations = nd;
	}
	if (strncmp(ic->type, "kinesis", 7) == 0 && ic->enabled)
		mxp_conf_kinesis_check(c, ic);
	if (strncmp(ic->type, "mongodb", 7) == 0) {
		/* the seed meant 500 ms less than update every, at least 1 s (it always used
		 * 9500 ms: FORMATS.md §5) */
		long ms = (long)ic->update_every * 1000 - 500;
		ic->mongo_socket_timeout_ms = ms < 1000 ? 1000 : ms;
		ic->mongo_timeseries = mxp_conf_parse_bool(ic->set[MXP_KEY_TIMESERIES].value) == 1;
		static const enum mxp_conf_key needed[] = {MXP_KEY_DATABASE, MXP_KEY_COLLECTION};
		for (size_t i = 0; ic->enabled && i < 2; i++) {
			const char *v = ic->set[needed[i]].value;
			if (v == NULL || v[0] == '\0') {
				mxp_conf_where(at, sizeof(at), ic, &ic->set[needed[i]], needed[i]);
				mxp_conf_error(c, "%s: a MongoDB instance needs it", at);
			}
		}
	}
	if (t != NULL && !t->available && ic->enabled)
		mxp_conf_error(c, "%s:%u: [%s] type '%s' is not available in this build of mxp (yet): disable the "
			      "instance or use graphite, opentsdb or json",
			   ic->file, ic->line, ic->name, ic->type);
}

/* Fills ic->set[k] from the default where nothing set it. */
void mxp_conf_instance_defaults(struct mxp_instance_conf *ic)
{
	char host[256] = "localhost";
	gethostname(host, sizeof(host) - 1);
	for (int k = 0; k < MXP_KEY_COUNT; k++) {
		if (ic->set[k].value != NULL || k == MXP_KEY_TIMEOUT_MS)
			continue;
		const char *d = mxp_conf_keys[k].def;
		if (k == MXP_KEY_HOSTNAME)
			d = host;
		if (k == MXP_KEY_TYPE)
			d = ic->type;
		mxp_conf_setting_set(&ic->set[k], d, MXP_FROM_DEFAULT, NULL, 0);
	}
}

struct mxp_instance_conf *mxp_conf_instance_add(struct mxp_conf *c, const char *name, const char *type,
					      unsigned line)
{
	struct mxp_instance_conf *p = realloc(c->instances, (c->ninstances + 1) * sizeof(*p));
	if (p == NULL)
		return NULL;
	c->instances = p;
	struct mxp_instance_conf *ic = &p[c->ninstances++];
	memset(ic, 0, sizeof(*ic));
	ic->name = strdup(name);
	ic->type = strdup(type);
	ic->file = c->file;
	ic->line = line;
	return ic;
}

/* Checks that key may appear where it is; reports it otherwise. Returns the key or -1. */
int mxp_conf_key_for(struct mxp_conf *c, const struct mxp_raw_entry *e, unsigned where_bit, const char *what)
{
	int k = mxp_conf_key_find(e->key);
	if (k >= 0 && (mxp_conf_keys[k].where & where_bit))
		return k;
	if (k >= 0) {
		mxp_conf_error(c, "%s:%u: [%s] %s: not a key of %s", c->file, e->line, e->section, e->key, what);
		return -1;
	}
	const char *near = mxp_conf_closest(e->key, &mxp_conf_keys[0].name, MXP_KEY_COUNT, sizeof(mxp_conf_keys[0]));
	if (near != NULL)
		mxp_conf_error(c, "%s:%u: [%s] %s: unknown key (did you mean '%s'?)", c->file, e->line, e->section, e->key,
			   near);
	else
		mxp_conf_error(c, "%s:%u: [%s] %s: unknown key", c->file, e->line, e->section, e->key);
	return -1;
}

/* ---- exporting.conf ---- */

/* Splits "TYPE:NAME" at the longest known type followed by ':'; NULL when none. */
static const struct mxp_type_def *split_instance(const char *section, const char **name)
{
	const struct mxp_type_def *best = NULL;
	for (size_t i = 0; i < mxp_conf_ntypes; i++) {
		const struct mxp_type_def *t = &mxp_conf_types[i];
		size_t n = strlen(t->name);
		if (t->in_exporting_conf && strncmp(section, t->name, n) == 0 && section[n] == ':' &&
		    section[n + 1] != '\0' && (best == NULL || n > strlen(best->name))) {
			best = t;
			*name = section + n + 1;
		}
	}
	return best;
}

static void load_exporting_conf(struct mxp_conf *c, const struct mxp_raw_file *rf, const char *dir)
{
	bool told_prometheus = false;
	/* pass 1: the instances, in the order their sections first appear */
	for (size_t i = 0; i < rf->nsections; i++) {
		const char *sec = rf->sections[i], *name = NULL;
		unsigned line = rf->section_lines[i];
		if (strcmp(sec, "exporting:global") == 0 || mxp_conf_type_find(sec) != NULL)
			continue;
		if (strcmp(sec, "stream") == 0) {
			mxp_conf_load_stream(c, rf, line, dir);
			continue;
		}
		if (mxp_conf_is_source_section(sec)) {
			mxp_conf_load_plugin(c, rf, sec, line);
			continue;
		}
		if (strcmp(sec, "prometheus:exporter") == 0) {
			if (!told_prometheus)
				mxp_conf_warning(c, "%s:%u: [prometheus:exporter] is netdata's scrape endpoint; mxp ignores it",
					     c->file, line);
			told_prometheus = true;
			continue;
		}
		if (strncmp(sec, "pubsub", 6) == 0) {
			/* netdata's stock file lists a pubsub example: a disabled one loads */
			bool on = false;
			for (size_t k = 0; k < rf->n; k++)
				if (strcmp(rf->e[k].section, sec) == 0 && strcmp(rf->e[k].key, "enabled") == 0)
					on = mxp_conf_parse_bool(rf->e[k].value) == 1;
			if (on)
				mxp_conf_error(c, "%s:%u: [%s]: the pubsub connector is not supported by mxp (the seed had "
					      "none); disable this instance",
					   c->file, line, sec);
			else
				mxp_conf_warning(c, "%s:%u: [%s]: pubsub is not supported by mxp; this disabled instance is "
						"ignored",
					     c->file, line, sec);
			continue;
		}
		const struct mxp_type_def *t = split_instance(sec, &name);
		if (t == NULL) {
			const char *near = mxp_conf_closest(sec, &mxp_conf_types[0].name, mxp_conf_ntypes, sizeof(mxp_conf_types[0]));
			mxp_conf_error(c, "%s:%u: [%s]: unknown section: not [exporting:global], a type, TYPE:NAME or plugin:NAME%s%s%s",
				   c->file, line, sec, near ? " (did you mean '" : "", near ? near : "",
				   near ? "'?)" : "");
			continue;
		}
		for (size_t j = 0; j < c->ninstances; j++) {
			const char *other = strrchr(c->instances[j].name, ':');
			if (other != NULL && strcmp(other + 1, name) == 0) {
				mxp_conf_error(c, "%s:%u: [%s]: instance name '%s' is already used by [%s] at line %u", c->file,
					   line, sec, name, c->instances[j].name, c->instances[j].line);
				name = NULL;
				break;
			}
		}
		if (name != NULL)
			mxp_conf_instance_add(c, sec, t->name, line);
	}

	/* pass 2: every key, checked where it stands and applied in lookup order */
	for (size_t i = 0; i < rf->n; i++) {
		const struct mxp_raw_entry *e = &rf->e[i];
		bool global = strcmp(e->section, "exporting:global") == 0;
		const struct mxp_type_def *tsec = mxp_conf_type_find(e->section);
		if (strcmp(e->section, "prometheus:exporter") == 0 || strncmp(e->section, "pubsub", 6) == 0 ||
		    mxp_conf_is_source_section(e->section))
			continue;
		if (e->section[0] == '\0') {
			mxp_conf_error(c, "%s:%u: %s: a key outside any section", c->file, e->line, e->key);
			continue;
		}
		int k;
		if (global)
			k = mxp_conf_key_for(c, e, MXP_IN_GLOBAL, "[exporting:global]");
		else if (tsec != NULL || split_instance(e->section, &(const char *){NULL}) != NULL)
			k = mxp_conf_key_for(c, e, MXP_IN_INSTANCE, "an instance");
		else
			continue; /* an unknown section: reported once above */
		if (k < 0)
			continue;
		enum mxp_conf_origin origin = global ? MXP_FROM_GLOBAL : tsec != NULL ? MXP_FROM_TYPE : MXP_FROM_INSTANCE;
		for (size_t j = 0; j < c->ninstances; j++) {
			struct mxp_instance_conf *ic = &c->instances[j];
			bool applies = global || (tsec != NULL && strcmp(ic->type, tsec->name) == 0) ||
				       strcmp(ic->name, e->section) == 0;
			if (!applies)
				continue;
			struct mxp_conf_setting *s = &ic->set[k];
			if (s->value != NULL && s->origin > origin)
				continue; /* a closer section already set it */
			if (s->value != NULL && s->origin == origin && origin == MXP_FROM_INSTANCE)
				mxp_conf_warning(c, "%s:%u: [%s] %s: set again (line %u before); the last one wins", c->file,
					     e->line, e->section, e->key, s->line);
			mxp_conf_setting_set(s, e->value, origin, c->file, e->line);
		}
	}
	for (size_t j = 0; j < c->ninstances; j++)
		mxp_conf_instance_defaults(&c->instances[j]);
}

/* ---- loading ---- */

static bool looks_like_exporting_conf(const struct mxp_raw_file *rf)
{
	for (size_t i = 0; i < rf->nsections; i++)
		if (strchr(rf->sections[i], ':') != NULL || mxp_conf_type_find(rf->sections[i]) != NULL)
			return true;
	return false;
}

static struct mxp_conf *load(const char *name, const char *dir, struct mxp_raw_file *rf, int parse_rc,
			     const char *parse_err)
{
	struct mxp_conf *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->file = strdup(name);
	if (parse_rc != 0) {
		mxp_conf_error(c, "%s", parse_err);
		return c;
	}
	c->is_netdata_conf = !looks_like_exporting_conf(rf);
	if (c->is_netdata_conf)
		mxp_conf_load_netdata(c, rf, dir);
	else
		load_exporting_conf(c, rf, dir);
	for (size_t j = 0; j < c->ninstances; j++)
		instance_check(c, &c->instances[j]);
	return c;
}

struct mxp_conf *mxp_conf_load(const char *path)
{
	struct mxp_raw_file rf = {.name = path};
	char err[1024] = "";
	int rc = mxp_ini_parse_file(path, collect_entry, &rf, err, sizeof(err));
	if (rc == -ENOMEM)
		snprintf(err, sizeof(err), "%s: out of memory", path);
	/* the seed's companion files live beside netdata.conf */
	char *copy = strdup(path);
	const char *slash = copy ? strrchr(copy, '/') : NULL;
	const char *dir = ".";
	if (slash == copy)
		dir = "/";
	else if (slash != NULL) {
		copy[slash - copy] = '\0';
		dir = copy;
	}
	struct mxp_conf *c = load(path, dir, &rf, rc, err);
	if (c != NULL)
		mxp_conf_check_exposure(c);
	free(copy);
	raw_free(&rf);
	return c;
}

struct mxp_conf *mxp_conf_load_string(const char *name, const char *text, const char *dir)
{
	struct mxp_raw_file rf = {.name = name};
	char err[1024] = "";
	int rc = mxp_ini_parse_string(name, text, collect_entry, &rf, err, sizeof(err));
	if (rc == -ENOMEM)
		snprintf(err, sizeof(err), "%s: out of memory", name);
	struct mxp_conf *c = load(name, dir, &rf, rc, err);
	raw_free(&rf);
	return c;
}

void mxp_conf_free(struct mxp_conf *c)
{
	if (c == NULL)
		return;
	for (size_t j = 0; j < c->ninstances; j++) {
		struct mxp_instance_conf *ic = &c->instances[j];
		for (int k = 0; k < MXP_KEY_COUNT; k++)
			free(ic->set[k].value);
		free(ic->name);
		free(ic->type);
		mxp_pattern_free(ic->charts);
		mxp_pattern_free(ic->hosts);
		free(ic->destinations);
	}
	for (size_t i = 0; i < c->nerrors; i++)
		free(c->errors[i]);
	for (size_t i = 0; i < c->nwarnings; i++)
		free(c->warnings[i]);
	free(c->errors);
	free(c->warnings);
	for (size_t i = 0; i < c->ncompanions; i++)
		free(c->companions[i]);
	free(c->companions);
	mxp_conf_free_sources(c);
	free(c->instances);
	free(c->file);
	free(c);
}

void mxp_conf_print(const struct mxp_conf *c, FILE *out)
{
	static const char *const origin_names[] = {"default", "[exporting:global]", "type section", "instance"};
	fprintf(out, "%s: %s, %zu instance%s\n", c->file, c->is_netdata_conf ? "netdata.conf [backend]" : "exporting.conf",
		c->ninstances, c->ninstances == 1 ? "" : "s");
	for (size_t j = 0; j < c->ninstances; j++) {
		const struct mxp_instance_conf *ic = &c->instances[j];
		fprintf(out, "\n[%s] type %s, %s\n", ic->name, ic->type, ic->enabled ? "enabled" : "disabled");
		for (int k = 0; k < MXP_KEY_COUNT; k++) {
			const struct mxp_conf_setting *s = &ic->set[k];
			if (c->is_netdata_conf ? !(mxp_conf_keys[k].where & MXP_IN_BACKEND) : !(mxp_conf_keys[k].where & (MXP_IN_INSTANCE | MXP_IN_GLOBAL)))
				continue;
			const char *v = s->value ? s->value : "";
			char masked[1024];
			if (mxp_conf_keys[k].secret && *v != '\0')
				v = "(set, not shown)";
			else if (k == MXP_KEY_DESTINATION && mxp_conf_mask_password(v, masked, sizeof(masked)))
				v = masked; /* a URI's user:password@ (mongodb) */
			const char *origin = c->is_netdata_conf && s->origin == MXP_FROM_INSTANCE ? "[backend]"
											  : origin_names[s->origin];
			if (s->file != NULL)
				fprintf(out, "    %-26s = %-30s  %s, %s:%u\n", mxp_conf_keys[k].name, v, origin, s->file, s->line);
			else
				fprintf(out, "    %-26s = %-30s  %s\n", mxp_conf_keys[k].name, v, origin);
		}
	}
	mxp_conf_print_sources(c, out);
}
