/* plugin_protocol.c — netdata's plugins.d protocol into the store (see the header).
 *
 * The parser keeps its own index of the charts it created (by id and by name) and of
 * each chart's dimensions (by id, with a cursor: SET lines come in DIMENSION order, so
 * the next dimension is tried before the index). Values of an update are held here
 * until END, so that FLUSH can drop them; END hands them to mxp_dim_set and ends the
 * update with mxp_chart_done.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/plugin_protocol.h"

#define USEC_PER_SEC 1000000LL

/* ---- a string index: open addressing over positions in an array ---- */

struct strindex {
	uint32_t *slot;           /* position + 1; 0 = empty */
	uint32_t mask;            /* capacity - 1 (capacity a power of two), 0 = none */
	uint32_t used;
};

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct pp_dim {
	char *id;
	uint32_t hash;
	struct mxp_dim *dim;
	long long value;
	bool set;
};

struct pp_chart {
	char *id;                 /* "type.id" */
	struct mxp_chart *chart;
	int update_every;
	int64_t last_usec;        /* time of the last update; 0 = none */
	struct pp_dim *dims;
	uint32_t ndims, dims_cap;
	struct strindex dim_index;
	uint32_t cursor;          /* the dim the next SET most likely names */
	bool removed;             /* made obsolete: forgotten, may be defined again */
};

struct pp_key {
	char *key;                /* a chart's id or "type.name" */
	uint32_t hash;
	uint32_t chart;           /* position in pp->charts */
};

/* A CHART line waits here for its CLABELs until the next other command. */
struct pending_chart {
	bool active;
	bool obsolete;
	struct mxp_chart_def def;
	char *words[MXP_PP_WORDS_MAX]; /* copies the def points into */
	size_t nwords;
	struct mxp_label *labels;
	size_t nlabels, labels_cap;
};

struct mxp_pp {
	struct mxp_host *host;
	int update_every;
	struct mxp_pp_callbacks cb;
	struct mxp_pp_stats stats;
	bool reported[MXP_PP_NPROBLEMS];
	bool disabled;

	struct pp_chart **charts;
	uint32_t ncharts, charts_cap;
	struct pp_key *keys;
	uint32_t nkeys, keys_cap;
	struct strindex key_index;

	struct pp_chart *current;    /* the chart of the last CHART (for DIMENSION) */
	struct pp_chart *updating;   /* between BEGIN and END */
	int64_t begin_usec;          /* BEGIN's microseconds, 0 = not given */
	struct pending_chart pending;

	struct mxp_label *host_labels;
	size_t nhost_labels, host_labels_cap;

	char *partial;               /* a line not ended yet */
	size_t partial_len;
	bool skipping;               /* inside a too-long line, up to its newline */
};

static int strindex_grow(struct strindex *x, uint32_t (*hash_at)(const void *ctx, uint32_t pos), const void *ctx)
{
	uint32_t cap = x->mask ? (x->mask + 1) * 2 : 16;
	uint32_t *slot = calloc(cap, sizeof(*slot));
	if (slot == NULL)
		return -1;
	for (uint32_t i = 0; x->mask && i <= x->mask; i++) {
		if (x->slot[i] == 0)
			continue;
		uint32_t j = hash_at(ctx, x->slot[i] - 1) & (cap - 1);
		while (slot[j] != 0)
			j = (j + 1) & (cap - 1);
		slot[j] = x->slot[i];
	}
	free(x->slot);
	x->slot = slot;
	x->mask = cap - 1;
	return 0;
}

/* Adds pos (whose key hashes to h); grows at half full. */
static int strindex_add(struct strindex *x, uint32_t h, uint32_t pos,
			uint32_t (*hash_at)(const void *ctx, uint32_t pos), const void *ctx)
{
	if ((x->used + 1) * 2 > (x->mask ? x->mask + 1 : 0) && strindex_grow(x, hash_at, ctx) != 0)
		return -1;
	uint32_t j = h & x->mask;
	while (x->slot[j] != 0)
		j = (j + 1) & x->mask;
	x->slot[j] = pos + 1;
	x->used++;
	return 0;
}

