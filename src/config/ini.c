/* ini.c — netdata's config syntax (see ini.h for what and why). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/ini.h"

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\f' || *s == '\v')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n' ||
			 s[n - 1] == '\f' || s[n - 1] == '\v'))
		s[--n] = '\0';
	return s;
}

/* Parses one line in place; section is a buffer of the text's size. */
static int parse_line(const char *name, char *raw, unsigned lineno, char **section, mxp_ini_fn fn, void *arg,
		      char *err, size_t errlen)
{
	if (lineno == 1 && strncmp(raw, "\xEF\xBB\xBF", 3) == 0)
		raw += 3; /* a UTF-8 byte order mark */
	char *line = trim(raw);
	if (*line == '\0' || *line == '#' || *line == ';')
		return 0;
	if (*line == '[') {
		char *end = strchr(line, ']');
		if (end == NULL) {
			snprintf(err, errlen, "%s:%u: section header without ']': '%s'", name, lineno, line);
			return -EINVAL;
		}
		*end = '\0';
		char *rest = trim(end + 1);
		if (*rest != '\0' && *rest != '#' && *rest != ';') {
			snprintf(err, errlen, "%s:%u: text after the section header: '%s'", name, lineno, rest);
			return -EINVAL;
		}
		char *s = strdup(trim(line + 1));
		if (s == NULL)
			return -ENOMEM;
		free(*section);
		*section = s;
		return fn(arg, s, NULL, NULL, lineno);
	}
	char *eq = strchr(line, '=');
	if (eq == NULL) {
		snprintf(err, errlen, "%s:%u: expected 'key = value' or '[section]', found '%s'", name, lineno, line);
		return -EINVAL;
	}
	*eq = '\0';
	char *key = trim(line);
	if (*key == '\0') {
		snprintf(err, errlen, "%s:%u: a value without a key", name, lineno);
		return -EINVAL;
	}
	return fn(arg, *section ? *section : "", key, trim(eq + 1), lineno);
}

int mxp_ini_parse_string(const char *name, const char *text, mxp_ini_fn fn, void *arg, char *err, size_t errlen)
{
	char *copy = strdup(text), *section = NULL;
	if (copy == NULL)
		return -ENOMEM;
	int rc = 0;
	unsigned lineno = 0;
	for (char *p = copy; p != NULL && rc == 0;) {
		char *nl = strchr(p, '\n');
		if (nl != NULL)
			*nl = '\0';
		lineno++;
		rc = parse_line(name, p, lineno, &section, fn, arg, err, errlen);
		p = nl ? nl + 1 : NULL;
	}
	free(section);
	free(copy);
	return rc;
}

int mxp_ini_parse_file(const char *path, mxp_ini_fn fn, void *arg, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		int e = errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
		return -e;
	}
	char *line = NULL, *section = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int rc = 0;
	while (rc == 0 && getline(&line, &cap, f) >= 0) {
		lineno++;
		rc = parse_line(path, line, lineno, &section, fn, arg, err, errlen);
	}
	if (rc == 0 && ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s:%u: read error", path, lineno);
	}
	free(line);
	free(section);
	fclose(f);
	return rc;
}
