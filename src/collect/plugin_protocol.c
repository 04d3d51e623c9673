/* plugin_protocol.c — netdata's plugins.d protocol into the store (see the header): the
 * bytes cut into lines, lines into words, and the commands other than the charts'
 * definitions (plugin_charts.c). Values of an update are held here until END, so that
 * FLUSH can drop them; END hands them to mxp_dim_set and ends the update with
 * mxp_chart_done.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/plugin_internal.h"
#include "collect/store_internal.h"

#define USEC_PER_SEC 1000000LL
#define PP_END_AHEAD 8          /* END prefetches the dim this many after the one it sets */

/* ---- problems ---- */

static const char *const problem_names[MXP_PP_NPROBLEMS] = {
	[MXP_PP_UNKNOWN_COMMAND] = "unknown command",
	[MXP_PP_BAD_ARGUMENT] = "bad argument",
	[MXP_PP_BAD_VALUE] = "bad value",
	[MXP_PP_NO_CHART] = "no such chart",
	[MXP_PP_NO_DIMENSION] = "no such dimension",
	[MXP_PP_OUT_OF_ORDER] = "out of order",
	[MXP_PP_CONFLICT] = "chart of another source",
	[MXP_PP_TOO_LONG] = "line too long",
	[MXP_PP_NO_HOST] = "no host yet",
	[MXP_PP_NO_MEMORY] = "out of memory",
};

const char *mxp_pp_problem_name(enum mxp_pp_problem kind)
{
	return kind < MXP_PP_NPROBLEMS ? problem_names[kind] : "?";
}

/* Counts a malformed line; the first of its kind goes to the callback, with the words
 * joined again (the split put NULs between them). */
void mxp_pp_problem(struct mxp_pp *pp, enum mxp_pp_problem kind, char **w, size_t n, const char *why)
{
	pp->stats.problems[kind]++;
	pp->stats.malformed++;
	if (pp->reported[kind] || pp->cb.problem == NULL)
		return;
	pp->reported[kind] = true;
	char line[512];
	size_t at = 0;
	line[0] = '\0';
	for (size_t i = 0; i < n && at < sizeof(line) - 1; i++) {
		int k = snprintf(line + at, sizeof(line) - at, "%s%s", i ? " " : "", w[i]);
		if (k < 0)
			break;
		at += (size_t)k;
	}
	if (at >= sizeof(line) - 1)
		memcpy(line + sizeof(line) - 4, "...", 4);
	pp->cb.problem(pp->cb.arg, kind, pp->stats.lines, line, why);
}

/* ---- words ---- */

static inline bool is_separator(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '=' || c == '\v' || c == '\f';
}

/* netdata's split: blanks and '=' separate words; a word that starts with ' or " runs
 * to the same quote (or the end of the line) and may hold anything else. */
static size_t split_words(char *s, char **w, size_t max)
{
	size_t n = 0;
	while (n < max) {
		while (is_separator(*s))
			s++;
		if (*s == '\0')
			break;
		if (*s == '"' || *s == '\'') {
			char q = *s++;
			w[n++] = s;
			while (*s != '\0' && *s != q)
				s++;
		} else {
			w[n++] = s;
			while (*s != '\0' && !is_separator(*s))
				s++;
		}
		if (*s == '\0')
			break;
		*s++ = '\0';
	}
	return n;
}

const char *mxp_pp_word(char **w, size_t n, size_t i)
{
	return i < n ? w[i] : NULL;
}

/* An optional word: NULL when missing or empty. */
const char *mxp_pp_opt_word(char **w, size_t n, size_t i)
{
	return i < n && w[i][0] != '\0' ? w[i] : NULL;
}

/* A whole decimal number in [min, max]; false when it is not one. */
bool mxp_pp_parse_ll(const char *s, long long min, long long max, long long *out)
{
	if (s == NULL || *s == '\0')
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max || end == s)
		return false;
	*out = v;
	return true;
}

/* Drops the values of an update begun and not ended. */
static void update_drop(struct mxp_pp *pp)
{
	struct pp_chart *c = pp->updating;
	if (c == NULL)
		return;
	for (uint32_t i = 0; i < c->ndims; i++) {
		if (c->dims[i].set) {
			c->dims[i].set = false;
			pp->stats.flushed++;
		}
	}
	pp->updating = NULL;
}