/* Returns the position whose key equals key, or -1. */
static int64_t strindex_find(const struct strindex *x, uint32_t h, const char *key,
			     const char *(*key_at)(const void *ctx, uint32_t pos), const void *ctx)
{
	if (x->mask == 0)
		return -1;
	for (uint32_t j = h & x->mask; x->slot[j] != 0; j = (j + 1) & x->mask)
		if (strcmp(key_at(ctx, x->slot[j] - 1), key) == 0)
			return x->slot[j] - 1;
	return -1;
}

static uint32_t dim_hash_at(const void *ctx, uint32_t pos)
{
	return ((const struct pp_chart *)ctx)->dims[pos].hash;
}
static const char *dim_key_at(const void *ctx, uint32_t pos)
{
	return ((const struct pp_chart *)ctx)->dims[pos].id;
}
static uint32_t key_hash_at(const void *ctx, uint32_t pos)
{
	return ((const struct mxp_pp *)ctx)->keys[pos].hash;
}
static const char *key_key_at(const void *ctx, uint32_t pos)
{
	return ((const struct mxp_pp *)ctx)->keys[pos].key;
}

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
static void problem(struct mxp_pp *pp, enum mxp_pp_problem kind, char **w, size_t n, const char *why)
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

static const char *word(char **w, size_t n, size_t i)
{
	return i < n ? w[i] : NULL;
}

/* An optional word: NULL when missing or empty. */
static const char *opt_word(char **w, size_t n, size_t i)
{
	return i < n && w[i][0] != '\0' ? w[i] : NULL;
}

/* A whole decimal number in [min, max]; false when it is not one. */
static bool parse_ll(const char *s, long long min, long long max, long long *out)
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

/* ---- charts ---- */

static struct pp_chart *chart_find(const struct mxp_pp *pp, const char *id)
{
	int64_t k = strindex_find(&pp->key_index, hash_str(id), id, key_key_at, pp);
	if (k < 0)
		return NULL;
	struct pp_chart *c = pp->charts[pp->keys[k].chart];
	return c->removed ? NULL : c;
}

struct mxp_chart *mxp_pp_chart(const struct mxp_pp *pp, const char *id)
{
	struct pp_chart *c = chart_find(pp, id);
	return c ? c->chart : NULL;
}

static int key_add(struct mxp_pp *pp, const char *key, uint32_t chart)
{
	if (pp->nkeys == pp->keys_cap) {
		uint32_t cap = pp->keys_cap ? pp->keys_cap * 2 : 16;
		struct pp_key *k = realloc(pp->keys, cap * sizeof(*k));
		if (k == NULL)
			return -1;
		pp->keys = k;
		pp->keys_cap = cap;
	}
	char *copy = strdup(key);
	if (copy == NULL)
		return -1;
	uint32_t h = hash_str(key);
	pp->keys[pp->nkeys] = (struct pp_key){copy, h, chart};
	if (strindex_add(&pp->key_index, h, pp->nkeys, key_hash_at, pp) != 0) {
		free(copy);
		return -1;
	}
	pp->nkeys++;
	return 0;
}

static void pending_clear(struct pending_chart *p)
{
	for (size_t i = 0; i < p->nwords; i++)
		free(p->words[i]);
	for (size_t i = 0; i < p->nlabels; i++) {
		free((char *)p->labels[i].name);
		free((char *)p->labels[i].value);
	}
	p->nwords = 0;
	p->nlabels = 0;
	p->active = false;
	p->obsolete = false;
	memset(&p->def, 0, sizeof(p->def));
}

/* Forgets a chart made obsolete: removed from the store, its keys no longer found (they
 * stay in the index, pointing at a removed entry, until the same id comes again). */
static void chart_obsolete(struct mxp_pp *pp, struct pp_chart *c)
{
	if (pp->updating == c)
		pp->updating = NULL;
	if (pp->current == c)
		pp->current = NULL;
	mxp_chart_remove(c->chart);
	c->chart = NULL;
	c->removed = true;
	pp->stats.obsoleted++;
}

