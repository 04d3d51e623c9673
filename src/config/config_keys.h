/* config_keys.h — what config.c knows about each key and type (internal). */
#ifndef MXP_CONFIG_KEYS_H
#define MXP_CONFIG_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

/* Which files and sections a key may appear in. */
#define MXP_IN_BACKEND 1u  /* netdata.conf [backend] */
#define MXP_IN_INSTANCE 2u /* exporting.conf [TYPE:NAME] and [TYPE] */
#define MXP_IN_GLOBAL 4u   /* exporting.conf [exporting:global] */

/* How a key's value is checked. */
enum mxp_key_kind { MXP_K_BOOL, MXP_K_INT, MXP_K_STRING, MXP_K_SOURCE, MXP_K_PATTERN, MXP_K_TYPE };

struct mxp_key_def {
	const char *name;
	const char *def;           /* NULL: computed (hostname, timeout ms) */
	enum mxp_key_kind kind;
	unsigned where;            /* MXP_IN_* bits */
	bool secret;               /* never printed */
};

/* Every type of both files; `available` says whether this build can export it. */
struct mxp_type_def {
	const char *name;
	bool in_netdata_conf;      /* a `type` value of the seed's [backend] */
	bool in_exporting_conf;    /* a [TYPE:NAME] of exporting.conf */
	bool available;
	/* the port a destination without one gets (FORMATS.md §1.2); "" none (remote
	 * write: the seed's 0 was a bug); NULL: destination is not a server list
	 * (kinesis: the region; mongodb: unused) */
	const char *default_port;
};

extern const struct mxp_key_def mxp_conf_keys[MXP_KEY_COUNT];
extern const struct mxp_type_def mxp_conf_types[];
extern const size_t mxp_conf_ntypes;

/* The key named name, or -1. */
int mxp_conf_key_find(const char *name);
/* The type named name (either file's spelling), or NULL. */
const struct mxp_type_def *mxp_conf_type_find(const char *name);
/* netdata's booleans (yes/no, true/false, on/off, 1/0, and the seed's "auto" and
 * "on demand"), any case: 1, 0, or -1 when the value is none of them. */
int mxp_conf_parse_bool(const char *v);
/* A decimal integer, nothing after it (the seed's base 0 is not followed): 0 or -EINVAL. */
int mxp_conf_parse_long(const char *v, long *out);
/* The closest of n names (each a `const char *` at the start of a record stride bytes
 * long) to word, for "did you mean": one the word begins (4+ characters), else one at
 * most 2 edits away and fewer than half the word; NULL when none is close. */
const char *mxp_conf_closest(const char *word, const void *names, size_t n, size_t stride);

#endif
