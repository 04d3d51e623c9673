/* golden_store.c — the golden tests' fixed store (see golden_store.h). */
#include <criterion/criterion.h>

#include "collect/store_internal.h"
#include "format/format.h"
#include "support/golden_store.h"

struct mxp_store *golden_store_build(const char *local_tags, const char *child_tags, bool gap_at_1003)
{
	struct mxp_store *store = mxp_store_new(NULL);
	cr_assert_not_null(store);
	struct mxp_host *h = mxp_host_add(store, "real-name", local_tags, NULL, 0);
	struct mxp_host *child = mxp_host_add(store, "child1", child_tags, NULL, 0);
	struct mxp_chart_def cpu = {.type = "system", .id = "cpu", .family = "cpu", .context = "system.cpu",
				    .units = "percentage", .update_every = 1};
	struct mxp_chart_def disk = {.type = "disk", .id = "sda-1", .name = "root disk", .family = "sda",
				     .context = "disk.io", .units = "KiB/s", .update_every = 1};
	struct mxp_chart *c = mxp_chart_add(h, &cpu);
	struct mxp_dim *user = mxp_dim_add(c, "user", NULL, 1, 1, MXP_ALG_ABSOLUTE);
	struct mxp_dim *sys = mxp_dim_add(c, "sys", NULL, 1, 4, MXP_ALG_ABSOLUTE);
	struct mxp_chart *d = mxp_chart_add(h, &disk);
	struct mxp_dim *reads = mxp_dim_add(d, "io-r", "reads 1", 2, 1, MXP_ALG_ABSOLUTE);
	struct mxp_chart *cc = mxp_chart_add(child, &cpu);
	struct mxp_dim *cuser = mxp_dim_add(cc, "user", NULL, 1, 1, MXP_ALG_ABSOLUTE);
	cr_assert(user && sys && reads && cuser);
	for (time_t t = 995; t <= 1012; t++) {
		struct timeval tv = {.tv_sec = t, .tv_usec = 500000};
		if (!(gap_at_1003 && t == 1003))
			mxp_dim_set(user, t - 990);
		mxp_dim_set(sys, t - 990);
		mxp_chart_done(c, &tv);
		mxp_dim_set(reads, t - 990);
		mxp_chart_done(d, &tv);
		mxp_dim_set(cuser, 100 + t - 990);
		mxp_chart_done(cc, &tv);
	}
	return store;
}

struct mxp_export_settings golden_settings(const char *type, enum mxp_source src,
					   const struct mxp_pattern *charts)
{
	struct mxp_export_settings s = {
		.format = mxp_format_find(type),
		.source = src,
		.prefix = "netdata",
		.hostname = "myhost",
		.send_names = true,
		.update_every = 10,
		.charts = charts,
		.hosts = NULL,
	};
	cr_assert_not_null(s.format, "type %s", type);
	return s;
}
