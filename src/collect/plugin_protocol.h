/* plugin_protocol.h — netdata's plugins.d text protocol, read into the store.
 *
 * The protocol is what a netdata external plugin writes on its standard output, and
 * (with a few commands more) what a netdata child streams to its parent: lines of
 * words, separated by blanks and '=', a word in single or double quotes may hold
 * either. This module reads the commands netdata 1.37 documents for plugins — CHART,
 * DIMENSION, BEGIN, SET, END, FLUSH, DISABLE, VARIABLE, LABEL + OVERWRITE, CLABEL +
 * CLABEL_COMMIT — and turns them into mxp_chart_add, mxp_dim_add, mxp_dim_set and
 * mxp_chart_done calls. Commands it does not know go to the embedder's `command`
 * callback (the streaming source handles its own there), else count as unknown.
 *
 * A malformed line is counted by kind (struct mxp_pp_stats) and skipped: never fatal.
 * The first line of each kind is passed to the `problem` callback, for one log line.
 *
 * Threads: one parser reads one stream on one thread, and is the only writer of the
 * charts it creates (the store's one-writer-per-chart rule). It never writes a chart it
 * did not create: a CHART naming a chart some other writer owns is refused (counted
 * as a conflict). Keep one parser per stream across restarts and reconnections
 * (mxp_pp_reset), so that a plugin that starts again finds its charts.
 */
#ifndef MXP_PLUGIN_PROTOCOL_H
#define MXP_PLUGIN_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "mxp/store.h"

/* Longest line read; a longer one is skipped to its newline and counted (too_long). */
#define MXP_PP_LINE_MAX 16384
/* Most words a line is split into (netdata's limit too); more are ignored. */
#define MXP_PP_WORDS_MAX 24

/* Why a line was not taken. */
enum mxp_pp_problem {
	MXP_PP_UNKNOWN_COMMAND,   /* a first word that is no command */
	MXP_PP_BAD_ARGUMENT,      /* a required word missing, or one that does not parse */
	MXP_PP_BAD_VALUE,         /* SET's value is not a 64-bit signed decimal integer */
	MXP_PP_NO_CHART,          /* DIMENSION before any CHART, BEGIN of a chart never defined */
	MXP_PP_NO_DIMENSION,      /* SET of a dimension the chart does not have */
	MXP_PP_OUT_OF_ORDER,      /* SET or END outside BEGIN..END, BEGIN before END */
	MXP_PP_CONFLICT,          /* CHART of a chart another writer (source) owns */
	MXP_PP_TOO_LONG,          /* a line over MXP_PP_LINE_MAX bytes */
	MXP_PP_NO_HOST,           /* a chart before the stream said which host it is */
	MXP_PP_NO_MEMORY,
	MXP_PP_NPROBLEMS
};

/* What a parser read. Counters only grow. */
struct mxp_pp_stats {
	uint64_t lines;           /* complete lines, empty ones included */
	uint64_t charts;          /* charts created in the store */
	uint64_t dims;            /* dimensions created */
	uint64_t updates;         /* END lines that ended an update (mxp_chart_done) */
	uint64_t values;          /* SET values passed to the store */
	uint64_t flushed;         /* values dropped by FLUSH (or a BEGIN without END) */
	uint64_t variables;       /* VARIABLE lines (read and checked; the exporters send none) */
	uint64_t ignored;         /* well-formed lines the store cannot take: a redefinition
				   * of an existing chart or dimension, CLABEL after the chart
				   * exists, a plugin's host labels, an obsolete dimension */
	uint64_t obsoleted;       /* charts removed because CHART marked them obsolete */
	uint64_t resyncs;         /* BEGIN microseconds that strayed more than one update
				   * every from the clock: the clock was taken instead */
	uint64_t malformed;       /* the sum of problems[] */
	uint64_t problems[MXP_PP_NPROBLEMS];
};

struct mxp_pp_callbacks {
	/* The first line of each problem kind (kind, its line number, the line's words
	 * joined by blanks, why). NULL: none. */
	void (*problem)(void *arg, enum mxp_pp_problem kind, uint64_t line_no, const char *line, const char *why);
	/* A command this module does not know (words[0] is its name). Returns 1 if it
	 * took the line, 0 if it does not know it either (counted as unknown), or -1 if it
	 * found the line malformed (counted as a bad argument). NULL: none. */
	int (*command)(void *arg, char **words, size_t nwords);
	/* OVERWRITE labels: the host labels read since the last one (LABEL name source
	 * value). Returns the host the stream writes into from now on (it may be the
	 * current one), or NULL to keep the current one. NULL callback: the labels are
	 * ignored (a plugin cannot change its host's labels). */
	struct mxp_host *(*host_labels)(void *arg, const struct mxp_label *labels, size_t nlabels);
	/* A chart is to be created and the parser has no host yet (a child that sent no
	 * labels): returns the host to write into, or NULL (the chart is refused, "no
	 * host"). NULL callback: the same as returning NULL. */
	struct mxp_host *(*need_host)(void *arg);
	void *arg;
};

struct mxp_pp;

/* A parser that writes into host (NULL: none yet; set it with mxp_pp_set_host, or let
 * host_labels return it), whose charts default to update_every seconds. cb may be
 * NULL. Returns NULL with errno set (ENOMEM, EINVAL). */
struct mxp_pp *mxp_pp_new(struct mxp_host *host, int update_every, const struct mxp_pp_callbacks *cb);

/* The host charts are created in from now on. Charts already created stay in theirs. */
void mxp_pp_set_host(struct mxp_pp *pp, struct mxp_host *host);

/* What mxp_pp_feed and mxp_pp_line return. */
enum mxp_pp_result {
	MXP_PP_CONTINUE = 0,
	MXP_PP_DISABLE = 1,       /* the stream said DISABLE: the rest is not read */
};

/* Reads data (len bytes; modified in place): each complete line is parsed, a partial
 * last line is kept for the next call. now is the time the bytes arrived (NULL: the
 * wall clock, read per update). */
enum mxp_pp_result mxp_pp_feed(struct mxp_pp *pp, char *data, size_t len, const struct timeval *now);

/* Parses one line without its newline (NUL-terminated, modified). */
enum mxp_pp_result mxp_pp_line(struct mxp_pp *pp, char *line, const struct timeval *now);

/* Forgets the stream's position (a partial line, an update begun, a chart being
 * defined, labels read but not committed), keeping the charts: for a plugin started
 * again, a child connected again. */
void mxp_pp_reset(struct mxp_pp *pp);

/* Copies the counters. */
void mxp_pp_get_stats(const struct mxp_pp *pp, struct mxp_pp_stats *out);

/* The chart this parser created with that id (or name), or NULL. */
struct mxp_chart *mxp_pp_chart(const struct mxp_pp *pp, const char *id);

/* Frees the parser; its charts stay in the store. */
void mxp_pp_free(struct mxp_pp *pp);

/* "unknown command", "bad argument", ... */
const char *mxp_pp_problem_name(enum mxp_pp_problem kind);

#endif