/* BEGIN type.id [microseconds] */
static void cmd_begin(struct mxp_pp *pp, char **w, size_t n)
{
	const char *id = mxp_pp_opt_word(w, n, 1);
	if (id == NULL) {
		mxp_pp_problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "BEGIN needs a chart");
		return;
	}
	long long usec = 0;
	if (mxp_pp_opt_word(w, n, 2) != NULL && !mxp_pp_parse_ll(w[2], 0, LLONG_MAX / 2, &usec)) {
		mxp_pp_problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "BEGIN's microseconds are not a whole number");
		return;
	}
	if (pp->updating != NULL) {
		mxp_pp_problem(pp, MXP_PP_OUT_OF_ORDER, w, n, "BEGIN before the last update's END: its values are dropped");
		update_drop(pp);
	}
	struct pp_chart *c = mxp_pp_chart_find(pp, id);
	if (c == NULL) {
		mxp_pp_problem(pp, MXP_PP_NO_CHART, w, n, "BEGIN of a chart not defined");
		return;
	}
	pp->updating = c;
	pp->begin_usec = usec;
	c->cursor = 0;
}

/* SET id = value; an empty value is "not collected" */
static void cmd_set(struct mxp_pp *pp, char **w, size_t n)
{
	const char *id = mxp_pp_opt_word(w, n, 1);
	if (id == NULL) {
		mxp_pp_problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "SET needs a dimension");
		return;
	}
	struct pp_chart *c = pp->updating;
	if (c == NULL) {
		mxp_pp_problem(pp, MXP_PP_OUT_OF_ORDER, w, n, "SET outside BEGIN ... END");
		return;
	}
	struct pp_dim *d = mxp_pp_dim_find(c, id);
	if (d == NULL) {
		mxp_pp_problem(pp, MXP_PP_NO_DIMENSION, w, n, "SET of a dimension the chart does not have");
		return;
	}
	const char *v = mxp_pp_opt_word(w, n, 2);
	if (v == NULL) {
		d->set = false;
		return;
	}
	long long value;
	if (!mxp_pp_parse_ll(v, LLONG_MIN, LLONG_MAX, &value)) {
		mxp_pp_problem(pp, MXP_PP_BAD_VALUE, w, n, "SET's value is not a 64-bit whole number");
		return;
	}
	d->value = value;
	d->set = true;
}

static int64_t wall_usec(const struct timeval *now)
{
	struct timeval tv;
	if (now == NULL) {
		gettimeofday(&tv, NULL);
		now = &tv;
	}
	return (int64_t)now->tv_sec * USEC_PER_SEC + now->tv_usec;
}

/* END: the update's values to the store, at the time BEGIN's microseconds give after
 * the last update (netdata's way: the plugin times its own loop), or the clock's. */
static void cmd_end(struct mxp_pp *pp, char **w, size_t n, const struct timeval *now)
{
	struct pp_chart *c = pp->updating;
	if (c == NULL) {
		mxp_pp_problem(pp, MXP_PP_OUT_OF_ORDER, w, n, "END without BEGIN");
		return;
	}
	int64_t clock = wall_usec(now), t = clock;
	if (pp->begin_usec > 0 && c->last_usec > 0) {
		t = c->last_usec + pp->begin_usec;
		int64_t drift = t > clock ? t - clock : clock - t;
		if (drift > (int64_t)c->update_every * USEC_PER_SEC) {
			t = clock;
			pp->stats.resyncs++;
		}
	}
	for (uint32_t i = 0; i < c->ndims; i++) {
		struct pp_dim *d = &c->dims[i];
		if (i + PP_END_AHEAD < c->ndims)
			mxp_dim_prefetch_write(c->dims[i + PP_END_AHEAD].dim);
		if (!d->set)
			continue;
		mxp_dim_set(d->dim, d->value);
		d->set = false;
		pp->stats.values++;
	}
	struct timeval tv = {.tv_sec = (time_t)(t / USEC_PER_SEC), .tv_usec = (suseconds_t)(t % USEC_PER_SEC)};
	mxp_chart_done(c->chart, &tv);
	c->last_usec = t;
	pp->updating = NULL;
	pp->stats.updates++;
}

