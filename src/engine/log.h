/* log.h — mxp's log: one line per event, to a sink the embedding program chooses. */
#ifndef MXP_LOG_H
#define MXP_LOG_H

#include <stdint.h>

enum mxp_log_level {
	MXP_LOG_ERROR,
	MXP_LOG_WARNING,
	MXP_LOG_INFO,
	MXP_LOG_DEBUG,
};

/* Receives a finished line (no trailing newline). Called from any mxp thread. */
typedef void (*mxp_log_sink)(enum mxp_log_level level, const char *line, void *arg);

/* Replaces the sink (default: stderr, with time and level) and the most verbose level
 * that is passed on (default: MXP_LOG_INFO). Call before starting threads. */
void mxp_log_configure(mxp_log_sink sink, void *arg, enum mxp_log_level max_level);

void mxp_log(enum mxp_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A sink that sends lines to syslog (openlog with ident "mxpd", LOG_DAEMON). */
void mxp_log_syslog_sink(enum mxp_log_level level, const char *line, void *arg);

/* One kind of repeated event (a receiver that keeps failing, a parser that keeps
 * finding garbage): at most one line per period passes; the next line that passes
 * says how many were held back. Zero-initialise; any thread may use it. */
struct mxp_log_limit {
	unsigned period_s;          /* 0 means 60 */
	int64_t next_ms;            /* when the next line may pass */
	unsigned suppressed;        /* lines held back since the last one passed */
};

void mxp_log_limited(struct mxp_log_limit *lim, enum mxp_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* For tests: the clock the limiter reads (milliseconds; default CLOCK_MONOTONIC). */
void mxp_log_set_clock(int64_t (*now_ms)(void));

#endif
