/* proc_source.c — this machine's metrics from /proc, as netdata's proc plugin charts them.
 *
 * Files are read through the one fixed-buffer reader of proc_file.h held in the source, so
 * that a collection allocates nothing once every interface and disk has been seen, and an
 * odd line (too long, truncated, not numbers) is skipped instead of misread. Each file is
 * parsed whole before anything of it is published: a file that fails half-way publishes
 * nothing, and its charts get a gap rather than a mix of two readings. The interfaces and
 * disks of net/dev and diskstats are kept in the tables of proc_devs.h.
 */
#include "proc_source.h"

#include "proc_devs.h"
#include "proc_file.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct proc_dim_def {
	const char *id;
	long multiplier;
	long divisor;
	enum mxp_algorithm algorithm;
};

/* What one chart of this source looks like. id and family NULL mean the device's name
 * (net.<iface>, disk.<dev>). */
struct proc_chart_tmpl {
	const char *type;
	const char *id;
	const char *family;
	const char *context;
	const char *units;
	const char *title;
	const char *chart_type;
	size_t ndims;
	struct proc_dim_def dims[MXP_PROC_DIMS_MAX];
};

static const struct proc_chart_tmpl tmpl_cpu = {
	"system", "cpu", "cpu", "system.cpu", "percentage", "Total CPU utilization", "stacked", 10,
	{
		{"user", 1, 1, MXP_ALG_PCENT_OVER_DIFF},
		{"nice", 1, 1, MXP_ALG_PCENT_OVER_DIFF},
		{"system", 1, 1, MXP_ALG_PCENT_OVER_DIFF},
		{"idle", 1, 1, MXP_ALG_PCENT_OVER_DIFF},
		{"iowait", 1, 1, MXP_ALG_PCENT_OVER_DIFF},
		{"irq", 1, 1, MXP_ALG_PCENT_OVER_DIFF},
		{"softirq", 1, 1, MXP_ALG_PCENT_OVER_DIFF},
		{"steal", 1, 1, MXP_ALG_PCENT_OVER_DIFF},
		{"guest", 1, 1, MXP_ALG_PCENT_OVER_DIFF},
		{"guest_nice", 1, 1, MXP_ALG_PCENT_OVER_DIFF},
	},
};

static const struct proc_chart_tmpl tmpl_ram = {
	"system", "ram", "ram", "system.ram", "MiB", "System RAM", "stacked", 4,
	{
		{"free", 1, 1024, MXP_ALG_ABSOLUTE},
		{"used", 1, 1024, MXP_ALG_ABSOLUTE},
		{"cached", 1, 1024, MXP_ALG_ABSOLUTE},
		{"buffers", 1, 1024, MXP_ALG_ABSOLUTE},
	},
};

static const struct proc_chart_tmpl tmpl_load = {
	"system", "load", "load", "system.load", "load", "System Load Average", "line", 3,
	{
		{"load1", 1, 1000, MXP_ALG_ABSOLUTE},
		{"load5", 1, 1000, MXP_ALG_ABSOLUTE},
		{"load15", 1, 1000, MXP_ALG_ABSOLUTE},
	},
};

static const struct proc_chart_tmpl tmpl_net = {
	"net", NULL, NULL, "net.net", "kilobits/s", "Bandwidth", "area", 2,
	{
		{"received", 8, 1000, MXP_ALG_INCREMENTAL},
		{"sent", -8, 1000, MXP_ALG_INCREMENTAL},
	},
};

static const struct proc_chart_tmpl tmpl_disk = {
	"disk", NULL, NULL, "disk.io", "KiB/s", "Disk I/O Bandwidth", "area", 2,
	{
		{"reads", 512, 1024, MXP_ALG_INCREMENTAL},
		{"writes", -512, 1024, MXP_ALG_INCREMENTAL},
	},
};

struct mxp_proc_source {
	struct mxp_host *host;
	int update_every;
	char *proc_dir;
	char *sys_dir;
	size_t ncharts;
	struct mxp_proc_chart cpu;
	struct mxp_proc_chart ram;
	struct mxp_proc_chart load;
	struct mxp_proc_devs net;
	struct mxp_proc_devs disk;
	struct mxp_proc_file file;
};

