/* config_sources.c — mxpd's sources in exporting.conf: [plugin:NAME] sections, each an
 * external program speaking netdata's plugins.d protocol (tools/plugin_runner.c runs
 * them). netdata configures its plugins in netdata.conf; these sections are mxp's, so
 * that one file says both what mxpd collects and where it sends it.
 *
 *   [plugin:NAME]
 *       command = /path/to/program --its options   (required)
 *       update every = 1                            (seconds, 1..86400)
 *       enabled = yes
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"
#include "config/config_keys.h"

static const char *const plugin_keys[] = {"command", "update every", "enabled"};
#define NPLUGIN_KEYS (sizeof(plugin_keys) / sizeof(plugin_keys[0]))

bool mxp_conf_is_source_section(const char *section)
{
	return strncmp(section, "plugin:", 7) == 0;
}

void mxp_conf_load_plugin(struct mxp_conf *c, const struct mxp_raw_file *rf, const char *section, unsigned line)
{
	const char *name = section + 7;
	if (*name == '\0' || strchr(name, ' ') != NULL) {
		mxp_conf_error(c, "%s:%u: [%s]: a plugin needs a name without blanks: [plugin:NAME]", c->file, line, section);
		return;
	}
	struct mxp_plugin_conf pc = {.update_every = 1, .enabled = true, .line = line};
	bool ok = true;
	for (size_t i = 0; i < rf->n; i++) {
		const struct mxp_raw_entry *e = &rf->e[i];
		if (strcmp(e->section, section) != 0)
			continue;
		if (strcmp(e->key, "command") == 0) {
			if (e->value[0] == '\0') {
				mxp_conf_error(c, "%s:%u: [%s] command: empty", c->file, e->line, section);
				ok = false;
			}
			pc.command = e->value;
		} else if (strcmp(e->key, "update every") == 0) {
			char *end;
			errno = 0;
			long v = strtol(e->value, &end, 10);
			if (errno != 0 || end == e->value || *end != '\0' || v < 1 || v > 86400) {
				mxp_conf_error(c, "%s:%u: [%s] update every: '%s' is not 1 to 86400 seconds", c->file, e->line,
					   section, e->value);
				ok = false;
			}
			pc.update_every = (int)v;
		} else if (strcmp(e->key, "enabled") == 0) {
			int b = mxp_conf_parse_bool(e->value);
			if (b < 0) {
				mxp_conf_error(c, "%s:%u: [%s] enabled: '%s' is not yes or no", c->file, e->line, section,
					   e->value);
				ok = false;
			}
			pc.enabled = b == 1;
		} else {
			const char *near = mxp_conf_closest(e->key, plugin_keys, NPLUGIN_KEYS, sizeof(plugin_keys[0]));
			mxp_conf_error(c, "%s:%u: [%s] %s: unknown key of a plugin (command, update every, enabled)%s%s%s",
				   c->file, e->line, section, e->key, near ? "; did you mean '" : "", near ? near : "",
				   near ? "'?" : "");
			ok = false;
		}
	}
	if (pc.command == NULL && pc.enabled) {
		mxp_conf_error(c, "%s:%u: [%s]: command: missing (the program to run)", c->file, line, section);
		ok = false;
	}
	if (!ok)
		return;
	struct mxp_plugin_conf *p = realloc(c->plugins, (c->nplugins + 1) * sizeof(*p));
	if (p == NULL)
		return;
	c->plugins = p;
	pc.name = strdup(name);
	pc.command = strdup(pc.command ? pc.command : "");
	pc.file = c->file;
	c->plugins[c->nplugins++] = pc;
}

void mxp_conf_print_sources(const struct mxp_conf *c, FILE *out)
{
	for (size_t i = 0; i < c->nplugins; i++) {
		const struct mxp_plugin_conf *p = &c->plugins[i];
		fprintf(out, "\n[plugin:%s] %s, %s:%u\n", p->name, p->enabled ? "enabled" : "disabled", p->file, p->line);
		fprintf(out, "    %-26s = %s\n", "command", p->command);
		fprintf(out, "    %-26s = %d\n", "update every", p->update_every);
	}
}

void mxp_conf_free_sources(struct mxp_conf *c)
{
	for (size_t i = 0; i < c->nplugins; i++) {
		free(c->plugins[i].name);
		free(c->plugins[i].command);
	}
	free(c->plugins);
}
