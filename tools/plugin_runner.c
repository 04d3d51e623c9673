/* plugin_runner.c — runs one external plugin and reads it into the store (see the
 * header). posix_spawn starts `/bin/sh -c 'exec COMMAND UPDATE_EVERY'` in a process
 * group of its own (so that a stop reaches whatever the command started), with the
 * signals mxpd ignores or handles set back to their defaults and none blocked. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/log.h"
#include "plugin_runner.h"

extern char **environ;

#define BACKOFF_MIN_S 1
#define BACKOFF_MAX_S 60
#define STABLE_RUN_S 60     /* a run this long sets the backoff back to its start */
#define STOP_GRACE_MS 2000  /* SIGTERM, then SIGKILL after this */
#define READ_BUFFER 65536

struct mxp_plugin_runner {
	char *name;
	char *command;
	int update_every;
	struct mxp_pp *pp;
	pthread_t thread;
	bool thread_started;

	pthread_mutex_t lock;     /* guards what follows, and the pp's stats for readers */
	pthread_cond_t wake;
	bool stopping;
	bool finished;            /* the thread has returned */
	pid_t pid;
	unsigned starts;
	int last_status;
	bool disabled;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_problem(void *arg, enum mxp_pp_problem kind, uint64_t line_no, const char *line, const char *why)
{
	struct mxp_plugin_runner *r = arg;
	mxp_log(MXP_LOG_WARNING, "plugin %s: line %llu: %s: %s (%s; further lines of this kind are counted, not logged)",
		r->name, (unsigned long long)line_no, mxp_pp_problem_name(kind), line, why);
}

/* Starts the program with its standard output on a pipe; returns the pid (and *fd), or
 * -1 with errno. */
static pid_t spawn(struct mxp_plugin_runner *r, int *fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	char script[4096], ue[16];
	snprintf(ue, sizeof(ue), "%d", r->update_every);
	snprintf(script, sizeof(script), "exec %s %s", r->command, ue);

	/* the environment: mxpd's, and netdata's NETDATA_UPDATE_EVERY */
	size_t n = 0;
	while (environ[n] != NULL)
		n++;
	char **envp = calloc(n + 2, sizeof(*envp));
	char ue_env[48];
	snprintf(ue_env, sizeof(ue_env), "NETDATA_UPDATE_EVERY=%d", r->update_every);
	size_t k = 0;
	for (size_t i = 0; envp != NULL && i < n; i++)
		if (strncmp(environ[i], "NETDATA_UPDATE_EVERY=", 21) != 0)
			envp[k++] = environ[i];
	if (envp != NULL)
		envp[k] = ue_env;

	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	posix_spawnattr_init(&at);
	sigset_t def, none;
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGHUP);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
	char *argv[] = {"sh", "-c", script, NULL};
	pid_t pid = -1;
	int e = envp == NULL ? ENOMEM : posix_spawn(&pid, "/bin/sh", &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	free(envp);
	close(p[1]);
	if (e != 0) {
		close(p[0]);
		errno = e;
		return -1;
	}
	*fd = p[0];
	return pid;
}

static void describe_exit(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "ended (wait status %d)", status);
}

/* Waits up to ms for a stop; returns true when stopping. */
static bool wait_stop(struct mxp_plugin_runner *r, int64_t ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&r->lock);
	while (!r->stopping && pthread_cond_timedwait(&r->wake, &r->lock, &until) != ETIMEDOUT)
		;
	bool s = r->stopping;
	pthread_mutex_unlock(&r->lock);
	return s;
}

