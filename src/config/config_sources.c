/* config_sources.c — mxpd's sources in exporting.conf: [plugin:NAME] sections, each an
 * external program speaking netdata's plugins.d protocol (tools/plugin_runner.c runs
 * them), and [stream], where netdata children stream to (tools/stream_receiver.c).
 * netdata configures these in netdata.conf and stream.conf; the sections are mxp's, so
 * that one file says both what mxpd collects and where it sends it.
 *
 *   [plugin:NAME]
 *       command = /path/to/program --its options   (required)
 *       update every = 1                            (seconds, 1..86400)
 *       enabled = yes
 *   [stream]
 *       listen = 0.0.0.0:19999                      (required: [IP:]PORT)
 *       stream config = /etc/netdata/stream.conf    (required: its API keys)
 *       timeout seconds = 60
 *       enabled = yes
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"
#include "config/config_keys.h"
#include "config/stream_conf.h"

static const char *const plugin_keys[] = {"command", "update every", "enabled"};
#define NPLUGIN_KEYS (sizeof(plugin_keys) / sizeof(plugin_keys[0]))

bool mxp_conf_is_source_section(const char *section)
{
	return strncmp(section, "plugin:", 7) == 0 || strcmp(section, "stream") == 0;
}

static const char *const stream_keys[] = {"listen", "stream config", "timeout seconds", "enabled"};
#define NSTREAM_KEYS (sizeof(stream_keys) / sizeof(stream_keys[0]))

/* "[IP:]PORT" with a port 1..65535; IPv6 in brackets */
static bool listen_ok(const char *v)
{
	const char *port = v;
	if (*v == '[') {
		const char *close = strchr(v, ']');
		if (close == NULL || close[1] != ':')
			return false;
		port = close + 2;
	} else if (strrchr(v, ':') != NULL) {
		port = strrchr(v, ':') + 1;
	}
	char *end;
	errno = 0;
	long p = strtol(port, &end, 10);
	return errno == 0 && end != port && *end == '\0' && p >= 1 && p <= 65535;
}

void mxp_conf_load_stream(struct mxp_conf *c, const struct mxp_raw_file *rf, unsigned line, const char *dir)
{
	struct mxp_stream_listen_conf *sc = &c->stream;
	*sc = (struct mxp_stream_listen_conf){.present = true, .enabled = true, .timeout_s = 60, .file = c->file,
					      .line = line};
	bool ok = true;
	for (size_t i = 0; i < rf->n; i++) {
		const struct mxp_raw_entry *e = &rf->e[i];
		if (strcmp(e->section, "stream") != 0)
			continue;
		if (strcmp(e->key, "listen") == 0) {
			if (!listen_ok(e->value)) {
				mxp_conf_error(c, "%s:%u: [stream] listen: '%s' is not [IP:]PORT (port 1 to 65535)", c->file,
					   e->line, e->value);
				ok = false;
			}
			free(sc->listen);
			sc->listen = strdup(e->value);
		} else if (strcmp(e->key, "stream config") == 0) {
			free(sc->stream_config);
			sc->stream_config = strdup(e->value);
		} else if (strcmp(e->key, "timeout seconds") == 0) {
			char *end;
			errno = 0;
			long v = strtol(e->value, &end, 10);
			if (errno != 0 || end == e->value || *end != '\0' || v < 1 || v > 86400) {
				mxp_conf_error(c, "%s:%u: [stream] timeout seconds: '%s' is not 1 to 86400", c->file, e->line,
					   e->value);
				ok = false;
			}
			sc->timeout_s = (int)v;
		} else if (strcmp(e->key, "enabled") == 0) {
			int b = mxp_conf_parse_bool(e->value);
			if (b < 0) {
				mxp_conf_error(c, "%s:%u: [stream] enabled: '%s' is not yes or no", c->file, e->line, e->value);
				ok = false;
			}
			sc->enabled = b == 1;
		} else {
			const char *near = mxp_conf_closest(e->key, stream_keys, NSTREAM_KEYS, sizeof(stream_keys[0]));
			mxp_conf_error(c, "%s:%u: [stream] %s: unknown key of [stream] (listen, stream config, timeout "
					  "seconds, enabled)%s%s%s",
				   c->file, e->line, e->key, near ? "; did you mean '" : "", near ? near : "",
				   near ? "'?" : "");
			ok = false;
		}
	}
	if (!sc->enabled || !ok)
		return;
	if (sc->listen == NULL)
		mxp_conf_error(c, "%s:%u: [stream]: listen: missing (the [IP:]PORT children connect to)", c->file, line);
	if (sc->stream_config == NULL) {
		mxp_conf_error(c, "%s:%u: [stream]: stream config: missing (netdata's stream.conf, with the API keys)",
			   c->file, line);
		return;
	}
	if (sc->stream_config[0] == '/' || dir == NULL)
		sc->stream_config_path = strdup(sc->stream_config);
	else if (asprintf(&sc->stream_config_path, "%s/%s", dir, sc->stream_config) < 0)
		sc->stream_config_path = NULL;
	if (sc->stream_config_path == NULL || dir == NULL)
		return; /* text loaded from a string (tests, the fuzzer) names no file to read */
	/* read it now, so that --check and the start report its errors */
	char err[600];
	struct mxp_stream_conf *keys = mxp_stream_conf_load(sc->stream_config_path, err, sizeof(err));
	if (keys == NULL) {
		mxp_conf_error(c, "%s:%u: [stream] stream config: %s", c->file, line, err);
		return;
	}
	if (mxp_stream_conf_enabled_keys(keys) == 0)
		mxp_conf_warning(c, "%s:%u: [stream] stream config: %s enables no API key: every child will be refused",
				 c->file, line, sc->stream_config_path);
	mxp_stream_conf_free(keys);
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
	const struct mxp_stream_listen_conf *sc = &c->stream;
	if (sc->present) {
		fprintf(out, "\n[stream] %s, %s:%u\n", sc->enabled ? "enabled" : "disabled", sc->file, sc->line);
		fprintf(out, "    %-26s = %s\n", "listen", sc->listen ? sc->listen : "");
		fprintf(out, "    %-26s = %s\n", "stream config", sc->stream_config_path ? sc->stream_config_path : "");
		fprintf(out, "    %-26s = %d\n", "timeout seconds", sc->timeout_s);
	}
	for (size_t i = 0; i < c->nplugins; i++) {
		const struct mxp_plugin_conf *p = &c->plugins[i];
		fprintf(out, "\n[plugin:%s] %s, %s:%u\n", p->name, p->enabled ? "enabled" : "disabled", p->file, p->line);
		fprintf(out, "    %-26s = %s\n", "command", p->command);
		fprintf(out, "    %-26s = %d\n", "update every", p->update_every);
	}
}

void mxp_conf_free_sources(struct mxp_conf *c)
{
	free(c->stream.listen);
	free(c->stream.stream_config);
	free(c->stream.stream_config_path);
	for (size_t i = 0; i < c->nplugins; i++) {
		free(c->plugins[i].name);
		free(c->plugins[i].command);
	}
	free(c->plugins);
}