/* VARIABLE [GLOBAL|HOST|LOCAL|CHART] name = value: checked and counted; netdata's
 * exporters sent no variables, so they are not stored. */
static void cmd_variable(struct mxp_pp *pp, char **w, size_t n)
{
	size_t i = 1;
	const char *scope = mxp_pp_word(w, n, 1);
	if (scope != NULL && (strcmp(scope, "GLOBAL") == 0 || strcmp(scope, "HOST") == 0 ||
			      strcmp(scope, "LOCAL") == 0 || strcmp(scope, "CHART") == 0))
		i = 2;
	const char *name = mxp_pp_opt_word(w, n, i), *value = mxp_pp_opt_word(w, n, i + 1);
	char *end = NULL;
	if (name != NULL && value != NULL)
		(void)strtold(value, &end);
	if (name == NULL || value == NULL || end == value || *end != '\0') {
		mxp_pp_problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "VARIABLE needs a name and a number");
		return;
	}
	pp->stats.variables++;
}

/* LABEL name source value (netdata streams it as LABEL "name" = source "value"), or
 * LABEL name value */
static void cmd_label(struct mxp_pp *pp, char **w, size_t n)
{
	const char *name = mxp_pp_opt_word(w, n, 1), *value = mxp_pp_word(w, n, n >= 4 ? 3 : 2);
	if (name == NULL || value == NULL) {
		mxp_pp_problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "LABEL needs a name, a source and a value");
		return;
	}
	if (mxp_pp_label_set(&pp->host_labels, &pp->nhost_labels, &pp->host_labels_cap, name, value) != 0)
		mxp_pp_problem(pp, MXP_PP_NO_MEMORY, w, n, "cannot keep the label");
}

static void host_labels_clear(struct mxp_pp *pp)
{
	for (size_t i = 0; i < pp->nhost_labels; i++) {
		free((char *)pp->host_labels[i].name);
		free((char *)pp->host_labels[i].value);
	}
	pp->nhost_labels = 0;
}

/* OVERWRITE labels: the LABELs read since the last one are the host's labels now */
static void cmd_overwrite(struct mxp_pp *pp, char **w, size_t n)
{
	const char *what = mxp_pp_word(w, n, 1);
	if (what == NULL || strcmp(what, "labels") != 0) {
		mxp_pp_problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "OVERWRITE takes 'labels'");
		return;
	}
	if (pp->cb.host_labels == NULL) {
		pp->stats.ignored++;
	} else {
		struct mxp_host *h = pp->cb.host_labels(pp->cb.arg, pp->host_labels, pp->nhost_labels);
		if (h != NULL)
			pp->host = h;
	}
	host_labels_clear(pp);
}

enum mxp_pp_result mxp_pp_line(struct mxp_pp *pp, char *line, const struct timeval *now)
{
	if (pp->disabled)
		return MXP_PP_DISABLE;
	pp->stats.lines++;
	char *w[MXP_PP_WORDS_MAX];
	size_t n = split_words(line, w, MXP_PP_WORDS_MAX);
	if (n == 0)
		return MXP_PP_CONTINUE;
	const char *cmd = w[0];