/* ---- charts ---- */

/* Creates the chart of tmpl on the source's host (devname names net.* and disk.* charts),
 * or takes over the one that already exists under that id, and fills pc. Returns 0 or
 * -errno; on failure pc is left empty and whatever was created is removed, so that the
 * next collection tries again. */
static int chart_attach(struct mxp_proc_source *s, const struct proc_chart_tmpl *tmpl,
			const char *devname, struct mxp_proc_chart *pc)
{
	struct mxp_chart_def def = {
		.type = tmpl->type,
		.id = tmpl->id ? tmpl->id : devname,
		.family = tmpl->family ? tmpl->family : devname,
		.context = tmpl->context,
		.units = tmpl->units,
		.title = tmpl->title,
		.chart_type = tmpl->chart_type,
		.update_every = s->update_every,
	};
	struct mxp_proc_chart got = {0};
	int ret = 0;

	got.chart = mxp_chart_add(s->host, &def);
	got.created = got.chart != NULL;
	if (got.chart == NULL) {
		char full_id[2 * MXP_PROC_NAME_MAX];
		if (errno != EEXIST)
			return -errno;
		snprintf(full_id, sizeof(full_id), "%s.%s", def.type, def.id);
		got.chart = mxp_chart_find(s->host, full_id);
		if (got.chart == NULL)
			return -EEXIST;
	}
	for (size_t i = 0; i < tmpl->ndims; i++) {
		const struct proc_dim_def *dd = &tmpl->dims[i];
		got.dims[i] = mxp_dim_add(got.chart, dd->id, NULL, dd->multiplier, dd->divisor,
					  dd->algorithm);
		if (got.dims[i] == NULL && errno == EEXIST)
			got.dims[i] = mxp_dim_find(got.chart, dd->id);
		if (got.dims[i] == NULL) {
			ret = -errno;
			goto fail;
		}
	}
	*pc = got;
	s->ncharts++;
	return 0;
fail:
	if (got.created)
		mxp_chart_remove(got.chart);
	return ret;
}

/* Sets the chart's first n dims to values and ends its update at now. */
static void chart_publish(struct mxp_proc_chart *pc, const long long *values, size_t n,
			  const struct timeval *now)
{
	for (size_t i = 0; i < n; i++)
		mxp_dim_set(pc->dims[i], values[i]);
	mxp_chart_done(pc->chart, now);
}

/* Keeps the first error of a collection. */
static void first_error(int *err, int ret)
{
	if (*err == 0 && ret != 0)
		*err = ret;
}

/* ---- devices ---- */

/* Records one device's values: finds or adds it (deciding with ignore() whether a new one
 * is charted), creates its chart if it has none yet. Returns 0 or -errno; the values are
 * kept even when the chart could not be created. */
static int dev_seen(struct mxp_proc_source *s, struct mxp_proc_devs *d,
		    const struct proc_chart_tmpl *tmpl, const char *name,
		    const uint64_t values[MXP_PROC_DEV_DIMS],
		    bool (*ignore)(const struct mxp_proc_source *, const char *))
{
	bool added;
	struct mxp_proc_dev *dev = mxp_proc_devs_get(d, name, &added);

	if (dev == NULL)
		return -ENOMEM;
	if (added)
		dev->ignored = ignore(s, name);
	if (dev->ignored)
		return 0;
	dev->seen = true;
	dev->values[0] = values[0];
	dev->values[1] = values[1];
	if (dev->pc.chart != NULL)
		return 0;
	return chart_attach(s, tmpl, name, &dev->pc);
}

/* ---- the files ----
 * Each reader parses its file and, when now is not NULL, publishes its charts at now;
 * with now NULL (from new()) it only creates them. Each returns 0 or -errno: a file error,
 * -ENODATA when the file lacks what the chart needs, or a chart creation error. */

