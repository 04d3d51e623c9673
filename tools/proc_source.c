/* proc_source.c — this machine's metrics from /proc, as netdata's proc plugin charts them.
 *
 * Files are read line by line through one fixed buffer held in the source, so that a
 * collection allocates nothing once every interface and disk has been seen, and an odd
 * line (too long, truncated, not numbers) is skipped instead of misread. Each file is
 * parsed whole before anything of it is published: a file that fails half-way publishes
 * nothing, and its charts get a gap rather than a mix of two readings.
 */
#include "proc_source.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The most dims one chart of this source has (system.cpu's ten). */
#define PROC_DIMS_MAX 10
/* Longest interface or disk name kept, with its NUL (the kernel's are 16 and 32). */
#define PROC_NAME_MAX 64
/* One line read from a file; longer lines (the intr line of /proc/stat) are skipped. */
#define PROC_LINE_MAX 4096

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
	struct proc_dim_def dims[PROC_DIMS_MAX];
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

/* A chart this source feeds, with its dims in the template's order. */
struct proc_chart {
	struct mxp_chart *chart;  /* NULL until created (or taken over) */
	struct mxp_dim *dims[PROC_DIMS_MAX];
	bool created;             /* added by this source, not taken over: new() undoes it */
};

/* An interface or disk met in its file. Records are kept when a device vanishes, so
 * that its chart is found again if it comes back. */
struct proc_dev {
	char name[PROC_NAME_MAX];
	bool ignored;             /* lo, a partition, a loop or ram device: never charted */
	bool seen;                /* read in the file being parsed now */
	uint64_t values[2];       /* what that line said, per dim */
	struct proc_chart pc;
};

struct proc_devs {
	struct proc_dev *v;
	size_t n;
	size_t cap;
	size_t hint;              /* where the next line's device probably is */
};

/* A file read line by line through a fixed buffer. */
struct proc_file {
	int fd;
	int err;                  /* -errno of a failed read, else 0 */
	bool eof;
	bool skipping;            /* inside a line longer than the buffer */
	size_t len;               /* bytes in buf */
	size_t pos;               /* start of the next line in buf */
	char buf[PROC_LINE_MAX + 1];
};

struct mxp_proc_source {
	struct mxp_host *host;
	int update_every;
	char *proc_dir;
	char *sys_dir;
	size_t ncharts;
	struct proc_chart cpu;
	struct proc_chart ram;
	struct proc_chart load;
	struct proc_devs net;
	struct proc_devs disk;
	struct proc_file file;
};

/* ---- reading ---- */

/* Opens dir/name for reading through f. Returns 0 or -errno. */
static int file_open(struct proc_file *f, const char *dir, const char *name)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return -errno;
	f->err = 0;
	f->eof = false;
	f->skipping = false;
	f->len = 0;
	f->pos = 0;
	return 0;
}

/* Returns 0 if the whole file was read, else -errno of the read that failed. */
static int file_close(struct proc_file *f)
{
	close(f->fd);
	f->fd = -1;
	return f->err;
}

/* Returns the next line of f without its newline, NUL-terminated, valid until the next
 * call; NULL at the end of the file or on a read error (then f->err says which). Lines
 * longer than PROC_LINE_MAX are skipped whole: a cut line could read as a valid one. */
static char *file_line(struct proc_file *f)
{
	for (;;) {
		char *start = f->buf + f->pos;
		char *nl = memchr(start, '\n', f->len - f->pos);

		if (nl != NULL) {
			*nl = '\0';
			f->pos = (size_t)(nl + 1 - f->buf);
			if (f->skipping) {
				f->skipping = false;
				continue;
			}
			return start;
		}
		if (f->eof) {
			/* a last line without a newline still counts */
			if (f->pos < f->len && !f->skipping) {
				f->buf[f->len] = '\0';
				f->pos = f->len;
				return start;
			}
			return NULL;
		}
		size_t rest = f->len - f->pos;
		if (f->skipping || rest == PROC_LINE_MAX) {
			f->skipping = true;
			rest = 0;
		}
		memmove(f->buf, start, rest);
		f->len = rest;
		f->pos = 0;
		ssize_t n = read(f->fd, f->buf + f->len, PROC_LINE_MAX - f->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			f->err = -errno;
			f->eof = true;
			return NULL;
		}
		if (n == 0)
			f->eof = true;
		f->len += (size_t)n;
	}
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *p)
{
	while (is_blank(*p))
		p++;
	return p;
}

/* Parses the unsigned decimal at *p (after blanks) and moves *p past it. Returns false,
 * leaving *p alone, when there is none, it does not fit 64 bits, or it runs into a
 * character that is not a blank: such a line is not what the kernel writes. */
static bool parse_u64(const char **p, uint64_t *out)
{
	const char *s = skip_blanks(*p);
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned digit = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	if (*s != '\0' && !is_blank(*s))
		return false;
	*p = s;
	*out = v;
	return true;
}

/* Parses a decimal such as "0.52" at *p (after blanks) as thousandths (520) without
 * strtod, which would follow the caller's locale's decimal point. Digits past the third
 * decimal are dropped. Returns false as parse_u64() does. */
