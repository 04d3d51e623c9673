/* plugin_charts.c — the charts a plugins.d parser defines (CHART, CLABEL, DIMENSION) and
 * its index of them: by id and by name for the charts, by id with a cursor for a
 * chart's dimensions (SET lines come in DIMENSION order, so the next dimension is tried
 * before the index). A CHART waits for its CLABELs and is created in the store by the
 * next other command (mxp_pp_pending_commit). See plugin_protocol.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/plugin_internal.h"

/* ---- a string index: open addressing over positions in an array ---- */

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

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

/* ---- charts ---- */

struct pp_chart *mxp_pp_chart_find(const struct mxp_pp *pp, const char *id)
{
	int64_t k = strindex_find(&pp->key_index, hash_str(id), id, key_key_at, pp);
	if (k < 0)
		return NULL;
	struct pp_chart *c = pp->charts[pp->keys[k].chart];
	return c->removed ? NULL : c;
}

struct mxp_chart *mxp_pp_chart(const struct mxp_pp *pp, const char *id)
{
	struct pp_chart *c = mxp_pp_chart_find(pp, id);
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

void mxp_pp_pending_clear(struct pending_chart *p)
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
void mxp_pp_pending_commit(struct mxp_pp *pp)
{
	struct pending_chart *p = &pp->pending;
	if (!p->active)
		return;
	char full[MXP_PP_LINE_MAX];
	snprintf(full, sizeof(full), "%s.%s", p->def.type, p->def.id);
	struct pp_chart *c = mxp_pp_chart_find(pp, full);
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
		mxp_pp_pending_clear(p);
		return;
	}
	if (p->obsolete) {
		mxp_pp_pending_clear(p); /* never created, nothing to remove */
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
			mxp_pp_problem(pp, MXP_PP_NO_HOST, w, 1, "a chart before the stream named its host");
		else if (e == EEXIST)
			mxp_pp_problem(pp, MXP_PP_CONFLICT, w, 1, "another source writes a chart of this id");
		else if (e == ENOMEM)
			mxp_pp_problem(pp, MXP_PP_NO_MEMORY, w, 1, "cannot create the chart");
		else
			mxp_pp_problem(pp, MXP_PP_BAD_ARGUMENT, w, 1, "the store refused the chart");
		mxp_pp_pending_clear(p);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c != NULL)
		c->id = strdup(full);
	if (c == NULL || c->id == NULL) {
		free(c);
		mxp_chart_remove(mc);
		mxp_pp_problem(pp, MXP_PP_NO_MEMORY, w, 1, "cannot index the chart");
		mxp_pp_pending_clear(p);
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
		if (strcmp(named, full) != 0 && mxp_pp_chart_find(pp, named) == NULL && key_add(pp, named, pos) != 0)
			goto no_memory;
	}
	pp->current = c;
	pp->stats.charts++;
	mxp_pp_pending_clear(p);
	return;
no_memory:
	mxp_pp_problem(pp, MXP_PP_NO_MEMORY, w, 1, "cannot index the chart");
	mxp_pp_pending_clear(p);
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
void mxp_pp_cmd_chart(struct mxp_pp *pp, char **w, size_t n)
{
	const char *full = mxp_pp_word(w, n, 1);
	const char *dot = full ? strchr(full, '.') : NULL;
	if (full == NULL || dot == NULL || dot == full || dot[1] == '\0') {
		mxp_pp_problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "CHART needs type.id");
		return;
	}
	int update_every = pp->update_every;
	long long ue;
	if (mxp_pp_opt_word(w, n, 9) != NULL) {
		if (!mxp_pp_parse_ll(w[9], 0, 86400, &ue)) {
			mxp_pp_problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "CHART's update_every is not 0 to 86400 seconds");
			return;
		}
		if (ue > 0)
			update_every = (int)ue;
	}
	bool obsolete = false;
	const char *options = mxp_pp_opt_word(w, n, 10);
	if (options != NULL) {
		char opts[MXP_PP_LINE_MAX];
		snprintf(opts, sizeof(opts), "%s", options);
		for (char *save = NULL, *o = strtok_r(opts, " \t", &save); o; o = strtok_r(NULL, " \t", &save))
			if (strcmp(o, "obsolete") == 0)
				obsolete = true;
	}
	const char *name = mxp_pp_opt_word(w, n, 2);
	if (name != NULL && (strcmp(name, "null") == 0 || strcmp(name, "(null)") == 0))
		name = NULL;
	/* the name may come with its type ("disk.sda") or without ("sda") */
	size_t tlen = (size_t)(dot - full);
	if (name != NULL && strncmp(name, full, tlen) == 0 && name[tlen] == '.' && name[tlen + 1] != '\0')
		name += tlen + 1;

	struct pending_chart *p = &pp->pending;
	mxp_pp_pending_clear(p);
	char type[MXP_PP_LINE_MAX];
	snprintf(type, sizeof(type), "%.*s", (int)tlen, full);
	p->def = (struct mxp_chart_def){
		.type = keep(p, type),
		.id = keep(p, dot + 1),
		.name = keep(p, name),
		.title = keep(p, mxp_pp_opt_word(w, n, 3)),
		.units = keep(p, mxp_pp_opt_word(w, n, 4)),
		.family = keep(p, mxp_pp_opt_word(w, n, 5)),
		.context = keep(p, mxp_pp_opt_word(w, n, 6)),
		.chart_type = keep(p, mxp_pp_opt_word(w, n, 7)),
		.update_every = update_every,
	};
	if (p->def.type == NULL || p->def.id == NULL) {
		mxp_pp_pending_clear(p);
		mxp_pp_problem(pp, MXP_PP_NO_MEMORY, w, n, "cannot keep the chart's definition");
		return;
	}
	p->obsolete = obsolete;
	p->active = true;
}

