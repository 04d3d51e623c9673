/* test_proc_source.c — the proc source against this machine's /proc (what it charts must
 * agree with what the test reads itself), and against fixture trees made in a temporary
 * directory, where the values are known and the lines can be as odd as we like. The
 * reader and parsers of proc_file.h it is built on are tested in test_proc_file.c. */
#include <criterion/criterion.h>

#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/store_internal.h"
#include "proc_source.h"

static const char *const cpu_dims[] = {"user",    "nice",    "system", "idle",  "iowait",
				       "irq",     "softirq", "steal",  "guest", "guest_nice"};
static const char *const ram_dims[] = {"free", "used", "cached", "buffers"};
static const char *const load_dims[] = {"load1", "load5", "load15"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

/* Returns dim id of chart full_id on host, failing the test if either is missing. */
static struct mxp_dim *dim_of(struct mxp_host *host, const char *full_id, const char *id)
{
	struct mxp_chart *c = mxp_chart_find(host, full_id);

	cr_assert_not_null(c, "chart %s missing", full_id);
	struct mxp_dim *d = mxp_dim_find(c, id);
	cr_assert_not_null(d, "dim %s of %s missing", id, full_id);
	return d;
}

/* Returns the chart's dims' collections, all asserted equal to want. */
static void assert_collected(struct mxp_host *host, const char *full_id, const char *const *ids,
			     size_t n, uint64_t want)
{
	for (size_t i = 0; i < n; i++) {
		struct mxp_dim *d = dim_of(host, full_id, ids[i]);
		cr_assert_eq(mxp_dim_collections(d), want, "%s.%s collected %llu times, want %llu",
			     full_id, ids[i], (unsigned long long)mxp_dim_collections(d),
			     (unsigned long long)want);
	}
}

static int64_t value_of(struct mxp_host *host, const char *full_id, const char *id)
{
	return mxp_dim_last_collected_value(dim_of(host, full_id, id));
}

/* Walks host's charts as a reader must (inside an epoch section of r). Returns how many
 * there are; for those whose id starts with prefix, checks that each dim of ids exists. */
static size_t walk_charts(struct mxp_store_reader *r, struct mxp_host *host, const char *prefix,
			  const char *const *ids, size_t nids, size_t *nprefixed)
{
	size_t n = 0;

	*nprefixed = 0;
	mxp_store_read_begin(r);
	for (struct mxp_chart *c = mxp_host_charts(host); c != NULL; c = mxp_chart_next(c)) {
		n++;
		if (strncmp(c->id, prefix, strlen(prefix)) != 0)
			continue;
		(*nprefixed)++;
		for (size_t i = 0; i < nids; i++)
			cr_expect_not_null(mxp_dim_find(c, ids[i]), "%s has no %s", c->id, ids[i]);
	}
	mxp_store_read_end(r);
	return n;
}

/* Returns MemTotal from /proc/meminfo in kB, read without the source's parser. */
static long long meminfo_total_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long long kb = -1;

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "MemTotal: %lld kB", &kb) == 1)
			break;
	fclose(f);
	cr_assert_gt(kb, 0, "no MemTotal in /proc/meminfo");
	return kb;
}

/* ---- this machine ---- */

