/* test_proc_file.c — the /proc file reader and the field parsers of proc_file.h, at their
 * edges: the 64-bit cut of every number, fields the kernel would not write, lines longer
 * than the buffer, lines that straddle a refill, and reads that fail. */
#include <criterion/criterion.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "proc_file.h"

/* ---- a temporary directory for the reader's files ---- */

/* A directory made for one test, holding the files it reads and a subdirectory "subdir"
 * (a file that opens but cannot be read). */
struct tmp_dir {
	char path[64];
};

static void td_init(struct tmp_dir *td)
{
	char sub[96];

	snprintf(td->path, sizeof(td->path), "/tmp/mxp-proc-file-XXXXXX");
	cr_assert_not_null(mkdtemp(td->path), "mkdtemp: %s", strerror(errno));
	snprintf(sub, sizeof(sub), "%s/subdir", td->path);
	cr_assert_eq(mkdir(sub, 0755), 0, "mkdir %s: %s", sub, strerror(errno));
}

/* Writes text to the file name in td (replacing it). */
static void td_write(struct tmp_dir *td, const char *name, const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", td->path, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void td_fini(struct tmp_dir *td)
{
	nftw(td->path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- the parsers ---- */

/* Parses text with mxp_proc_parse_u64(), expecting ok; on success *out is the value and
 * *rest what follows it, on failure the cursor and the output must be untouched. */
static void parse_u64_case(const char *text, bool ok, uint64_t want, const char *rest)
{
	const char *p = text;
	uint64_t v = 12345;

	cr_expect_eq(mxp_proc_parse_u64(&p, &v), ok, "\"%s\" %s", text, ok ? "refused" : "parsed");
	if (ok) {
		cr_expect_eq(v, want, "\"%s\" read as %llu", text, (unsigned long long)v);
		cr_expect_str_eq(p, rest, "\"%s\" stopped before \"%s\"", text, p);
	} else {
		cr_expect_eq(p, text, "\"%s\" moved the cursor on failure", text);
		cr_expect_eq(v, 12345, "\"%s\" wrote the output on failure", text);
	}
}

Test(proc_file, parse_u64)
{
	parse_u64_case("0", true, 0, "");
	parse_u64_case(" \t42 kB", true, 42, " kB");
	parse_u64_case("007", true, 7, "");
	/* the 64-bit cut */
	parse_u64_case("18446744073709551615", true, UINT64_MAX, "");
	parse_u64_case("18446744073709551616", false, 0, NULL);
	parse_u64_case("18446744073709551620", false, 0, NULL);
	parse_u64_case("99999999999999999999999", false, 0, NULL);
	/* garbage: not what the kernel writes */
	parse_u64_case("", false, 0, NULL);
	parse_u64_case("   ", false, 0, NULL);
	parse_u64_case("-1", false, 0, NULL);
	parse_u64_case("+1", false, 0, NULL);
	parse_u64_case("12x", false, 0, NULL);
	parse_u64_case("1.5", false, 0, NULL);
	parse_u64_case("0x10", false, 0, NULL);
	parse_u64_case("1,2", false, 0, NULL);
	parse_u64_case("3\n", false, 0, NULL);
	parse_u64_case("kB", false, 0, NULL);
}

Test(proc_file, parse_u64s)
{
	const char *text = "1 2\t3 x 5";
	const char *p = text;
	uint64_t v[5] = {9, 9, 9, 9, 9};

	cr_expect_eq(mxp_proc_parse_u64s(&p, v, 5), 3);
	cr_expect(v[0] == 1 && v[1] == 2 && v[2] == 3);
	cr_expect(v[3] == 9 && v[4] == 9, "the fields after the bad one are untouched");
	cr_expect_str_eq(p, " x 5");

	p = text;
	cr_expect_eq(mxp_proc_parse_u64s(&p, v, 2), 2, "n bounds what is read");
	cr_expect_str_eq(p, "\t3 x 5");
	p = "";
	cr_expect_eq(mxp_proc_parse_u64s(&p, v, 5), 0);
	p = "7 8";
	cr_expect_eq(mxp_proc_parse_u64s(&p, v, 0), 0);
	cr_expect_str_eq(p, "7 8");
}

/* The store's values are signed: a counter keeps its low 63 bits, so that one past 2^63
 * wraps round from 0 (a reset to the store) instead of reading negative. */
Test(proc_file, counter_at_the_63_bit_cut)
{
	const char *p = "9223372036854775807 9223372036854775808 9223372036854775813";
	uint64_t v[3];

	cr_assert_eq(mxp_proc_parse_u64s(&p, v, 3), 3);
	cr_expect_eq(mxp_proc_parse_counter(v[0]), LLONG_MAX);
	cr_expect_eq(mxp_proc_parse_counter(v[1]), 0);
	cr_expect_eq(mxp_proc_parse_counter(v[2]), 5);
	cr_expect_eq(mxp_proc_parse_counter(UINT64_MAX), LLONG_MAX);
	cr_expect_eq(mxp_proc_parse_counter(0), 0);
}

static void parse_milli_case(const char *text, bool ok, uint64_t want)
{
	const char *p = text;
	uint64_t v = 12345;

	cr_expect_eq(mxp_proc_parse_milli(&p, &v), ok, "\"%s\" %s", text, ok ? "refused" : "parsed");
	if (ok)
		cr_expect_eq(v, want, "\"%s\" read as %llu", text, (unsigned long long)v);
	else
		cr_expect(p == text && v == 12345, "\"%s\" touched cursor or output", text);
}

Test(proc_file, parse_milli)
{
	parse_milli_case("0.52", true, 520);
	parse_milli_case(" 1.5 ", true, 1500);
	parse_milli_case("12.345", true, 12345);
	parse_milli_case("3", true, 3000);
	parse_milli_case("7.", true, 7000);
	parse_milli_case("0.0009", true, 0);       /* dropped, not rounded */
	parse_milli_case("2.9999", true, 2999);
	parse_milli_case("18446744073709550.999", true, 18446744073709550999ull);
	parse_milli_case("18446744073709560", false, 0);
	parse_milli_case("", false, 0);
	parse_milli_case(".5", false, 0);
	parse_milli_case("-0.5", false, 0);
	parse_milli_case("0,52", false, 0);         /* another locale's decimal point */
	parse_milli_case("1.2.3", false, 0);
	parse_milli_case("1e3", false, 0);
}

/* The thousandths must fit 64 bits: UINT64_MAX is 18446744073709551.615 of them. Whole
 * parts from ...551 up to ...559 once passed the digit check and then wrapped. */
Test(proc_file, parse_milli_at_the_64_bit_cut)
{
	parse_milli_case("18446744073709551", true, 18446744073709551000ull);
	parse_milli_case("18446744073709551.615", true, UINT64_MAX);
	parse_milli_case("18446744073709551.6159", true, UINT64_MAX); /* dropped, not rounded */
	parse_milli_case("18446744073709551.616", false, 0);
	parse_milli_case("18446744073709551.7", false, 0);
	parse_milli_case("18446744073709552", false, 0);
	parse_milli_case("18446744073709555.5", false, 0);
	parse_milli_case("18446744073709559", false, 0);
	parse_milli_case("18446744073709559.999", false, 0);
	parse_milli_case("184467440737095510", false, 0);
	parse_milli_case("99999999999999999999999", false, 0);
}

Test(proc_file, parse_name_and_word)
{
	char out[8];
	const char *text = "  eth0 \t: 1";

	cr_expect(mxp_proc_parse_name(text, strchr(text, ':'), out, sizeof(out)));
	cr_expect_str_eq(out, "eth0");
	text = "   :";
	strcpy(out, "keep");
	cr_expect_not(mxp_proc_parse_name(text, text + 3, out, sizeof(out)), "only blanks");
	cr_expect_not(mxp_proc_parse_name(text, text, out, sizeof(out)), "nothing");
	text = "1234567 12345678";
	cr_expect(mxp_proc_parse_name(text, text + 7, out, sizeof(out)), "7 bytes and a NUL fit 8");
	cr_expect_str_eq(out, "1234567");
	strcpy(out, "keep");
	cr_expect_not(mxp_proc_parse_name(text + 8, text + 16, out, sizeof(out)), "8 do not");
	cr_expect_str_eq(out, "keep");

	const char *p = "  sda 1 2";
	cr_expect(mxp_proc_parse_word(&p, out, sizeof(out)));
	cr_expect_str_eq(out, "sda");
	cr_expect_str_eq(p, " 1 2");
	p = "cciss/c0d0 1";
	strcpy(out, "keep");
	cr_expect_not(mxp_proc_parse_word(&p, out, sizeof(out)), "too long for out");
	cr_expect_str_eq(p, "cciss/c0d0 1");
	cr_expect_str_eq(out, "keep");
	p = " \t ";
	cr_expect_not(mxp_proc_parse_word(&p, out, sizeof(out)));
	cr_expect_str_eq(p, " \t ");
}

/* ---- the reader ---- */

/* Appends n copies of c and then tail to buf at *len. */
static void put_run(char *buf, size_t *len, char c, size_t n, const char *tail)
{
	memset(buf + *len, c, n);
	*len += n;
	*len += (size_t)sprintf(buf + *len, "%s", tail);
}

/* A line of MXP_PROC_LINE_MAX - 1 characters is the longest returned; from
 * MXP_PROC_LINE_MAX on a line is skipped whole, wherever it starts in the buffer, and the
 * lines around it are read intact. */
Test(proc_file, over_long_lines)
{
	struct tmp_dir td;
	struct mxp_proc_file f = {.fd = -1};
	size_t cap = 64 * 1024;
	char *text = malloc(cap);
	size_t len = 0;
	char *line;

	cr_assert_not_null(text);
	td_init(&td);
	put_run(text, &len, 'a', MXP_PROC_LINE_MAX - 1, "\n");
	put_run(text, &len, 'b', MXP_PROC_LINE_MAX, "\n");
	put_run(text, &len, 'c', 0, "after b\n\n");
	put_run(text, &len, 'd', MXP_PROC_LINE_MAX + 1, "\n");
	put_run(text, &len, 'e', 3 * MXP_PROC_LINE_MAX + 17, "\n");
	put_run(text, &len, 'f', 0, "short\n");
	put_run(text, &len, 'g', MXP_PROC_LINE_MAX - 1, "\n");
	put_run(text, &len, 'h', MXP_PROC_LINE_MAX - 1, "");
	cr_assert_lt(len, cap);
	td_write(&td, "long", text);

	cr_assert_eq(mxp_proc_file_open(&f, td.path, "long"), 0);
	line = mxp_proc_file_line(&f);
	cr_assert_not_null(line);
	cr_expect_eq(strlen(line), MXP_PROC_LINE_MAX - 1);
	cr_expect_eq(strspn(line, "a"), MXP_PROC_LINE_MAX - 1);
	line = mxp_proc_file_line(&f);
	cr_expect_str_eq(line, "after b", "the line of MXP_PROC_LINE_MAX b's is skipped");
	cr_expect_str_eq(mxp_proc_file_line(&f), "", "an empty line is a line");
	cr_expect_str_eq(mxp_proc_file_line(&f), "short", "d and e lines skipped whole");
	line = mxp_proc_file_line(&f);
	cr_assert_not_null(line);
	cr_expect_eq(strspn(line, "g"), MXP_PROC_LINE_MAX - 1);
	cr_expect_eq(strlen(line), MXP_PROC_LINE_MAX - 1);
	line = mxp_proc_file_line(&f);
	cr_assert_not_null(line, "a last line without a newline counts");
	cr_expect_eq(strspn(line, "h"), MXP_PROC_LINE_MAX - 1);
	cr_expect_eq(strlen(line), MXP_PROC_LINE_MAX - 1);
	cr_expect_null(mxp_proc_file_line(&f));
	cr_expect_null(mxp_proc_file_line(&f), "the end stays the end");
	cr_expect_eq(mxp_proc_file_close(&f), 0);
	cr_expect_eq(f.fd, -1);

	/* an over-long last line without its newline is skipped too, its tail past the
	 * buffer included */
	for (size_t extra = 0; extra <= 10; extra += 10) {
		len = 0;
		put_run(text, &len, 'x', 0, "first\n");
		put_run(text, &len, 'y', MXP_PROC_LINE_MAX + extra, "");
		td_write(&td, "long", text);
		cr_assert_eq(mxp_proc_file_open(&f, td.path, "long"), 0);
		cr_expect_str_eq(mxp_proc_file_line(&f), "first");
		cr_expect_null(mxp_proc_file_line(&f), "%zu past the buffer", extra);
		cr_expect_eq(mxp_proc_file_close(&f), 0);
	}

	td_fini(&td);
	free(text);
}

/* Short lines that straddle every buffer refill come back whole and in order. */
Test(proc_file, many_short_lines)
{
	struct tmp_dir td;
	struct mxp_proc_file f = {.fd = -1};
	char *text = malloc(32 * 1024);
	size_t len = 0;
	char want[32];
	char *line;
	int n = 0;

	cr_assert_not_null(text);
	td_init(&td);
	for (int i = 0; i < 2000; i++)
		len += (size_t)sprintf(text + len, "line %d\n", i);
	td_write(&td, "many", text);
	cr_assert_eq(mxp_proc_file_open(&f, td.path, "many"), 0);
	while ((line = mxp_proc_file_line(&f)) != NULL) {
		snprintf(want, sizeof(want), "line %d", n++);
		cr_assert_str_eq(line, want);
	}
	cr_expect_eq(n, 2000);
	cr_expect_eq(mxp_proc_file_close(&f), 0);

	td_write(&td, "empty", "");
	cr_assert_eq(mxp_proc_file_open(&f, td.path, "empty"), 0);
	cr_expect_null(mxp_proc_file_line(&f));
	cr_expect_eq(mxp_proc_file_close(&f), 0);
	td_fini(&td);
	free(text);
}

Test(proc_file, errors)
{
	struct tmp_dir td;
	struct mxp_proc_file f = {.fd = -1};
	char *longname = malloc(PATH_MAX + 1);

	cr_assert_not_null(longname);
	td_init(&td);
	cr_expect_eq(mxp_proc_file_open(&f, td.path, "missing"), -ENOENT);
	memset(longname, 'n', PATH_MAX);
	longname[PATH_MAX] = '\0';
	cr_expect_eq(mxp_proc_file_open(&f, td.path, longname), -ENAMETOOLONG);
	cr_expect_eq(f.fd, -1, "a failed open leaves nothing open");

	/* a read that fails ends the lines and is what close returns */
	cr_assert_eq(mxp_proc_file_open(&f, td.path, "subdir"), 0);
	cr_expect_null(mxp_proc_file_line(&f));
	cr_expect_eq(mxp_proc_file_close(&f), -EISDIR);
	td_fini(&td);
	free(longname);
}