/* Sets name=value in a label list (the last value of a name wins); -1 when out of
 * memory. */
int mxp_pp_label_set(struct mxp_label **labels, size_t *n, size_t *cap, const char *name, const char *value)
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
void mxp_pp_cmd_clabel(struct mxp_pp *pp, char **w, size_t n)
{
	const char *name = mxp_pp_opt_word(w, n, 1), *value = mxp_pp_word(w, n, 2);
	if (name == NULL || value == NULL) {
		mxp_pp_problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "CLABEL needs a name and a value");
		return;
	}
	struct pending_chart *p = &pp->pending;
	if (!p->active) {
		pp->stats.ignored++; /* the chart exists: its labels are fixed */
		return;
	}
	if (mxp_pp_label_set(&p->labels, &p->nlabels, &p->labels_cap, name, value) != 0)
		mxp_pp_problem(pp, MXP_PP_NO_MEMORY, w, n, "cannot keep the label");
}

struct pp_dim *mxp_pp_dim_find(struct pp_chart *c, const char *id)
{
	if (c->cursor < c->ndims && strcmp(c->dims[c->cursor].id, id) == 0) {
		/* the next SET most likely names the next dim: its id (an allocation of its
		 * own) is on its way while this line is handled. A cpu-clock profile at 100k
		 * dims had strcmp at about half of the reader's samples; with this and END's
		 * prefetch the reader took 3-11% less CPU at 1M (two runs each) */
		if (c->cursor + 1 < c->ndims)
			__builtin_prefetch(c->dims[c->cursor + 1].id);
		return &c->dims[c->cursor++];
	}
	int64_t pos = strindex_find(&c->dim_index, hash_str(id), id, dim_key_at, c);
	if (pos < 0)
		return NULL;
	c->cursor = (uint32_t)pos + 1;
	return &c->dims[pos];
}

/* DIMENSION id [name [algorithm [multiplier [divisor [options]]]]] */
void mxp_pp_cmd_dimension(struct mxp_pp *pp, char **w, size_t n)
{
	const char *id = mxp_pp_opt_word(w, n, 1);
	if (id == NULL) {
		mxp_pp_problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "DIMENSION needs an id");
		return;
	}
	struct pp_chart *c = pp->current;
	if (c == NULL) {
		mxp_pp_problem(pp, MXP_PP_NO_CHART, w, n, "DIMENSION without a CHART before it");
		return;
	}
	long long mul = 1, div = 1;
	if (mxp_pp_opt_word(w, n, 4) != NULL && !mxp_pp_parse_ll(w[4], LONG_MIN, LONG_MAX, &mul)) {
		mxp_pp_problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "DIMENSION's multiplier is not an integer");
		return;
	}
	if (mxp_pp_opt_word(w, n, 5) != NULL && !mxp_pp_parse_ll(w[5], LONG_MIN, LONG_MAX, &div)) {
		mxp_pp_problem(pp, MXP_PP_BAD_ARGUMENT, w, n, "DIMENSION's divisor is not an integer");
		return;
	}
	const char *options = mxp_pp_opt_word(w, n, 6);
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
	if (mxp_pp_opt_word(w, n, 3) != NULL && mxp_algorithm_parse(w[3], &alg) != 0)
		alg = MXP_ALG_ABSOLUTE;
	if (c->ndims == c->dims_cap) {
		uint32_t cap = c->dims_cap ? c->dims_cap * 2 : 8;
		struct pp_dim *d = realloc(c->dims, cap * sizeof(*d));
		if (d == NULL) {
			mxp_pp_problem(pp, MXP_PP_NO_MEMORY, w, n, "cannot index the dimension");
			return;
		}
		c->dims = d;
		c->dims_cap = cap;
	}
	struct mxp_dim *md = mxp_dim_add(c->chart, id, mxp_pp_opt_word(w, n, 2), (long)mul, (long)div, alg);
	char *copy = md ? strdup(id) : NULL;
	if (md == NULL || copy == NULL) {
		free(copy);
		mxp_pp_problem(pp, errno == EEXIST ? MXP_PP_CONFLICT : MXP_PP_NO_MEMORY, w, n, "the store refused the dimension");
		return;
	}
	c->dims[c->ndims] = (struct pp_dim){.id = copy, .hash = h, .dim = md};
	if (strindex_add(&c->dim_index, h, c->ndims, dim_hash_at, c) != 0) {
		free(copy);
		mxp_pp_problem(pp, MXP_PP_NO_MEMORY, w, n, "cannot index the dimension");
		return;
	}
	c->ndims++;
	pp->stats.dims++;
}

/* Frees the parser's index of charts (the charts stay in the store). */
void mxp_pp_charts_free(struct mxp_pp *pp)
{
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
}