/* Creates the chart a CHART line described (or finds it again), once its CLABELs are
 * read: called before any command other than CLABEL. */
static void pending_commit(struct mxp_pp *pp)
{
	struct pending_chart *p = &pp->pending;
	if (!p->active)
		return;
	char full[MXP_PP_LINE_MAX];
	snprintf(full, sizeof(full), "%s.%s", p->def.type, p->def.id);
	struct pp_chart *c = chart_find(pp, full);
	if (c != NULL) {
		/* a chart defined again (netdata children send CHART again on every
		 * reconnection): the store keeps its first definition */
		if (p->obsolete)
			chart_obsolete(pp, c);
		else {
			pp->current = c;
			if (p->nlabels)
				pp->stats.ignored++;
		}
		pending_clear(p);
		return;
	}
	if (p->obsolete) {
		pending_clear(p); /* never created, nothing to remove */
		return;
	}
	p->def.labels = p->labels;
	p->def.nlabels = p->nlabels;
	char *w[1] = {full};
	if (pp->host == NULL && pp->cb.need_host != NULL)
		pp->host = pp->cb.need_host(pp->cb.arg);
	struct mxp_chart *mc = pp->host ? mxp_chart_add(pp->host, &p->def) : NULL;
	if (mc == NULL) {
		int e = pp->host ? errno : 0;
		if (pp->host == NULL)
			problem(pp, MXP_PP_NO_HOST, w, 1, "a chart before the stream named its host");
		else if (e == EEXIST)
			problem(pp, MXP_PP_CONFLICT, w, 1, "another source writes a chart of this id");
		else if (e == ENOMEM)
			problem(pp, MXP_PP_NO_MEMORY, w, 1, "cannot create the chart");
		else
			problem(pp, MXP_PP_BAD_ARGUMENT, w, 1, "the store refused the chart");
		pending_clear(p);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c != NULL)
		c->id = strdup(full);
	if (c == NULL || c->id == NULL) {
		free(c);
		mxp_chart_remove(mc);
		problem(pp, MXP_PP_NO_MEMORY, w, 1, "cannot index the chart");
		pending_clear(p);
		return;
	}
	c->chart = mc;
	c->update_every = p->def.update_every;
	if (pp->ncharts == pp->charts_cap) {
		uint32_t cap = pp->charts_cap ? pp->charts_cap * 2 : 16;
		struct pp_chart **a = realloc(pp->charts, cap * sizeof(*a));
		if (a == NULL)
			goto no_memory;
		pp->charts = a;
		pp->charts_cap = cap;
	}
	uint32_t pos = pp->ncharts;
	pp->charts[pp->ncharts++] = c;
	/* a chart of that id made obsolete before: its old keys point at the old entry, and
	 * strindex_find returns the first match, so a new key would never be found; reuse
	 * the old keys instead */
	bool reused = false;
	for (uint32_t k = 0; k < pp->nkeys; k++) {
		struct pp_chart *old = pp->charts[pp->keys[k].chart];
		if (old->removed && strcmp(old->id, full) == 0) {
			pp->keys[k].chart = pos;
			reused = true;
		}
	}
	if (!reused && key_add(pp, full, pos) != 0)
		goto no_memory;
	if (p->def.name != NULL) {
		char named[MXP_PP_LINE_MAX];
		snprintf(named, sizeof(named), "%s.%s", p->def.type, p->def.name);
		if (strcmp(named, full) != 0 && chart_find(pp, named) == NULL && key_add(pp, named, pos) != 0)
			goto no_memory;
	}
	pp->current = c;
	pp->stats.charts++;
	pending_clear(p);
	return;
no_memory:
	problem(pp, MXP_PP_NO_MEMORY, w, 1, "cannot index the chart");
	pending_clear(p);
}

static char *keep(struct pending_chart *p, const char *s)
{
	if (s == NULL)
		return NULL;
	char *c = strdup(s);
	if (c != NULL)
		p->words[p->nwords++] = c;
	return c;
}

/* CHART type.id name title units [family [context [charttype [priority [update_every
 *       [options [plugin [module]]]]]]]] */