static bool parse_milli(const char **p, uint64_t *out)
{
	const char *s = skip_blanks(*p);
	uint64_t whole = 0;
	uint64_t frac = 0;
	unsigned nfrac = 0;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (whole > UINT64_MAX / 10000)
			return false;
		whole = whole * 10 + (unsigned)(*s - '0');
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++) {
			if (nfrac < 3) {
				frac = frac * 10 + (unsigned)(*s - '0');
				nfrac++;
			}
		}
	}
	for (; nfrac < 3; nfrac++)
		frac *= 10;
	if (*s != '\0' && !is_blank(*s))
		return false;
	*p = s;
	*out = whole * 1000 + frac;
	return true;
}

/* Returns a kernel counter as the store's signed value. A counter past 2^63 wraps to 0
 * there, which the store counts as a reset (nothing for one update) rather than as a
 * negative reading. */
static long long counter_value(uint64_t v)
{
	return (long long)(v & (uint64_t)LLONG_MAX);
}

/* ---- charts ---- */

/* Creates the chart of tmpl on the source's host (devname names net.* and disk.* charts),
 * or takes over the one that already exists under that id, and fills pc. Returns 0 or
 * -errno; on failure pc is left empty and whatever was created is removed, so that the
 * next collection tries again. */
static int chart_attach(struct mxp_proc_source *s, const struct proc_chart_tmpl *tmpl,
			const char *devname, struct proc_chart *pc)
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
	struct proc_chart got = {0};
	int ret = 0;

	got.chart = mxp_chart_add(s->host, &def);
	got.created = got.chart != NULL;
	if (got.chart == NULL) {
		char full_id[2 * PROC_NAME_MAX];
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
static void chart_publish(struct proc_chart *pc, const long long *values, size_t n,
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

/* Returns the record of name in d, adding it if new (then *added is true), or NULL when
 * out of memory. The pointer is valid until the next call. Devices come in the same order
 * on every read, so the record after the last one found is tried first. */
static struct proc_dev *devs_get(struct proc_devs *d, const char *name, bool *added)
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
		struct proc_dev *v = realloc(d->v, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		d->v = v;
		d->cap = cap;
	}
	struct proc_dev *dev = &d->v[d->n++];
	memset(dev, 0, sizeof(*dev));
	strcpy(dev->name, name); /* callers bound name to PROC_NAME_MAX - 1 */
	d->hint = d->n;
	*added = true;
	return dev;
}

/* Starts a read of d's file: nothing is seen yet. */
static void devs_begin(struct proc_devs *d)
{
	d->hint = 0;
	for (size_t i = 0; i < d->n; i++)
		d->v[i].seen = false;
}

/* Returns how many of d's devices have a chart. */
static size_t devs_charted(const struct proc_devs *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		n += d->v[i].pc.chart != NULL;
	return n;
}

/* Publishes every device of d seen in this read and charted. */
static void devs_publish(struct proc_devs *d, const struct timeval *now)
{
	for (size_t i = 0; i < d->n; i++) {
		struct proc_dev *dev = &d->v[i];
		if (!dev->seen || dev->pc.chart == NULL)
			continue;
		long long v[2] = {counter_value(dev->values[0]), counter_value(dev->values[1])};
		chart_publish(&dev->pc, v, 2, now);
	}
}

/* Records one device's values: finds or adds it (deciding with ignore() whether a new one
 * is charted), creates its chart if it has none yet. Returns 0 or -errno; the values are
 * kept even when the chart could not be created. */
static int dev_seen(struct mxp_proc_source *s, struct proc_devs *d,
		    const struct proc_chart_tmpl *tmpl, const char *name, const uint64_t values[2],
		    bool (*ignore)(const struct mxp_proc_source *, const char *))
{
	bool added;
	struct proc_dev *dev = devs_get(d, name, &added);

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
	uint64_t v[PROC_DIMS_MAX];
	size_t n = 0;
	bool found = false;
	char *line;
	int ret = file_open(&s->file, s->proc_dir, "stat");

	if (ret != 0)
		return ret;
	while (!found && (line = file_line(&s->file)) != NULL) {
		const char *p = line;
		if (strncmp(p, "cpu", 3) != 0 || !is_blank(p[3]))
			continue;
		p += 3;
		found = true;
		while (n < PROC_DIMS_MAX && parse_u64(&p, &v[n]))
			n++;
	}
	ret = file_close(&s->file);
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
		long long ll[PROC_DIMS_MAX];
		for (size_t i = 0; i < n; i++)
			ll[i] = counter_value(v[i]);
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
	int ret = file_open(&s->file, s->proc_dir, "meminfo");

	if (ret != 0)
		return ret;
	while ((line = file_line(&s->file)) != NULL) {
		char *colon = strchr(line, ':');
		if (colon == NULL)
			continue;
		*colon = '\0';
		for (int k = 0; k < MI_COUNT; k++) {
			const char *p = colon + 1;
			uint64_t v;
			if (strcmp(line, meminfo_keys[k]) != 0)
				continue;
			/* the value is followed by " kB", which parse_u64 stops at */
			if (parse_u64(&p, &v)) {
				kb[k] = v;
				have[k] = true;
			}
			break;
		}
	}
	ret = file_close(&s->file);
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
		long long ll[4] = {counter_value(kb[MI_FREE]), counter_value(used),
				   counter_value(cached), counter_value(kb[MI_BUFFERS])};
		chart_publish(&s->ram, ll, 4, now);
	}
	return 0;
}

