/* plugin_internal.h — what the plugins.d parser's two files share: the parser's state
 * (plugin_protocol.c: lines, words, updates; plugin_charts.c: the charts it defines and
 * its index of them). Not an API: only those two files include it. */
#ifndef MXP_PLUGIN_INTERNAL_H
#define MXP_PLUGIN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "collect/plugin_protocol.h"

struct strindex {
	uint32_t *slot;           /* position + 1; 0 = empty */
	uint32_t mask;            /* capacity - 1 (capacity a power of two), 0 = none */
	uint32_t used;
};

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

/* plugin_protocol.c */
void mxp_pp_problem(struct mxp_pp *pp, enum mxp_pp_problem kind, char **w, size_t n, const char *why);
const char *mxp_pp_word(char **w, size_t n, size_t i);
const char *mxp_pp_opt_word(char **w, size_t n, size_t i);
bool mxp_pp_parse_ll(const char *s, long long min, long long max, long long *out);

/* plugin_charts.c */
struct pp_chart *mxp_pp_chart_find(const struct mxp_pp *pp, const char *id);
struct pp_dim *mxp_pp_dim_find(struct pp_chart *c, const char *id);
void mxp_pp_pending_clear(struct pending_chart *p);
void mxp_pp_pending_commit(struct mxp_pp *pp);
void mxp_pp_cmd_chart(struct mxp_pp *pp, char **w, size_t n);
void mxp_pp_cmd_clabel(struct mxp_pp *pp, char **w, size_t n);
void mxp_pp_cmd_dimension(struct mxp_pp *pp, char **w, size_t n);
int mxp_pp_label_set(struct mxp_label **labels, size_t *n, size_t *cap, const char *name, const char *value);
void mxp_pp_charts_free(struct mxp_pp *pp);

#endif