static void *runner_main(void *arg)
{
	struct mxp_plugin_runner *r = arg;
	char *buf = malloc(READ_BUFFER);
	int backoff_s = BACKOFF_MIN_S;
	while (buf != NULL) {
		int fd = -1;
		pthread_mutex_lock(&r->lock);
		if (r->stopping) {
			pthread_mutex_unlock(&r->lock);
			break;
		}
		pid_t pid = spawn(r, &fd);
		int spawn_errno = errno;
		if (pid > 0) {
			r->pid = pid;
			r->starts++;
		}
		unsigned starts = r->starts;
		pthread_mutex_unlock(&r->lock);
		if (pid < 0) {
			mxp_log(MXP_LOG_ERROR, "plugin %s: cannot start '%s': %s; trying again in %d s", r->name, r->command,
				strerror(spawn_errno), backoff_s);
		} else {
			if (starts == 1)
				mxp_log(MXP_LOG_INFO, "plugin %s: started '%s %d' (pid %d)", r->name, r->command,
					r->update_every, (int)pid);
			int64_t started = mono_ms();
			bool disabled = false;
			for (;;) {
				ssize_t got = read(fd, buf, READ_BUFFER);
				if (got < 0 && errno == EINTR)
					continue;
				if (got <= 0)
					break;
				pthread_mutex_lock(&r->lock);
				disabled = mxp_pp_feed(r->pp, buf, (size_t)got, NULL) == MXP_PP_DISABLE;
				pthread_mutex_unlock(&r->lock);
				if (disabled) {
					kill(-pid, SIGTERM); /* netdata stops a plugin that said DISABLE */
					break;
				}
			}
			close(fd);
			int status = 0;
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			int64_t ran_ms = mono_ms() - started;
			pthread_mutex_lock(&r->lock);
			r->pid = 0;
			r->last_status = status;
			bool stopping = r->stopping;
			if (disabled || (WIFEXITED(status) && WEXITSTATUS(status) == 1))
				r->disabled = true;
			mxp_pp_reset(r->pp);
			bool is_disabled = r->disabled;
			pthread_mutex_unlock(&r->lock);
			if (stopping)
				break;
			char how[96];
			describe_exit(status, how, sizeof(how));
			if (is_disabled) {
				mxp_log(MXP_LOG_WARNING, "plugin %s: %s after %.1f s: not started again (%s)", r->name,
					disabled ? "said DISABLE" : how, (double)ran_ms / 1000,
					disabled ? "it asked" : "status 1 is netdata's 'disable me'");
				break;
			}
			if (ran_ms >= STABLE_RUN_S * 1000)
				backoff_s = BACKOFF_MIN_S;
			mxp_log(MXP_LOG_WARNING, "plugin %s: %s after %.1f s; starting it again in %d s", r->name, how,
				(double)ran_ms / 1000, backoff_s);
		}
		if (wait_stop(r, (int64_t)backoff_s * 1000))
			break;
		backoff_s = backoff_s * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : backoff_s * 2;
	}
	free(buf);
	pthread_mutex_lock(&r->lock);
	r->finished = true;
	pthread_cond_broadcast(&r->wake);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

struct mxp_plugin_runner *mxp_plugin_runner_start(struct mxp_host *host, const struct mxp_plugin_conf *conf)
{
	struct mxp_plugin_runner *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->name = strdup(conf->name);
	r->command = strdup(conf->command);
	r->update_every = conf->update_every;
	r->last_status = -1;
	struct mxp_pp_callbacks cb = {.problem = on_problem, .arg = r};
	r->pp = mxp_pp_new(host, conf->update_every, &cb);
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_cond_init(&r->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (r->name == NULL || r->command == NULL || r->pp == NULL) {
		mxp_plugin_runner_stop(r);
		errno = ENOMEM;
		return NULL;
	}
	int e = pthread_create(&r->thread, NULL, runner_main, r);
	if (e != 0) {
		mxp_plugin_runner_stop(r);
		errno = e;
		return NULL;
	}
	r->thread_started = true;
	pthread_setname_np(r->thread, "mxp-plugin"); /* netdata's is PLUGINSD[NAME] */
	return r;
}

void mxp_plugin_runner_stop(struct mxp_plugin_runner *r)
{
	if (r == NULL)
		return;
	if (r->thread_started) {
		pthread_mutex_lock(&r->lock);
		r->stopping = true;
		if (r->pid > 0)
			kill(-r->pid, SIGTERM);
		pthread_cond_broadcast(&r->wake);
		/* the thread ends when the pipe closes; a program that ignores SIGTERM (or
		 * left a child holding the pipe) gets SIGKILL */
		int64_t deadline = mono_ms() + STOP_GRACE_MS;
		while (!r->finished && mono_ms() < deadline) {
			pthread_mutex_unlock(&r->lock);
			usleep(10000);
			pthread_mutex_lock(&r->lock);
		}
		if (!r->finished && r->pid > 0) {
			mxp_log(MXP_LOG_WARNING, "plugin %s: still running %d ms after SIGTERM: SIGKILL", r->name,
				STOP_GRACE_MS);
			kill(-r->pid, SIGKILL);
		}
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->thread, NULL);
		struct mxp_pp_stats s;
		mxp_pp_get_stats(r->pp, &s);
		mxp_log(MXP_LOG_INFO, "plugin %s: stopped; %u start%s, %llu lines, %llu charts, %llu dims, %llu updates, "
				      "%llu values, %llu malformed%s",
			r->name, r->starts, r->starts == 1 ? "" : "s", (unsigned long long)s.lines,
			(unsigned long long)s.charts, (unsigned long long)s.dims, (unsigned long long)s.updates,
			(unsigned long long)s.values, (unsigned long long)s.malformed,
			r->disabled ? " (it disabled itself)" : "");
	}
	mxp_pp_free(r->pp);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->wake);
	free(r->name);
	free(r->command);
	free(r);
}

void mxp_plugin_runner_status(struct mxp_plugin_runner *r, struct mxp_plugin_status *out)
{
	pthread_mutex_lock(&r->lock);
	out->pid = r->pid;
	out->starts = r->starts;
	out->last_status = r->last_status;
	out->disabled = r->disabled;
	mxp_pp_get_stats(r->pp, &out->pp);
	pthread_mutex_unlock(&r->lock);
}