	/* the hot three first: a million SET lines an interval is the common case */
	if (strcmp(cmd, "SET") == 0) {
		cmd_set(pp, w, n);
		return MXP_PP_CONTINUE;
	}
	if (strcmp(cmd, "CLABEL") == 0) {
		mxp_pp_cmd_clabel(pp, w, n);
		return MXP_PP_CONTINUE;
	}
	mxp_pp_pending_commit(pp);
	if (strcmp(cmd, "BEGIN") == 0)
		cmd_begin(pp, w, n);
	else if (strcmp(cmd, "END") == 0)
		cmd_end(pp, w, n, now);
	else if (strcmp(cmd, "CHART") == 0)
		mxp_pp_cmd_chart(pp, w, n);
	else if (strcmp(cmd, "DIMENSION") == 0)
		mxp_pp_cmd_dimension(pp, w, n);
	else if (strcmp(cmd, "CLABEL_COMMIT") == 0)
		; /* the chart was created above */
	else if (strcmp(cmd, "FLUSH") == 0)
		update_drop(pp);
	else if (strcmp(cmd, "VARIABLE") == 0)
		cmd_variable(pp, w, n);
	else if (strcmp(cmd, "LABEL") == 0)
		cmd_label(pp, w, n);
	else if (strcmp(cmd, "OVERWRITE") == 0)
		cmd_overwrite(pp, w, n);
	else if (strcmp(cmd, "DISABLE") == 0) {
		update_drop(pp);
		pp->disabled = true;
		return MXP_PP_DISABLE;
	} else {
		int r = pp->cb.command ? pp->cb.command(pp->cb.arg, w, n) : 0;
		if (r == 0)
			mxp_pp_problem(pp, MXP_PP_UNKNOWN_COMMAND, w, n, "not a command of netdata's plugin protocol");
		else if (r < 0)
			mxp_pp_problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "malformed");
	}
	return MXP_PP_CONTINUE;
}

enum mxp_pp_result mxp_pp_feed(struct mxp_pp *pp, char *data, size_t len, const struct timeval *now)
{
	char *p = data, *end = data + len;
	while (p < end && !pp->disabled) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t take = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (pp->skipping) {
			if (nl == NULL)
				return MXP_PP_CONTINUE;
			pp->skipping = false;
			p = nl + 1;
			continue;
		}
		if (pp->partial_len + take > MXP_PP_LINE_MAX) {
			char *w[1] = {"(a line longer than MXP_PP_LINE_MAX)"};
			pp->stats.lines++;
			mxp_pp_problem(pp, MXP_PP_TOO_LONG, w, 1, "skipped to its end");
			pp->partial_len = 0;
			pp->skipping = nl == NULL;
			p = nl ? nl + 1 : end;
			continue;
		}
		if (nl == NULL) {
			memcpy(pp->partial + pp->partial_len, p, take);
			pp->partial_len += take;
			break;
		}
		if (pp->partial_len > 0) {
			memcpy(pp->partial + pp->partial_len, p, take);
			pp->partial[pp->partial_len + take] = '\0';
			pp->partial_len = 0;
			mxp_pp_line(pp, pp->partial, now);
		} else {
			*nl = '\0';
			mxp_pp_line(pp, p, now);
		}
		p = nl + 1;
	}
	return pp->disabled ? MXP_PP_DISABLE : MXP_PP_CONTINUE;
}

struct mxp_pp *mxp_pp_new(struct mxp_host *host, int update_every, const struct mxp_pp_callbacks *cb)
{
	if (update_every < 1) {
		errno = EINVAL;
		return NULL;
	}
	struct mxp_pp *pp = calloc(1, sizeof(*pp));
	if (pp == NULL || (pp->partial = malloc(MXP_PP_LINE_MAX + 1)) == NULL) {
		free(pp);
		errno = ENOMEM;
		return NULL;
	}
	pp->host = host;
	pp->update_every = update_every;
	if (cb != NULL)
		pp->cb = *cb;
	return pp;
}

void mxp_pp_set_host(struct mxp_pp *pp, struct mxp_host *host)
{
	pp->host = host;
}

void mxp_pp_reset(struct mxp_pp *pp)
{
	update_drop(pp);
	mxp_pp_pending_clear(&pp->pending);
	host_labels_clear(pp);
	pp->current = NULL;
	pp->partial_len = 0;
	pp->skipping = false;
	pp->disabled = false;
	for (uint32_t i = 0; i < pp->ncharts; i++)
		pp->charts[i]->last_usec = 0; /* the next BEGIN's microseconds are not since ours */
}

void mxp_pp_get_stats(const struct mxp_pp *pp, struct mxp_pp_stats *out)
{
	*out = pp->stats;
}

void mxp_pp_free(struct mxp_pp *pp)
{
	if (pp == NULL)
		return;
	mxp_pp_pending_clear(&pp->pending);
	free(pp->pending.labels);
	host_labels_clear(pp);
	free(pp->host_labels);
	mxp_pp_charts_free(pp);
	free(pp->partial);
	free(pp);
}
