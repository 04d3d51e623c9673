/* log.c — formats a line and hands it to the sink. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "engine/log.h"

static const char *const level_names[] = {"ERROR", "WARNING", "INFO", "DEBUG"};

static void stderr_sink(enum mxp_log_level level, const char *line, void *arg)
{
	(void)arg;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(stderr, "%s: mxp %s: %s\n", when, level_names[level], line);
}

static mxp_log_sink log_sink = stderr_sink;
static void *log_arg;
static enum mxp_log_level log_max = MXP_LOG_INFO;

void mxp_log_configure(mxp_log_sink sink, void *arg, enum mxp_log_level max_level)
{
	log_sink = sink ? sink : stderr_sink;
	log_arg = arg;
	log_max = max_level;
}

void mxp_log(enum mxp_log_level level, const char *fmt, ...)
{
	if (level > log_max)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_sink(level, line, log_arg);
}
