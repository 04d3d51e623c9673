/* ini.h — netdata's config file syntax, line by line.
 *
 * Why not inih: Debian 12's libinih (55) is built with INI_MAX_LINE = 200, so a longer
 * line (a long `send charts matching`) is silently split in two; its handler gets no
 * line numbers, which every error must name; and it cuts values at an inline " ;",
 * which netdata's own parser (appconfig) never did. This reader does what appconfig
 * does: lines of any length; blank lines and lines starting with '#' or ';' skipped;
 * "[section]"; "key = value" split at the first '=', both sides trimmed. */
#ifndef MXP_INI_H
#define MXP_INI_H

#include <stddef.h>

/* Called for each "key = value" with the section it is in ("" before any section), and
 * for each section header with key and value NULL. Returns 0 to go on, or nonzero to
 * stop the parse with that value. */
typedef int (*mxp_ini_fn)(void *arg, const char *section, const char *key, const char *value,
			  unsigned line);

/* Parses the file at path. Returns 0, the handler's nonzero value, or -errno when the
 * file cannot be read or a line is neither a section nor "key = value" (then err holds
 * "FILE:LINE: what is wrong"). */
int mxp_ini_parse_file(const char *path, mxp_ini_fn fn, void *arg, char *err, size_t errlen);
/* The same over a string (for tests and fuzzing); name is used in messages. */
int mxp_ini_parse_string(const char *name, const char *text, mxp_ini_fn fn, void *arg, char *err,
			 size_t errlen);

#endif
