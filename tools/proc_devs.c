/* proc_devs.c — the interfaces or disks of one /proc file, kept by name across reads. */
#include "proc_devs.h"

#include <stdlib.h>
#include <string.h>

#include "proc_file.h"

void mxp_proc_devs_begin(struct mxp_proc_devs *d)
{
	d->hint = 0;
	for (size_t i = 0; i < d->n; i++)
		d->v[i].seen = false;
}

struct mxp_proc_dev *mxp_proc_devs_get(struct mxp_proc_devs *d, const char *name, bool *added)
{
	*added = false;
	if (d->hint < d->n && strcmp(d->v[d->hint].name, name) == 0)
		return &d->v[d->hint++];
	for (size_t i = 0; i < d->n; i++) {
		if (strcmp(d->v[i].name, name) == 0) {
			d->hint = i + 1;
			return &d->v[i];
		}
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct mxp_proc_dev *v = realloc(d->v, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		d->v = v;
		d->cap = cap;
	}
	struct mxp_proc_dev *dev = &d->v[d->n++];
	memset(dev, 0, sizeof(*dev));
	strcpy(dev->name, name); /* callers bound name to MXP_PROC_NAME_MAX - 1 */
	d->hint = d->n;
	*added = true;
	return dev;
}

size_t mxp_proc_devs_charted(const struct mxp_proc_devs *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		n += d->v[i].pc.chart != NULL;
	return n;
}

void mxp_proc_devs_publish(struct mxp_proc_devs *d, const struct timeval *now)
{
	for (size_t i = 0; i < d->n; i++) {
		struct mxp_proc_dev *dev = &d->v[i];
		if (!dev->seen || dev->pc.chart == NULL)
			continue;
		for (size_t k = 0; k < MXP_PROC_DEV_DIMS; k++)
			mxp_dim_set(dev->pc.dims[k], mxp_proc_parse_counter(dev->values[k]));
		mxp_chart_done(dev->pc.chart, now);
	}
}

void mxp_proc_devs_undo(struct mxp_proc_devs *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].pc.created)
			mxp_chart_remove(d->v[i].pc.chart);
}

void mxp_proc_devs_free(struct mxp_proc_devs *d)
{
	free(d->v);
	d->v = NULL;
	d->n = 0;
	d->cap = 0;
	d->hint = 0;
}