Test(proc_source, this_machine)
{
	static const char *const net_dims[] = {"received", "sent"};
	static const char *const disk_dims[] = {"reads", "writes"};

	if (access("/proc/stat", R_OK) != 0 || access("/proc/meminfo", R_OK) != 0 ||
	    access("/proc/loadavg", R_OK) != 0)
		cr_skip_test("this machine has no readable /proc");

	struct mxp_store *store = mxp_store_new(NULL);
	cr_assert_not_null(store);
	struct mxp_host *host = mxp_host_add(store, "localhost", NULL, NULL, 0);
	cr_assert_not_null(host);
	struct mxp_proc_source *src = mxp_proc_source_new(host, 1);
	cr_assert_not_null(src, "new: %s", strerror(errno));

	struct timeval t0 = {.tv_sec = 1700000000, .tv_usec = 0};
	struct timeval t1 = {.tv_sec = 1700000001, .tv_usec = 0};
	cr_assert_eq(mxp_proc_source_collect(src, &t0), 0);
	cr_assert_eq(mxp_proc_source_collect(src, &t1), 0);

	/* the first four cpu fields are in every kernel; this one has them all, or not */
	assert_collected(host, "system.cpu", cpu_dims, 4, 2);
	for (size_t i = 0; i < COUNT(cpu_dims); i++)
		dim_of(host, "system.cpu", cpu_dims[i]);
	assert_collected(host, "system.ram", ram_dims, COUNT(ram_dims), 2);
	assert_collected(host, "system.load", load_dims, COUNT(load_dims), 2);

	long long total = meminfo_total_kb();
	int64_t used = value_of(host, "system.ram", "used");
	int64_t mem_free = value_of(host, "system.ram", "free");
	cr_expect_gt(used + mem_free, 0);
	cr_expect_leq(used + mem_free, total, "used %lld + free %lld > MemTotal %lld",
		      (long long)used, (long long)mem_free, total);
	int64_t sum = used + mem_free + value_of(host, "system.ram", "cached") +
		      value_of(host, "system.ram", "buffers");
	cr_expect_eq(sum, total, "the stacked ram dims add up to %lld, not MemTotal %lld",
		     (long long)sum, total);
	cr_expect_geq(value_of(host, "system.load", "load1"), 0);

	/* the store owns reader registrations (ck_epoch keeps them for the store's life) */
	struct mxp_store_reader *reader = mxp_store_reader_get(store);
	size_t nnet, ndisk;
	cr_assert_not_null(reader);
	size_t n = walk_charts(reader, host, "net.", net_dims, COUNT(net_dims), &nnet);
	walk_charts(reader, host, "disk.", disk_dims, COUNT(disk_dims), &ndisk);
	mxp_store_reader_put(reader);
	cr_expect_eq(n, mxp_proc_source_charts(src), "host has %zu charts, source says %zu", n,
		     mxp_proc_source_charts(src));
	cr_expect_eq(n, 3 + nnet + ndisk);
	cr_expect_null(mxp_chart_find(host, "net.lo"));
	cr_expect_null(mxp_chart_find(host, "disk.loop0"));

	mxp_proc_source_free(src);
	mxp_store_free(store);
}

Test(proc_source, bad_arguments)
{
	struct mxp_store *store = mxp_store_new(NULL);
	struct mxp_host *host = mxp_host_add(store, "localhost", NULL, NULL, 0);

	errno = 0;
	cr_expect_null(mxp_proc_source_new(host, 0));
	cr_expect_eq(errno, EINVAL);
	cr_expect_eq(host->charts, NULL);
	mxp_proc_source_free(NULL);
	mxp_store_free(store);
}

/* ---- fixtures ---- */

/* A fake /proc and /sys under one temporary directory. */
struct fixture {
	char root[64];
	char proc[96];
	char sys[96];
};

