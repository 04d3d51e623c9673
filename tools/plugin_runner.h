/* plugin_runner.h — mxpd's external plugins: each [plugin:NAME] of the config runs as a
 * child process whose standard output a thread of its own reads into the store, in
 * netdata's plugins.d protocol (collect/plugin_protocol.h).
 *
 * As netdata runs its plugins: the command gets the update every (seconds) as its last
 * argument and NETDATA_UPDATE_EVERY in its environment; its standard error is mxpd's.
 * When it exits it is started again after a backoff (1 s, doubling to 60 s; back to 1 s
 * after a run of a minute or more), unless it wrote DISABLE or exited with status 1,
 * netdata's two ways for a plugin to say "do not start me again". Malformed lines are
 * counted and the first of each kind logged; they never stop it.
 *
 * Threads: the runner's thread is the only writer of the charts its plugin creates;
 * mxp_plugin_runner_status may be called from any thread.
 */
#ifndef MXP_PLUGIN_RUNNER_H
#define MXP_PLUGIN_RUNNER_H

#include <stdbool.h>
#include <sys/types.h>

#include "collect/plugin_protocol.h"
#include "config/config.h"
#include "mxp/store.h"

struct mxp_plugin_runner;

/* Starts conf's program, writing into host. Returns the runner, or NULL with errno. */
struct mxp_plugin_runner *mxp_plugin_runner_start(struct mxp_host *host, const struct mxp_plugin_conf *conf);

/* Stops the program (SIGTERM to its process group; SIGKILL after 2 s) and the thread,
 * logs what was read from it, and frees the runner. The charts stay in the store. NULL is allowed. */
void mxp_plugin_runner_stop(struct mxp_plugin_runner *r);

struct mxp_plugin_status {
	pid_t pid;                /* the running program's, 0 when none */
	unsigned starts;          /* how many times it was started */
	int last_status;          /* the last exit's wait status; -1 before any */
	bool disabled;            /* it said DISABLE, or exited 1: not started again */
	struct mxp_pp_stats pp;   /* what was read from it, over all its runs */
};

void mxp_plugin_runner_status(struct mxp_plugin_runner *r, struct mxp_plugin_status *out);

#endif
