/* log.h — mxp's log: one line per event, to a sink the embedding program chooses. */
#ifndef MXP_LOG_H
#define MXP_LOG_H

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

#endif