static void fx_mkdir(const char *path)
{
	cr_assert(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", path, strerror(errno));
}

/* Writes text to root/rel (replacing it). */
static void fx_write(const char *root, const char *rel, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

static void fx_unlink(const char *root, const char *rel)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	cr_assert_eq(unlink(path), 0, "%s: %s", path, strerror(errno));
}

static void fx_init(struct fixture *fx)
{
	char path[256];

	snprintf(fx->root, sizeof(fx->root), "/tmp/mxp-proc-XXXXXX");
	cr_assert_not_null(mkdtemp(fx->root));
	snprintf(fx->proc, sizeof(fx->proc), "%s/proc", fx->root);
	snprintf(fx->sys, sizeof(fx->sys), "%s/sys", fx->root);
	fx_mkdir(fx->proc);
	snprintf(path, sizeof(path), "%s/net", fx->proc);
	fx_mkdir(path);
	fx_mkdir(fx->sys);
	snprintf(path, sizeof(path), "%s/block", fx->sys);
	fx_mkdir(path);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void fx_fini(struct fixture *fx)
{
	nftw(fx->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Makes sys/block/<name> for each name. */
static void fx_disks(struct fixture *fx, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char path[256];
		snprintf(path, sizeof(path), "%s/block/%s", fx->sys, names[i]);
		fx_mkdir(path);
	}
}

static const char fx_stat[] =
	"cpu  1000 200 300 4000 50 6 7 8 90 10\n"
	"cpu0 500 100 150 2000 25 3 3 4 45 5\n"
	"intr 12345 0 0 0\n";

static const char fx_meminfo[] =
	"MemTotal:       16000000 kB\n"
	"MemFree:         4000000 kB\n"
	"MemAvailable:    9000000 kB\n"
	"Buffers:          500000 kB\n"
	"Cached:          3000000 kB\n"
	"Shmem:            200000 kB\n"
	"SReclaimable:     300000 kB\n"
	"HugePages_Total:       0\n";

static const char fx_netdev_head[] =
	"Inter-|   Receive                                                |  Transmit\n"
	" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
	"drop fifo colls carrier compressed\n";

Test(proc_source, fixture_values)
{
	static const char *const disks[] = {"sda", "nvme0n1", "loop0", "ram0", "cciss!c0d0"};
	struct fixture fx;
	char netdev[2048];

	fx_init(&fx);
	fx_disks(&fx, disks, COUNT(disks));
	fx_write(fx.proc, "stat", fx_stat);
	fx_write(fx.proc, "meminfo", fx_meminfo);
	fx_write(fx.proc, "loadavg", "0.52 1.5 12.345 2/345 6789\n");
	snprintf(netdev, sizeof(netdev),
		 "%s"
		 "    lo:    3267      29    0    0    0     0          0         0     3267      29    0    0    0     0       0          0\n"
		 "  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0\n"
		 "enp0s31f6:123456789012 1 0 0 0 0 0 0 42 1 0 0 0 0 0 0\n"
		 " we:ird: 7 0 0 0 0 0 0 0 8 0 0 0 0 0 0 0\n"
		 " short: 1 2 3\n"
		 " bad: 1 2 x 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
		 "no colon at all\n"
		 ":  1 2 3 4 5 6 7 8 9\n",
		 fx_netdev_head);
	fx_write(fx.proc, "net/dev", netdev);
	fx_write(fx.proc, "diskstats",
		 "   8       0 sda 100 0 2048 0 50 0 4096 0 0 0 0\n"
		 "   8       1 sda1 100 0 2048 0 50 0 4096 0 0 0 0\n"
		 "   7       0 loop0 1 0 8 0 0 0 0 0 0 0 0\n"
		 "   1       0 ram0 1 0 8 0 0 0 0 0 0 0 0\n"
		 " 259       0 nvme0n1 1 0 10 0 1 0 20 0 0 0 0 0 0 0 0 0 0\n"
		 " 104       0 cciss/c0d0 1 0 30 0 1 0 40 0 0 0 0\n"
		 " 8 16 sdb 1 0 2 0 3 0 4\n"
		 " 8 32 tooshort 1 2 3\n"
		 "garbage\n");

	struct mxp_store *store = mxp_store_new(NULL);
	struct mxp_host *host = mxp_host_add(store, "localhost", NULL, NULL, 0);
	struct mxp_proc_source *src = mxp_proc_source_new_at(host, 1, fx.proc, fx.sys);
	cr_assert_not_null(src, "new: %s", strerror(errno));
	struct timeval t0 = {.tv_sec = 1700000000};
	cr_assert_eq(mxp_proc_source_collect(src, &t0), 0);

	/* guest is counted in user and guest_nice in nice: taken out of them */
	cr_expect_eq(value_of(host, "system.cpu", "user"), 1000 - 90);
	cr_expect_eq(value_of(host, "system.cpu", "nice"), 200 - 10);
	cr_expect_eq(value_of(host, "system.cpu", "guest_nice"), 10);
	/* cached = Cached + SReclaimable - Shmem; used = the rest of MemTotal */
	cr_expect_eq(value_of(host, "system.ram", "free"), 4000000);
	cr_expect_eq(value_of(host, "system.ram", "cached"), 3000000 + 300000 - 200000);
	cr_expect_eq(value_of(host, "system.ram", "buffers"), 500000);
	cr_expect_eq(value_of(host, "system.ram", "used"), 16000000 - 4000000 - 3100000 - 500000);
	cr_expect_eq(value_of(host, "system.load", "load1"), 520);
	cr_expect_eq(value_of(host, "system.load", "load5"), 1500);
	cr_expect_eq(value_of(host, "system.load", "load15"), 12345);

	cr_expect_null(mxp_chart_find(host, "net.lo"));
	cr_expect_eq(value_of(host, "net.eth0", "received"), 1000);
	cr_expect_eq(value_of(host, "net.eth0", "sent"), 2000);
	cr_expect_eq(value_of(host, "net.enp0s31f6", "received"), 123456789012LL);
	cr_expect_eq(value_of(host, "net.enp0s31f6", "sent"), 42);
	cr_expect_eq(value_of(host, "net.we:ird", "received"), 7);
	cr_expect_null(mxp_chart_find(host, "net.short"));
	cr_expect_null(mxp_chart_find(host, "net.bad"));

	cr_expect_eq(value_of(host, "disk.sda", "reads"), 2048);
	cr_expect_eq(value_of(host, "disk.sda", "writes"), 4096);
	cr_expect_eq(value_of(host, "disk.nvme0n1", "writes"), 20);
	cr_expect_eq(value_of(host, "disk.cciss/c0d0", "reads"), 30);
	cr_expect_null(mxp_chart_find(host, "disk.sda1"), "a partition is not charted");
	cr_expect_null(mxp_chart_find(host, "disk.loop0"));
	cr_expect_null(mxp_chart_find(host, "disk.ram0"));
	cr_expect_null(mxp_chart_find(host, "disk.sdb"), "no /sys/block/sdb");
	cr_expect_null(mxp_chart_find(host, "disk.tooshort"));

	struct mxp_chart *net = mxp_chart_find(host, "net.eth0");
	cr_expect_str_eq(net->family, "eth0");
	cr_expect_str_eq(net->context, "net.net");
	cr_expect_str_eq(net->units, "kilobits/s");
	cr_expect_str_eq(net->chart_type, "area");
	cr_expect_eq(dim_of(host, "net.eth0", "sent")->multiplier, -8);
	cr_expect_eq(dim_of(host, "net.eth0", "sent")->divisor, 1000);
	struct mxp_chart *cpu = mxp_chart_find(host, "system.cpu");
	cr_expect_str_eq(cpu->units, "percentage");
	cr_expect_str_eq(cpu->chart_type, "stacked");
	cr_expect_eq(dim_of(host, "system.cpu", "idle")->algorithm, MXP_ALG_PCENT_OVER_DIFF);
	cr_expect_eq(dim_of(host, "system.ram", "used")->divisor, 1024);
	cr_expect_eq(dim_of(host, "disk.sda", "writes")->multiplier, -512);
	cr_expect_str_eq(mxp_chart_find(host, "disk.sda")->context, "disk.io");

	/* 3 system + eth0, enp0s31f6, we:ird + sda, nvme0n1, cciss/c0d0 */
	cr_expect_eq(mxp_proc_source_charts(src), 9);

	mxp_proc_source_free(src);
	mxp_store_free(store);
	fx_fini(&fx);
}

Test(proc_source, devices_come_and_go)
{
	static const char *const disks[] = {"sda", "sdb"};
	struct fixture fx;
	char netdev[1024];

	fx_init(&fx);
	fx_disks(&fx, disks, COUNT(disks));
	snprintf(netdev, sizeof(netdev), "%s  eth0: 1000 0 0 0 0 0 0 0 2000 0 0 0 0 0 0 0\n",
		 fx_netdev_head);
	fx_write(fx.proc, "net/dev", netdev);
	fx_write(fx.proc, "diskstats", "8 0 sda 1 0 10 0 1 0 20 0 0 0 0\n");

	struct mxp_store *store = mxp_store_new(NULL);
	struct mxp_host *host = mxp_host_add(store, "localhost", NULL, NULL, 0);
	struct mxp_proc_source *src = mxp_proc_source_new_at(host, 1, fx.proc, fx.sys);
	cr_assert_not_null(src);
	/* no stat, meminfo or loadavg here: those charts are absent, which is no error */
	cr_expect_eq(mxp_proc_source_charts(src), 2);
	cr_expect_null(mxp_chart_find(host, "system.cpu"));

	struct timeval t = {.tv_sec = 1700000000};
	cr_assert_eq(mxp_proc_source_collect(src, &t), 0);

	/* eth1 and sdb appear, eth0 goes away */
	snprintf(netdev, sizeof(netdev), "%s  eth1: 5 0 0 0 0 0 0 0 6 0 0 0 0 0 0 0\n",
		 fx_netdev_head);
	fx_write(fx.proc, "net/dev", netdev);
	fx_write(fx.proc, "diskstats",
		 "8 0 sda 1 0 11 0 1 0 21 0 0 0 0\n8 16 sdb 1 0 12 0 1 0 22 0 0 0 0\n");
	t.tv_sec++;
	cr_assert_eq(mxp_proc_source_collect(src, &t), 0);
	cr_expect_eq(mxp_proc_source_charts(src), 4);
	cr_expect_eq(mxp_dim_collections(dim_of(host, "net.eth0", "received")), 1);
	cr_expect_eq(mxp_dim_collections(dim_of(host, "net.eth1", "received")), 1);
	cr_expect_eq(mxp_dim_collections(dim_of(host, "disk.sda", "reads")), 2);
	cr_expect_eq(value_of(host, "disk.sdb", "writes"), 22);

	/* eth0 comes back: same chart, no new one */
	snprintf(netdev, sizeof(netdev),
		 "%s  eth0: 1500 0 0 0 0 0 0 0 2500 0 0 0 0 0 0 0\n"
		 "  eth1: 5 0 0 0 0 0 0 0 6 0 0 0 0 0 0 0\n",
		 fx_netdev_head);
	fx_write(fx.proc, "net/dev", netdev);
	t.tv_sec++;
	cr_assert_eq(mxp_proc_source_collect(src, &t), 0);
	cr_expect_eq(mxp_proc_source_charts(src), 4);
	cr_expect_eq(mxp_dim_collections(dim_of(host, "net.eth0", "received")), 2);
	cr_expect_eq(value_of(host, "net.eth0", "received"), 1500);

	/* a file that fed charts and is gone now is reported, after the rest is published */
	fx_unlink(fx.proc, "net/dev");
	t.tv_sec++;
	cr_expect_eq(mxp_proc_source_collect(src, &t), -ENOENT);
	cr_expect_eq(mxp_dim_collections(dim_of(host, "disk.sda", "reads")), 4);

	/* a second source on the same host takes the charts over instead of failing */
	mxp_proc_source_free(src);
	src = mxp_proc_source_new_at(host, 1, fx.proc, fx.sys);
	cr_assert_not_null(src, "new: %s", strerror(errno));
	cr_expect_eq(mxp_proc_source_charts(src), 2);
	t.tv_sec++;
	cr_expect_eq(mxp_proc_source_collect(src, &t), 0);
	cr_expect_eq(mxp_dim_collections(dim_of(host, "disk.sda", "reads")), 5);

	mxp_proc_source_free(src);
	mxp_store_free(store);
	fx_fini(&fx);
}

/* Lines longer than the read buffer are skipped whole, and a file far larger than the
 * buffer is read to its end. */
Test(proc_source, long_lines_and_long_files)
{
	struct fixture fx;
	size_t cap = 64 * 1024;
	char *netdev = malloc(cap);
	char *stat = malloc(cap);
	size_t len;

	cr_assert_not_null(netdev);
	cr_assert_not_null(stat);
	fx_init(&fx);

	/* An overlong first line whose part past the 4096th byte reads as a cpu line: a reader
	 * that returned the cut-off part as a line of its own would take it for the real one
	 * that follows. */
	len = (size_t)snprintf(stat, cap, "intr");
	while (len < 4096)
		len += (size_t)snprintf(stat + len, cap - len, " 1");
	cr_assert_eq(len, 4096);
	len += (size_t)snprintf(stat + len, cap - len, "cpu  9 9 9 9");
	while (len < 20000)
		len += (size_t)snprintf(stat + len, cap - len, " 1");
	len += (size_t)snprintf(stat + len, cap - len, "\ncpu  1 2 3 4\n");
	fx_write(fx.proc, "stat", stat);

	len = (size_t)snprintf(netdev, cap, "%s", fx_netdev_head);
	/* a 5,000-character name line: cut at the buffer, its tail would look like a line */
	len += (size_t)snprintf(netdev + len, cap - len, "  ");
	for (int i = 0; i < 5000; i++)
		netdev[len++] = 'x';
	len += (size_t)snprintf(netdev + len, cap - len,
				"\n long: 1 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0\n");
	for (int i = 0; i < 400; i++)
		len += (size_t)snprintf(netdev + len, cap - len,
					"  veth%03d: %d 0 0 0 0 0 0 0 %d 0 0 0 0 0 0 0\n", i, i, 2 * i);
	/* and a last line without its newline */
	len += (size_t)snprintf(netdev + len, cap - len,
				"  last: 77 0 0 0 0 0 0 0 88 0 0 0 0 0 0 0");
	cr_assert_lt(len, cap);
	fx_write(fx.proc, "net/dev", netdev);

	struct mxp_store *store = mxp_store_new(NULL);
	struct mxp_host *host = mxp_host_add(store, "localhost", NULL, NULL, 0);
	struct mxp_proc_source *src = mxp_proc_source_new_at(host, 1, fx.proc, fx.sys);
	cr_assert_not_null(src);
	struct timeval t = {.tv_sec = 1700000000};
	cr_assert_eq(mxp_proc_source_collect(src, &t), 0);

	cr_expect_eq(value_of(host, "system.cpu", "user"), 1);
	cr_expect_eq(value_of(host, "system.cpu", "idle"), 4);
	/* a kernel with four cpu fields: the dims it lacks get nothing */
	cr_expect_eq(mxp_dim_collections(dim_of(host, "system.cpu", "idle")), 1);
	cr_expect_eq(mxp_dim_collections(dim_of(host, "system.cpu", "iowait")), 0);
	cr_expect_eq(value_of(host, "net.long", "received"), 1);
	cr_expect_eq(value_of(host, "net.veth000", "sent"), 0);
	cr_expect_eq(value_of(host, "net.veth399", "received"), 399);
	cr_expect_eq(value_of(host, "net.veth399", "sent"), 798);
	cr_expect_eq(value_of(host, "net.last", "sent"), 88);
	/* system.cpu + long + 400 veths + last */
	cr_expect_eq(mxp_proc_source_charts(src), 1 + 1 + 400 + 1);

	mxp_proc_source_free(src);
	mxp_store_free(store);
	fx_fini(&fx);
	free(netdev);
	free(stat);
}

/* A counter past 2^63 in a real file reaches the store as its low 63 bits. */
Test(proc_source, counters_past_63_bits_reach_the_store)
{
	struct fixture fx;
	char netdev[1024];

	fx_init(&fx);
	snprintf(netdev, sizeof(netdev),
		 "%s  eth0: 9223372036854775807 0 0 0 0 0 0 0 9223372036854775809 0 0 0 0 0 0 0\n"
		 "  eth1: 18446744073709551616 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0\n",
		 fx_netdev_head);
	fx_write(fx.proc, "net/dev", netdev);

	struct mxp_store *store = mxp_store_new(NULL);
	struct mxp_host *host = mxp_host_add(store, "localhost", NULL, NULL, 0);
	struct mxp_proc_source *src = mxp_proc_source_new_at(host, 1, fx.proc, fx.sys);
	cr_assert_not_null(src);
	struct timeval t = {.tv_sec = 1700000000};
	cr_assert_eq(mxp_proc_source_collect(src, &t), 0);
	cr_expect_eq(value_of(host, "net.eth0", "received"), INT64_MAX);
	cr_expect_eq(value_of(host, "net.eth0", "sent"), 1);
	cr_expect_null(mxp_chart_find(host, "net.eth1"), "a field past 64 bits spoils its line");

	mxp_proc_source_free(src);
	mxp_store_free(store);
	fx_fini(&fx);
}
