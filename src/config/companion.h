/* companion.h — the seed's own little files beside netdata.conf: aws_kinesis.conf and
 * mongodb.conf (FORMATS.md §4, §5), read by the seed's rules, not netdata.conf's:
 * each line trimmed; empty lines and lines starting with '#' skipped; a line without
 * '=' skipped with a warning; name and value trimmed; the value loses one leading and
 * one trailing quote (" or ', not necessarily matching); unknown names are the
 * caller's to ignore; a name given twice: the last wins. */
#ifndef MXP_COMPANION_H
#define MXP_COMPANION_H

#include <stddef.h>

struct mxp_companion_entry {
	char *name;
	char *value;
	unsigned line;
};

struct mxp_companion {
	struct mxp_companion_entry *e;
	size_t n;
	unsigned *skipped_lines;   /* lines without '=' */
	size_t nskipped;
};

/* Reads path into *out. Returns 0, or -errno when the file cannot be read (then *out is
 * empty) or -ENOMEM. The caller frees with mxp_companion_free(). */
int mxp_companion_read(const char *path, struct mxp_companion *out);
/* The value of name (the last one given), or NULL; *line set when found. */
const char *mxp_companion_get(const struct mxp_companion *c, const char *name, unsigned *line);
void mxp_companion_free(struct mxp_companion *c);

#endif
