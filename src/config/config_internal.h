/* config_internal.h — what the configuration's modules share (config.c loads and
 * checks; config_netdata.c reads netdata.conf's [backend]). Not part of any API. */
#ifndef MXP_CONFIG_INTERNAL_H
#define MXP_CONFIG_INTERNAL_H

#include "config/config.h"

/* One "key = value" of the file, with its section and line. */
struct mxp_raw_entry {
	char *section;
	char *key;
	char *value;
	unsigned line;
};

struct mxp_raw_file {
	const char *name;
	struct mxp_raw_entry *e;
	size_t n;
	char **sections;           /* in order of first appearance */
	unsigned *section_lines;
	size_t nsections;
};

/* Adds a message to conf's errors / warnings, once (the same text twice is one). */
__attribute__((format(printf, 2, 3))) void mxp_conf_error(struct mxp_conf *c, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void mxp_conf_warning(struct mxp_conf *c, const char *fmt, ...);
/* Sets s to a copy of value, from origin at file:line. */
void mxp_conf_setting_set(struct mxp_conf_setting *s, const char *value, enum mxp_conf_origin origin,
			  const char *file, unsigned line);
/* Adds an instance (its settings empty); NULL when out of memory. */
struct mxp_instance_conf *mxp_conf_instance_add(struct mxp_conf *c, const char *name, const char *type,
						unsigned line);
/* Fills every setting nothing set with its default. */
void mxp_conf_instance_defaults(struct mxp_instance_conf *ic);
/* The key of e if it may stand in a section of kind where_bit (MXP_IN_*), else reports
 * it (what: the kind of section, for the message) and returns -1. */
int mxp_conf_key_for(struct mxp_conf *c, const struct mxp_raw_entry *e, unsigned where_bit, const char *what);
/* Loads netdata.conf's [backend] (and its companion files from dir, if dir). */
void mxp_conf_load_netdata(struct mxp_conf *c, const struct mxp_raw_file *rf, const char *dir);

/* "FILE:LINE: [SECTION] KEY" of setting s of ic into buf, naming the section the value
 * was written in (an inherited value: its own section, once). */
void mxp_conf_where(char *buf, size_t len, const struct mxp_instance_conf *ic, const struct mxp_conf_setting *s,
		    enum mxp_conf_key k);
/* config_secrets.c: a warning for each file that holds a secret and that every user can
 * read (mxp_conf_load's last step; text loaded from a string has no file to look at) */
void mxp_conf_check_exposure(struct mxp_conf *c);
/* config_secrets.c: replaces in msg (cap bytes) every password of a
 * scheme://user:PASSWORD@ URI in value (a `destination` or `endpoint`) by *** — for
 * messages that quote such a value */
void mxp_conf_redact_passwords(char *msg, size_t cap, const char *value);
/* config_kinesis.c: an enabled kinesis instance's stream, region or endpoint, key;
 * fills ic->kinesis_* */
void mxp_conf_kinesis_check(struct mxp_conf *c, struct mxp_instance_conf *ic);

/* config_sources.c: mxpd's source sections ([plugin:NAME]) */
bool mxp_conf_is_source_section(const char *section);
void mxp_conf_load_plugin(struct mxp_conf *c, const struct mxp_raw_file *rf, const char *section, unsigned line);
/* dir: the config file's folder, for a relative `stream config` (NULL: none) */
void mxp_conf_load_stream(struct mxp_conf *c, const struct mxp_raw_file *rf, unsigned line, const char *dir);
void mxp_conf_print_sources(const struct mxp_conf *c, FILE *out);
void mxp_conf_free_sources(struct mxp_conf *c);
#endif
