/* companion.c — aws_kinesis.conf and mongodb.conf, by the seed's rules (companion.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/companion.h"

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

static int add(struct mxp_companion *c, const char *name, const char *value, unsigned line)
{
	struct mxp_companion_entry *p = realloc(c->e, (c->n + 1) * sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	c->e = p;
	p[c->n] = (struct mxp_companion_entry){strdup(name), strdup(value), line};
	if (p[c->n].name == NULL || p[c->n].value == NULL) {
		free(p[c->n].name);
		free(p[c->n].value);
		return -ENOMEM;
	}
	c->n++;
	return 0;
}

int mxp_companion_read(const char *path, struct mxp_companion *out)
{
	memset(out, 0, sizeof(*out));
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -errno;
	char *buf = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int rc = 0;
	while (rc == 0 && getline(&buf, &cap, f) >= 0) {
		lineno++;
		char *s = trim(buf);
		if (*s == '\0' || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			unsigned *p = realloc(out->skipped_lines, (out->nskipped + 1) * sizeof(*p));
			if (p == NULL) {
				rc = -ENOMEM;
				break;
			}
			out->skipped_lines = p;
			p[out->nskipped++] = lineno;
			continue;
		}
		*eq = '\0';
		char *name = trim(s), *value = trim(eq + 1);
		/* one leading and one trailing quote go, matching or not, as the seed did */
		if (*value == '"' || *value == '\'')
			value++;
		size_t n = strlen(value);
		if (n > 0 && (value[n - 1] == '"' || value[n - 1] == '\''))
			value[n - 1] = '\0';
		rc = add(out, name, value, lineno);
	}
	if (rc == 0 && ferror(f))
		rc = -EIO;
	free(buf);
	fclose(f);
	return rc;
}

const char *mxp_companion_get(const struct mxp_companion *c, const char *name, unsigned *line)
{
	for (size_t i = c->n; i-- > 0;) {
		if (strcmp(c->e[i].name, name) == 0) {
			if (line != NULL)
				*line = c->e[i].line;
			return c->e[i].value;
		}
	}
	return NULL;
}

void mxp_companion_free(struct mxp_companion *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->e[i].name);
		free(c->e[i].value);
	}
	free(c->e);
	free(c->skipped_lines);
	memset(c, 0, sizeof(*c));
}