static int read_load(struct mxp_proc_source *s, const struct timeval *now)
{
	uint64_t v[3];
	bool ok = false;
	char *line;
	int ret = file_open(&s->file, s->proc_dir, "loadavg");

	if (ret != 0)
		return ret;
	line = file_line(&s->file);
	if (line != NULL) {
		const char *p = line;
		ok = parse_milli(&p, &v[0]) && parse_milli(&p, &v[1]) && parse_milli(&p, &v[2]);
	}
	ret = file_close(&s->file);
	if (ret != 0)
		return ret;
	if (!ok)
		return -ENODATA;

	if (s->load.chart == NULL && (ret = chart_attach(s, &tmpl_load, NULL, &s->load)) != 0)
		return ret;
	if (now != NULL) {
		long long ll[3] = {counter_value(v[0]), counter_value(v[1]), counter_value(v[2])};
		chart_publish(&s->load, ll, 3, now);
	}
	return 0;
}

static bool net_ignore(const struct mxp_proc_source *s, const char *name)
{
	(void)s;
	return strcmp(name, "lo") == 0;
}

/* Copies the text between start and end, less blanks at both ends, to out (size
 * PROC_NAME_MAX). Returns false when it is empty or too long. */
static bool copy_name(const char *start, const char *end, char *out)
{
	start = skip_blanks(start);
	while (end > start && is_blank(end[-1]))
		end--;
	if (end == start || (size_t)(end - start) >= PROC_NAME_MAX)
		return false;
	memcpy(out, start, (size_t)(end - start));
	out[end - start] = '\0';
	return true;
}

static int read_net(struct mxp_proc_source *s, const struct timeval *now)
{
	char *line;
	int err = 0;
	int ret = file_open(&s->file, s->proc_dir, "net/dev");

	if (ret != 0)
		return ret;
	devs_begin(&s->net);
	while ((line = file_line(&s->file)) != NULL) {
		/* "  eth0: 123 ..." (or "name:123" when the number fills its column): counters
		 * hold no ':', so the name is everything before the last one, whatever it holds */
		char *colon = strrchr(line, ':');
		char name[PROC_NAME_MAX];
		uint64_t f[9];
		const char *p;
		int i;

		if (colon == NULL || !copy_name(line, colon, name))
			continue;
		p = colon + 1;
		/* bytes received is field 0 of 16, bytes sent field 8 */
		for (i = 0; i < 9 && parse_u64(&p, &f[i]); i++)
			;
		if (i < 9)
			continue;
		uint64_t values[2] = {f[0], f[8]};
		first_error(&err, dev_seen(s, &s->net, &tmpl_net, name, values, net_ignore));
	}
	ret = file_close(&s->file);
	if (ret != 0)
		return ret;
	if (now != NULL)
		devs_publish(&s->net, now);
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
	int ret = file_open(&s->file, s->proc_dir, "diskstats");

	if (ret != 0)
		return ret;
	devs_begin(&s->disk);
	while ((line = file_line(&s->file)) != NULL) {
		/* major minor name reads merged sectors_read ms writes merged sectors_written ... */
		const char *p = line;
		const char *start;
		char name[PROC_NAME_MAX];
		uint64_t f[7];
		int i;

		if (!parse_u64(&p, &f[0]) || !parse_u64(&p, &f[1]))
			continue;
		start = skip_blanks(p);
		for (p = start; *p != '\0' && !is_blank(*p); p++)
			;
		if (!copy_name(start, p, name))
			continue;
		for (i = 0; i < 7 && parse_u64(&p, &f[i]); i++)
			;
		if (i < 7)
			continue;
		uint64_t values[2] = {f[2], f[6]};
		first_error(&err, dev_seen(s, &s->disk, &tmpl_disk, name, values, disk_ignore));
	}
	ret = file_close(&s->file);
	if (ret != 0)
		return ret;
	if (now != NULL)
		devs_publish(&s->disk, now);
	return err;
}

/* ---- the source ---- */

static void devs_undo(struct proc_devs *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].pc.created)
			mxp_chart_remove(d->v[i].pc.chart);
}

static void chart_undo(struct proc_chart *pc)
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
	devs_undo(&s->net);
	devs_undo(&s->disk);
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

	had = devs_charted(&s->net) > 0;
	ret = read_net(s, now);
	if (had || ret == -ENOMEM)
		first_error(&err, ret);

	had = devs_charted(&s->disk) > 0;
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
	free(s->net.v);
	free(s->disk.v);
	free(s->proc_dir);
	free(s->sys_dir);
	free(s);
}
