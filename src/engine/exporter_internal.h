/* exporter_internal.h — what tests and benchmarks may see of an exporter beyond
 * mxp/exporter.h: the settings each instance exports with (so an oracle can format the
 * same window the same way). */
#ifndef MXP_EXPORTER_INTERNAL_H
#define MXP_EXPORTER_INTERNAL_H

#include <stddef.h>

#include "engine/export_settings.h"
#include "mxp/exporter.h"

/* Instance i's settings, valid until mxp_exporter_stop(); NULL when i is out of range. */
const struct mxp_export_settings *mxp_exporter_settings(const struct mxp_exporter *e, size_t i);

#endif
