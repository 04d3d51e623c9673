/* agent.c — the smallest agent: builds a store through the public API (mxp/store.h)
 * alone, feeds it a few updates, and frees it. It proves that an installed mxp
 * compiles, links and runs:
 *     cc agent.c $(pkg-config --cflags --libs mxp)
 * or, with CMake, examples/CMakeLists.txt (find_package(mxp)). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include <mxp/store.h>

#define AGENT_UPDATES 5 /* updates of the chart, one second apart */

int main(void)
{
	int rc = 1;
	struct mxp_store *store = mxp_store_new(NULL);
	if (store == NULL) {
		fprintf(stderr, "agent: cannot create a store: %s\n", strerror(errno));
		return 1;
	}

	const struct mxp_label labels[] = {{"role", "example"}};
	struct mxp_host *host = mxp_host_add(store, "agent-host", NULL, labels, 1);
	if (host == NULL) {
		fprintf(stderr, "agent: cannot add the host: %s\n", strerror(errno));
		goto done;
	}
	const struct mxp_chart_def def = {
		.type = "example",
		.id = "requests",
		.units = "requests/s",
		.title = "Requests served",
		.update_every = 1,
	};
	struct mxp_chart *chart = mxp_chart_add(host, &def);
	struct mxp_dim *ok = chart ? mxp_dim_add(chart, "ok", NULL, 1, 1, MXP_ALG_INCREMENTAL) : NULL;
	struct mxp_dim *failed = ok ? mxp_dim_add(chart, "failed", NULL, 1, 1, MXP_ALG_INCREMENTAL) : NULL;
	if (failed == NULL) {
		fprintf(stderr, "agent: cannot add the chart and its dimensions: %s\n", strerror(errno));
		goto done;
	}

	/* counters that grow by 100 and 2 a second, on an explicit clock, so the run takes
	 * no time and its result does not depend on when it runs */
	struct timeval now = {.tv_sec = 1700000000, .tv_usec = 0};
	for (int i = 0; i < AGENT_UPDATES; i++) {
		mxp_dim_set(ok, 1000 + 100LL * i);
		mxp_dim_set(failed, 10 + 2LL * i);
		mxp_chart_done(chart, &now);
		now.tv_sec++;
	}

	if (mxp_chart_find(host, "example.requests") != chart || mxp_dim_find(chart, "failed") != failed) {
		fprintf(stderr, "agent: the store does not find what was added to it\n");
		goto done;
	}
	printf("agent: stored %d updates of example.requests (2 dimensions) on host agent-host\n",
	       AGENT_UPDATES);
	rc = 0;

done:
	mxp_store_free(store);
	return rc;
}