static int read_cpu(struct mxp_proc_source *s, const struct timeval *now)
{
	uint64_t v[MXP_PROC_DIMS_MAX];
	size_t n = 0;
	bool found = false;
	char *line;
	int ret = mxp_proc_file_open(&s->file, s->proc_dir, "stat");

	if (ret != 0)
		return ret;
	while (!found && (line = mxp_proc_file_line(&s->file)) != NULL) {
		const char *p = line;
		if (strncmp(p, "cpu", 3) != 0 || !mxp_proc_parse_is_blank(p[3]))
			continue;
		p += 3;
		found = true;
		n = mxp_proc_parse_u64s(&p, v, MXP_PROC_DIMS_MAX);
	}
	ret = mxp_proc_file_close(&s->file);
	if (ret != 0)
		return ret;
	/* user, nice, system and idle are in every kernel since 2.4; the rest came later */
	if (!found || n < 4)
		return -ENODATA;
	/* The kernel counts guest time in user and guest_nice in nice as well; netdata takes
	 * it out of them, so that the row total counts it once. */
	if (n > 8)
		v[0] = v[0] >= v[8] ? v[0] - v[8] : 0;
	if (n > 9)
		v[1] = v[1] >= v[9] ? v[1] - v[9] : 0;

	if (s->cpu.chart == NULL && (ret = chart_attach(s, &tmpl_cpu, NULL, &s->cpu)) != 0)
		return ret;
	if (now != NULL) {
		long long ll[MXP_PROC_DIMS_MAX];
		for (size_t i = 0; i < n; i++)
			ll[i] = mxp_proc_parse_counter(v[i]);
		chart_publish(&s->cpu, ll, n, now);
	}
	return 0;
}

/* The /proc/meminfo fields system.ram is made of. */
enum { MI_TOTAL, MI_FREE, MI_CACHED, MI_BUFFERS, MI_SRECLAIMABLE, MI_SHMEM, MI_COUNT };

static const char *const meminfo_keys[MI_COUNT] = {
	[MI_TOTAL] = "MemTotal",     [MI_FREE] = "MemFree",
	[MI_CACHED] = "Cached",      [MI_BUFFERS] = "Buffers",
	[MI_SRECLAIMABLE] = "SReclaimable", [MI_SHMEM] = "Shmem",
};

static int read_ram(struct mxp_proc_source *s, const struct timeval *now)
{
	uint64_t kb[MI_COUNT] = {0};
	bool have[MI_COUNT] = {false};
	char *line;
	int ret = mxp_proc_file_open(&s->file, s->proc_dir, "meminfo");

	if (ret != 0)
		return ret;
	while ((line = mxp_proc_file_line(&s->file)) != NULL) {
		char *colon = strchr(line, ':');
		if (colon == NULL)
			continue;
		*colon = '\0';
		for (int k = 0; k < MI_COUNT; k++) {
			const char *p = colon + 1;
			uint64_t v;
			if (strcmp(line, meminfo_keys[k]) != 0)
				continue;
			/* the value is followed by " kB", which mxp_proc_parse_u64() stops at */
			if (mxp_proc_parse_u64(&p, &v)) {
				kb[k] = v;
				have[k] = true;
			}
			break;
		}
	}
	ret = mxp_proc_file_close(&s->file);
	if (ret != 0)
		return ret;
	if (!have[MI_TOTAL] || !have[MI_FREE])
		return -ENODATA;

	/* Chosen: cached is the page cache plus reclaimable slab (as netdata's proc plugin
	 * has it) less Shmem (as htop has it), because tmpfs and shm pages cannot be dropped
	 * and so are used memory; used is what is left of MemTotal, so that the four stacked
	 * dims add up to it. A field the kernel lacks counts 0; a difference that would go
	 * negative is 0. */
	uint64_t cached = kb[MI_CACHED] + kb[MI_SRECLAIMABLE];
	cached = cached >= kb[MI_SHMEM] ? cached - kb[MI_SHMEM] : 0;
	uint64_t used = kb[MI_TOTAL];
	uint64_t taken[3] = {kb[MI_FREE], cached, kb[MI_BUFFERS]};
	for (int i = 0; i < 3; i++)
		used = used >= taken[i] ? used - taken[i] : 0;

	if (s->ram.chart == NULL && (ret = chart_attach(s, &tmpl_ram, NULL, &s->ram)) != 0)
		return ret;
	if (now != NULL) {
		long long ll[4] = {
			mxp_proc_parse_counter(kb[MI_FREE]), mxp_proc_parse_counter(used),
			mxp_proc_parse_counter(cached), mxp_proc_parse_counter(kb[MI_BUFFERS]),
		};
		chart_publish(&s->ram, ll, 4, now);
	}
	return 0;
}

