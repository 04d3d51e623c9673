/* log.c — formats a line and hands it to the sink; rate limits for repeated events. */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <syslog.h>
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

static void open_log(void)
{
	openlog("mxpd", LOG_PID, LOG_DAEMON);
}

void mxp_log_syslog_sink(enum mxp_log_level level, const char *line, void *arg)
{
	static const int priorities[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	(void)arg;
	pthread_once(&once, open_log);
	syslog(priorities[level], "%s", line);
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t (*log_now_ms)(void) = monotonic_ms;
static pthread_mutex_t limit_lock = PTHREAD_MUTEX_INITIALIZER;

void mxp_log_set_clock(int64_t (*now_ms)(void))
{
	log_now_ms = now_ms ? now_ms : monotonic_ms;
}

void mxp_log_limited(struct mxp_log_limit *lim, enum mxp_log_level level, const char *fmt, ...)
{
	if (level > log_max)
		return;
	int64_t now = log_now_ms();
	unsigned held = 0;
	bool pass = false;
	pthread_mutex_lock(&limit_lock);
	if (now >= lim->next_ms) {
		pass = true;
		held = lim->suppressed;
		lim->suppressed = 0;
		lim->next_ms = now + (int64_t)(lim->period_s ? lim->period_s : 60) * 1000;
	} else {
		lim->suppressed++;
	}
	pthread_mutex_unlock(&limit_lock);
	if (!pass)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (held > 0 && n >= 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, " (and %u more like this since the last report)", held);
	log_sink(level, line, log_arg);
}
