/* golden_store.h — the small fixed store the golden tests export (test_formats.c writes
 * its expected records out by hand; test_pipeline.c compares with the baseline on it).
 *
 * localhost (named "real-name" in the store) with system.cpu (user 1/1, sys 1/4) and
 * disk.sda-1 named "root disk" (dim id "io-r", name "reads 1", multiplier 2), and a host
 * "child1" with system.cpu (user), all collected every second from 995 to 1012 at
 * half past: user = t - 990, sys = (t - 990) / 4, reads = 2 * (t - 990), the child's
 * user = 100 + t - 990. With gap_at_1003, localhost's user is not collected at 1003. */
#ifndef MXP_TEST_GOLDEN_STORE_H
#define MXP_TEST_GOLDEN_STORE_H

#include <stdbool.h>

#include "config/data_source.h"
#include "engine/export_settings.h"

struct mxp_store;
struct mxp_pattern;

/* Returns the store (the caller frees it); tags may be NULL. Fails the test on error. */
struct mxp_store *golden_store_build(const char *local_tags, const char *child_tags, bool gap_at_1003);

/* The settings the golden records are written for: prefix "netdata", hostname "myhost",
 * names, update every 10, every host, charts as given. Fails the test on an unknown type. */
struct mxp_export_settings golden_settings(const char *type, enum mxp_source src,
					   const struct mxp_pattern *charts);

#endif