static int read_load(struct mxp_proc_source *s, const struct timeval *now)
{
	uint64_t v[3];
	bool ok = false;
	char *line;
	int ret = mxp_proc_file_open(&s->file, s->proc_dir, "loadavg");

	if (ret != 0)
		return ret;
	line = mxp_proc_file_line(&s->file);
	if (line != NULL) {
		const char *p = line;
		ok = mxp_proc_parse_milli(&p, &v[0]) && mxp_proc_parse_milli(&p, &v[1]) &&
		     mxp_proc_parse_milli(&p, &v[2]);
	}
	ret = mxp_proc_file_close(&s->file);
	if (ret != 0)
		return ret;
	if (!ok)
		return -ENODATA;

	if (s->load.chart == NULL && (ret = chart_attach(s, &tmpl_load, NULL, &s->load)) != 0)
		return ret;
	if (now != NULL) {
		long long ll[3] = {mxp_proc_parse_counter(v[0]), mxp_proc_parse_counter(v[1]),
				   mxp_proc_parse_counter(v[2])};
		chart_publish(&s->load, ll, 3, now);
	}
	return 0;
}

static bool net_ignore(const struct mxp_proc_source *s, const char *name)
{
	(void)s;
	return strcmp(name, "lo") == 0;
}

static int read_net(struct mxp_proc_source *s, const struct timeval *now)
{
	char *line;
	int err = 0;
	int ret = mxp_proc_file_open(&s->file, s->proc_dir, "net/dev");

	if (ret != 0)
		return ret;
	mxp_proc_devs_begin(&s->net);
	while ((line = mxp_proc_file_line(&s->file)) != NULL) {
		/* "  eth0: 123 ..." (or "name:123" when the number fills its column): counters
		 * hold no ':', so the name is everything before the last one, whatever it holds */
		char *colon = strrchr(line, ':');
		char name[MXP_PROC_NAME_MAX];
		uint64_t f[9];
		const char *p;

		if (colon == NULL || !mxp_proc_parse_name(line, colon, name, sizeof(name)))
			continue;
		p = colon + 1;
		/* bytes received is field 0 of 16, bytes sent field 8 */
		if (mxp_proc_parse_u64s(&p, f, 9) < 9)
			continue;
		uint64_t values[MXP_PROC_DEV_DIMS] = {f[0], f[8]};
		first_error(&err, dev_seen(s, &s->net, &tmpl_net, name, values, net_ignore));
	}
	ret = mxp_proc_file_close(&s->file);
	if (ret != 0)
		return ret;
	if (now != NULL)
		mxp_proc_devs_publish(&s->net, now);
	return err;
}

/* A disk is charted when it is a whole device (it has /sys/block/<name>; partitions live
 * under their disk there) and neither a loop nor a ram disk, which netdata leaves out. */