static void cmd_chart(struct mxp_pp *pp, char **w, size_t n)
{
	const char *full = word(w, n, 1);
	const char *dot = full ? strchr(full, '.') : NULL;
	if (full == NULL || dot == NULL || dot == full || dot[1] == '\0') {
		problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "CHART needs type.id");
		return;
	}
	int update_every = pp->update_every;
	long long ue;
	if (opt_word(w, n, 9) != NULL) {
		if (!parse_ll(w[9], 0, 86400, &ue)) {
			problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "CHART's update_every is not 0 to 86400 seconds");
			return;
		}
		if (ue > 0)
			update_every = (int)ue;
	}
	bool obsolete = false;
	const char *options = opt_word(w, n, 10);
	if (options != NULL) {
		char opts[MXP_PP_LINE_MAX];
		snprintf(opts, sizeof(opts), "%s", options);
		for (char *save = NULL, *o = strtok_r(opts, " \t", &save); o; o = strtok_r(NULL, " \t", &save))
			if (strcmp(o, "obsolete") == 0)
				obsolete = true;
	}
	const char *name = opt_word(w, n, 2);
	if (name != NULL && (strcmp(name, "null") == 0 || strcmp(name, "(null)") == 0))
		name = NULL;
	/* the name may come with its type ("disk.sda") or without ("sda") */
	size_t tlen = (size_t)(dot - full);
	if (name != NULL && strncmp(name, full, tlen) == 0 && name[tlen] == '.' && name[tlen + 1] != '\0')
		name += tlen + 1;

	struct pending_chart *p = &pp->pending;
	pending_clear(p);
	char type[MXP_PP_LINE_MAX];
	snprintf(type, sizeof(type), "%.*s", (int)tlen, full);
	p->def = (struct mxp_chart_def){
		.type = keep(p, type),
		.id = keep(p, dot + 1),
		.name = keep(p, name),
		.title = keep(p, opt_word(w, n, 3)),
		.units = keep(p, opt_word(w, n, 4)),
		.family = keep(p, opt_word(w, n, 5)),
		.context = keep(p, opt_word(w, n, 6)),
		.chart_type = keep(p, opt_word(w, n, 7)),
		.update_every = update_every,
	};
	if (p->def.type == NULL || p->def.id == NULL) {
		pending_clear(p);
		problem(pp, MXP_PP_NO_MEMORY, w, n, "cannot keep the chart's definition");
		return;
	}
	p->obsolete = obsolete;
	p->active = true;
}

/* Sets name=value in a label list (the last value of a name wins); -1 when out of
 * memory. */
static int label_set(struct mxp_label **labels, size_t *n, size_t *cap, const char *name, const char *value)
{
	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*labels)[i].name, name) == 0) {
			char *v = strdup(value);
			if (v == NULL)
				return -1;
			free((char *)(*labels)[i].value);
			(*labels)[i].value = v;
			return 0;
		}
	}
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		struct mxp_label *l = realloc(*labels, c * sizeof(*l));
		if (l == NULL)
			return -1;
		*labels = l;
		*cap = c;
	}
	char *nm = strdup(name), *v = strdup(value);
	if (nm == NULL || v == NULL) {
		free(nm);
		free(v);
		return -1;
	}
	(*labels)[(*n)++] = (struct mxp_label){nm, v};
	return 0;
}

/* CLABEL name value source */
static void cmd_clabel(struct mxp_pp *pp, char **w, size_t n)
{
	const char *name = opt_word(w, n, 1), *value = word(w, n, 2);
	if (name == NULL || value == NULL) {
		problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "CLABEL needs a name and a value");
		return;
	}
	struct pending_chart *p = &pp->pending;
	if (!p->active) {
		pp->stats.ignored++; /* the chart exists: its labels are fixed */
		return;
	}
	if (label_set(&p->labels, &p->nlabels, &p->labels_cap, name, value) != 0)
		problem(pp, MXP_PP_NO_MEMORY, w, n, "cannot keep the label");
}

