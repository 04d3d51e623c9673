/* proc_file.h — reading /proc and /sys files line by line through one fixed buffer, and
 * parsing the numbers and names on those lines, for the sources that chart this machine.
 *
 * Nothing here allocates: a reader is embedded in its owner and reused for every file,
 * so that a collection costs no memory once it has run. A line is either whole or not
 * returned at all, and a field is either a number the kernel could have written or
 * refused, so that an odd file is skipped instead of misread. A reader is one thread's.
 */
#ifndef MXP_PROC_FILE_H
#define MXP_PROC_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The buffer one line must fit in: a line of MXP_PROC_LINE_MAX characters or more, not
 * counting its newline (the intr line of /proc/stat), is skipped. */
#define MXP_PROC_LINE_MAX 4096

/* A file read line by line. Callers embed it and touch no field but fd, which they may
 * set to -1 to say that nothing is open; the rest belongs to the functions below. */
struct mxp_proc_file {
	int fd;                   /* the open file, or -1 */
	int err;                  /* -errno of a failed read, else 0 */
	bool eof;
	bool skipping;            /* inside a line too long for the buffer */
	size_t len;               /* bytes in buf */
	size_t pos;               /* start of the next line in buf */
	char buf[MXP_PROC_LINE_MAX + 1];
};

/* Opens dir/name for reading through f, which must have nothing open. Returns 0, and then
 * the caller MUST call mxp_proc_file_close(f), or -errno (-ENAMETOOLONG when the path does
 * not fit PATH_MAX) with nothing open. */
int mxp_proc_file_open(struct mxp_proc_file *f, const char *dir, const char *name);

/* Returns the next line of f without its newline, NUL-terminated, in f's buffer and valid
 * until the next call on f (the caller may write into it); NULL at the end of the file or
 * on a read error, which mxp_proc_file_close() then returns. A last line without a newline
 * still counts. Lines too long for the buffer are skipped whole: a cut line could read as
 * a valid one. */
char *mxp_proc_file_line(struct mxp_proc_file *f);

/* Closes f's file and marks f as having nothing open. Returns 0 if the whole file was
 * read, else the -errno of the read that failed: the lines returned before it were then
 * only part of the file, which the caller must not publish as if whole. */
int mxp_proc_file_close(struct mxp_proc_file *f);

/* Returns whether c separates fields on a /proc line (a space or a tab). */
static inline bool mxp_proc_parse_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Returns p moved past the blanks it starts with. */
static inline const char *mxp_proc_parse_skip_blanks(const char *p)
{
	while (mxp_proc_parse_is_blank(*p))
		p++;
	return p;
}

/* Parses the unsigned decimal at *p (after blanks) into *out and moves *p past it. Returns
 * true, or false leaving *p and *out alone when there is none, it does not fit 64 bits,
 * or it runs into a character that is not a blank or the end: such a field ("12x", "-1",
 * "1.5") is not what the kernel writes. */
bool mxp_proc_parse_u64(const char **p, uint64_t *out);

/* Parses up to n unsigned decimals in a row at *p into out[0..n-1], as
 * mxp_proc_parse_u64() parses each, stopping at the first field that is not one. Returns
 * how many were parsed, with *p just past the last of them; out[] past that is untouched. */
size_t mxp_proc_parse_u64s(const char **p, uint64_t *out, size_t n);

/* Parses a decimal such as "0.52" at *p (after blanks) into *out as thousandths (520),
 * without strtod, which would follow the caller's locale's decimal point. Digits past the
 * third decimal are dropped, not rounded. Returns as mxp_proc_parse_u64() does, refusing
 * a number whose thousandths do not fit 64 bits (above 18446744073709551.615). */
bool mxp_proc_parse_milli(const char **p, uint64_t *out);

/* Copies the text from start to end (a field the caller delimited), less blanks at both
 * ends, to out of size bytes, NUL-terminated. Returns false, with out untouched, when that
 * is empty or needs more than size bytes with its NUL. */
bool mxp_proc_parse_name(const char *start, const char *end, char *out, size_t size);

/* Copies the next field at *p (after blanks, up to the next blank or the end) to out of
 * size bytes, NUL-terminated, and moves *p past it. Returns false, leaving *p and out
 * alone, when there is no field or it needs more than size bytes with its NUL. */
bool mxp_proc_parse_word(const char **p, char *out, size_t size);

/* Returns a kernel counter (a u64 as parsed above) as the store's signed value: the low 63
 * bits, so that 2^63 - 1 stays itself and a counter past it wraps round from 0. The store
 * then counts the wrap as a reset (nothing for one update) rather than as a negative
 * reading. */
long long mxp_proc_parse_counter(uint64_t v);

#endif