static bool disk_ignore(const struct mxp_proc_source *s, const char *name)
{
	char path[PATH_MAX];
	int n;

	if ((strncmp(name, "loop", 4) == 0 && name[4] >= '0' && name[4] <= '9') ||
	    (strncmp(name, "ram", 3) == 0 && name[3] >= '0' && name[3] <= '9'))
		return true;
	n = snprintf(path, sizeof(path), "%s/block/%s", s->sys_dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return true;
	/* sysfs spells the '/' of names such as "cciss/c0d0" as '!' */
	for (char *c = path + n - strlen(name); *c != '\0'; c++)
		if (*c == '/')
			*c = '!';
	return access(path, F_OK) != 0;
}

static int read_disk(struct mxp_proc_source *s, const struct timeval *now)
{
	char *line;
	int err = 0;
	int ret = mxp_proc_file_open(&s->file, s->proc_dir, "diskstats");

	if (ret != 0)
		return ret;
	mxp_proc_devs_begin(&s->disk);
	while ((line = mxp_proc_file_line(&s->file)) != NULL) {
		/* major minor name reads merged sectors_read ms writes merged sectors_written ... */
		const char *p = line;
		char name[MXP_PROC_NAME_MAX];
		uint64_t f[7];

		if (mxp_proc_parse_u64s(&p, f, 2) < 2 ||
		    !mxp_proc_parse_word(&p, name, sizeof(name)))
			continue;
		if (mxp_proc_parse_u64s(&p, f, 7) < 7)
			continue;
		uint64_t values[MXP_PROC_DEV_DIMS] = {f[2], f[6]};
		first_error(&err, dev_seen(s, &s->disk, &tmpl_disk, name, values, disk_ignore));
	}
	ret = mxp_proc_file_close(&s->file);
	if (ret != 0)
		return ret;
	if (now != NULL)
		mxp_proc_devs_publish(&s->disk, now);
	return err;
}

/* ---- the source ---- */

static void chart_undo(struct mxp_proc_chart *pc)
{
	if (pc->created)
		mxp_chart_remove(pc->chart);
}

struct mxp_proc_source *mxp_proc_source_new_at(struct mxp_host *host, int update_every,
					       const char *proc_dir, const char *sys_dir)
{
	struct mxp_proc_source *s;
	int (*const readers[])(struct mxp_proc_source *, const struct timeval *) = {
		read_cpu, read_ram, read_load, read_net, read_disk,
	};
	int err = 0;

	if (host == NULL || update_every < 1 || proc_dir == NULL || sys_dir == NULL) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	s->host = host;
	s->update_every = update_every;
	s->file.fd = -1;
	s->proc_dir = strdup(proc_dir);
	s->sys_dir = strdup(sys_dir);
	if (s->proc_dir == NULL || s->sys_dir == NULL) {
		err = ENOMEM;
		goto fail;
	}
	/* A file that cannot be read or parsed only leaves its chart out; running out of
	 * memory is the one failure. */
	for (size_t i = 0; i < sizeof(readers) / sizeof(readers[0]); i++) {
		if (readers[i](s, NULL) == -ENOMEM) {
			err = ENOMEM;
			goto fail;
		}
	}
	return s;
fail:
	chart_undo(&s->cpu);
	chart_undo(&s->ram);
	chart_undo(&s->load);
	mxp_proc_devs_undo(&s->net);
	mxp_proc_devs_undo(&s->disk);
	mxp_proc_source_free(s);
	errno = err;
	return NULL;
}

struct mxp_proc_source *mxp_proc_source_new(struct mxp_host *host, int update_every)
{
	return mxp_proc_source_new_at(host, update_every, "/proc", "/sys");
}

int mxp_proc_source_collect(struct mxp_proc_source *s, const struct timeval *now)
{
	struct timeval tv;
	int err = 0;
	int ret;
	bool had;

	if (now == NULL) {
		gettimeofday(&tv, NULL);
		now = &tv;
	}
	/* A file's failure is the caller's business only if it fed charts before (or the
	 * failure is memory): a file this machine never had is not an error. */
	had = s->cpu.chart != NULL;
	ret = read_cpu(s, now);
	if (had || ret == -ENOMEM)
		first_error(&err, ret);

	had = s->ram.chart != NULL;
	ret = read_ram(s, now);
	if (had || ret == -ENOMEM)
		first_error(&err, ret);

	had = s->load.chart != NULL;
	ret = read_load(s, now);
	if (had || ret == -ENOMEM)
		first_error(&err, ret);

	had = mxp_proc_devs_charted(&s->net) > 0;
	ret = read_net(s, now);
	if (had || ret == -ENOMEM)
		first_error(&err, ret);

	had = mxp_proc_devs_charted(&s->disk) > 0;
	ret = read_disk(s, now);
	if (had || ret == -ENOMEM)
		first_error(&err, ret);
	return err;
}

size_t mxp_proc_source_charts(const struct mxp_proc_source *s)
{
	return s->ncharts;
}

void mxp_proc_source_free(struct mxp_proc_source *s)
{
	if (s == NULL)
		return;
	mxp_proc_devs_free(&s->net);
	mxp_proc_devs_free(&s->disk);
	free(s->proc_dir);
	free(s->sys_dir);
	free(s);
}