static struct pp_dim *dim_find(struct pp_chart *c, const char *id)
{
	if (c->cursor < c->ndims && strcmp(c->dims[c->cursor].id, id) == 0)
		return &c->dims[c->cursor++];
	int64_t pos = strindex_find(&c->dim_index, hash_str(id), id, dim_key_at, c);
	if (pos < 0)
		return NULL;
	c->cursor = (uint32_t)pos + 1;
	return &c->dims[pos];
}

/* DIMENSION id [name [algorithm [multiplier [divisor [options]]]]] */
static void cmd_dimension(struct mxp_pp *pp, char **w, size_t n)
{
	const char *id = opt_word(w, n, 1);
	if (id == NULL) {
		problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "DIMENSION needs an id");
		return;
	}
	struct pp_chart *c = pp->current;
	if (c == NULL) {
		problem(pp, MXP_PP_NO_CHART, w, n, "DIMENSION without a CHART before it");
		return;
	}
	long long mul = 1, div = 1;
	if (opt_word(w, n, 4) != NULL && !parse_ll(w[4], LONG_MIN, LONG_MAX, &mul)) {
		problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "DIMENSION's multiplier is not an integer");
		return;
	}
	if (opt_word(w, n, 5) != NULL && !parse_ll(w[5], LONG_MIN, LONG_MAX, &div)) {
		problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "DIMENSION's divisor is not an integer");
		return;
	}
	const char *options = opt_word(w, n, 6);
	if (options != NULL && strstr(options, "obsolete") != NULL) {
		pp->stats.ignored++; /* dims are not removed from the store */
		return;
	}
	uint32_t h = hash_str(id);
	if (strindex_find(&c->dim_index, h, id, dim_key_at, c) >= 0) {
		pp->stats.ignored++; /* defined again: the first definition stays */
		return;
	}
	/* netdata: an empty, invalid or missing algorithm is absolute */
	enum mxp_algorithm alg = MXP_ALG_ABSOLUTE;
	if (opt_word(w, n, 3) != NULL && mxp_algorithm_parse(w[3], &alg) != 0)
		alg = MXP_ALG_ABSOLUTE;
	if (c->ndims == c->dims_cap) {
		uint32_t cap = c->dims_cap ? c->dims_cap * 2 : 8;
		struct pp_dim *d = realloc(c->dims, cap * sizeof(*d));
		if (d == NULL) {
			problem(pp, MXP_PP_NO_MEMORY, w, n, "cannot index the dimension");
			return;
		}
		c->dims = d;
		c->dims_cap = cap;
	}
	struct mxp_dim *md = mxp_dim_add(c->chart, id, opt_word(w, n, 2), (long)mul, (long)div, alg);
	char *copy = md ? strdup(id) : NULL;
	if (md == NULL || copy == NULL) {
		free(copy);
		problem(pp, errno == EEXIST ? MXP_PP_CONFLICT : MXP_PP_NO_MEMORY, w, n, "the store refused the dimension");
		return;
	}
	c->dims[c->ndims] = (struct pp_dim){.id = copy, .hash = h, .dim = md};
	if (strindex_add(&c->dim_index, h, c->ndims, dim_hash_at, c) != 0) {
		free(copy);
		problem(pp, MXP_PP_NO_MEMORY, w, n, "cannot index the dimension");
		return;
	}
	c->ndims++;
	pp->stats.dims++;
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
	const char *id = opt_word(w, n, 1);
	if (id == NULL) {
		problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "BEGIN needs a chart");
		return;
	}
	long long usec = 0;
	if (opt_word(w, n, 2) != NULL && !parse_ll(w[2], 0, LLONG_MAX / 2, &usec)) {
		problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "BEGIN's microseconds are not a whole number");
		return;
	}
	if (pp->updating != NULL) {
		problem(pp, MXP_PP_OUT_OF_ORDER, w, n, "BEGIN before the last update's END: its values are dropped");
		update_drop(pp);
	}
	struct pp_chart *c = chart_find(pp, id);
	if (c == NULL) {
		problem(pp, MXP_PP_NO_CHART, w, n, "BEGIN of a chart not defined");
		return;
	}
	pp->updating = c;
	pp->begin_usec = usec;
	c->cursor = 0;
}

/* SET id = value; an empty value is "not collected" */
static void cmd_set(struct mxp_pp *pp, char **w, size_t n)
{
	const char *id = opt_word(w, n, 1);
	if (id == NULL) {
		problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "SET needs a dimension");
		return;
	}
	struct pp_chart *c = pp->updating;
	if (c == NULL) {
		problem(pp, MXP_PP_OUT_OF_ORDER, w, n, "SET outside BEGIN ... END");
		return;
	}
	struct pp_dim *d = dim_find(c, id);
	if (d == NULL) {
		problem(pp, MXP_PP_NO_DIMENSION, w, n, "SET of a dimension the chart does not have");
		return;
	}
	const char *v = opt_word(w, n, 2);
	if (v == NULL) {
		d->set = false;
		return;
	}
	long long value;
	if (!parse_ll(v, LLONG_MIN, LLONG_MAX, &value)) {
		problem(pp, MXP_PP_BAD_VALUE, w, n, "SET's value is not a 64-bit whole number");
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
		problem(pp, MXP_PP_OUT_OF_ORDER, w, n, "END without BEGIN");
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
	const char *scope = word(w, n, 1);
	if (scope != NULL && (strcmp(scope, "GLOBAL") == 0 || strcmp(scope, "HOST") == 0 ||
			      strcmp(scope, "LOCAL") == 0 || strcmp(scope, "CHART") == 0))
		i = 2;
	const char *name = opt_word(w, n, i), *value = opt_word(w, n, i + 1);
	char *end = NULL;
	if (name != NULL && value != NULL)
		(void)strtold(value, &end);
	if (name == NULL || value == NULL || end == value || *end != '\0') {
		problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "VARIABLE needs a name and a number");
		return;
	}
	pp->stats.variables++;
}

/* LABEL name source value (netdata streams it as LABEL "name" = source "value"), or
 * LABEL name value */
static void cmd_label(struct mxp_pp *pp, char **w, size_t n)
{
	const char *name = opt_word(w, n, 1), *value = word(w, n, n >= 4 ? 3 : 2);
	if (name == NULL || value == NULL) {
		problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "LABEL needs a name, a source and a value");
		return;
	}
	if (label_set(&pp->host_labels, &pp->nhost_labels, &pp->host_labels_cap, name, value) != 0)
		problem(pp, MXP_PP_NO_MEMORY, w, n, "cannot keep the label");
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
	const char *what = word(w, n, 1);
	if (what == NULL || strcmp(what, "labels") != 0) {
		problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "OVERWRITE takes 'labels'");
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
		cmd_clabel(pp, w, n);
		return MXP_PP_CONTINUE;
	}
	pending_commit(pp);
	if (strcmp(cmd, "BEGIN") == 0)
		cmd_begin(pp, w, n);
	else if (strcmp(cmd, "END") == 0)
		cmd_end(pp, w, n, now);
	else if (strcmp(cmd, "CHART") == 0)
		cmd_chart(pp, w, n);
	else if (strcmp(cmd, "DIMENSION") == 0)
		cmd_dimension(pp, w, n);
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
			problem(pp, MXP_PP_UNKNOWN_COMMAND, w, n, "not a command of netdata's plugin protocol");
		else if (r < 0)
			problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "malformed");
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
			problem(pp, MXP_PP_TOO_LONG, w, 1, "skipped to its end");
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
	pending_clear(&pp->pending);
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
	pending_clear(&pp->pending);
	free(pp->pending.labels);
	host_labels_clear(pp);
	free(pp->host_labels);
	for (uint32_t i = 0; i < pp->ncharts; i++) {
		struct pp_chart *c = pp->charts[i];
		for (uint32_t j = 0; j < c->ndims; j++)
			free(c->dims[j].id);
		free(c->dims);
		free(c->dim_index.slot);
		free(c->id);
		free(c);
	}
	free(pp->charts);
	for (uint32_t k = 0; k < pp->nkeys; k++)
		free(pp->keys[k].key);
	free(pp->keys);
	free(pp->key_index.slot);
	free(pp->partial);
	free(pp);
}
