/* proc_file.c — /proc and /sys files read line by line through a fixed buffer, and the
 * parsers for the fields on their lines. */
#include "proc_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- reading ---- */

int mxp_proc_file_open(struct mxp_proc_file *f, const char *dir, const char *name)
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

int mxp_proc_file_close(struct mxp_proc_file *f)
{
	close(f->fd);
	f->fd = -1;
	return f->err;
}

char *mxp_proc_file_line(struct mxp_proc_file *f)
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
		if (f->skipping || rest == MXP_PROC_LINE_MAX) {
			f->skipping = true;
			rest = 0;
		}
		memmove(f->buf, start, rest);
		f->len = rest;
		f->pos = 0;
		ssize_t n = read(f->fd, f->buf + f->len, MXP_PROC_LINE_MAX - f->len);
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

/* ---- parsing ---- */

bool mxp_proc_parse_u64(const char **p, uint64_t *out)
{
	const char *s = mxp_proc_parse_skip_blanks(*p);
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned digit = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	if (*s != '\0' && !mxp_proc_parse_is_blank(*s))
		return false;
	*p = s;
	*out = v;
	return true;
}

size_t mxp_proc_parse_u64s(const char **p, uint64_t *out, size_t n)
{
	size_t i = 0;

	while (i < n && mxp_proc_parse_u64(p, &out[i]))
		i++;
	return i;
}

bool mxp_proc_parse_milli(const char **p, uint64_t *out)
{
	const char *s = mxp_proc_parse_skip_blanks(*p);
	uint64_t whole = 0;
	uint64_t frac = 0;
	unsigned nfrac = 0;

	if (*s < '0' || *s > '9')
		return false;
	/* whole * 1000 must fit, so whole may not pass UINT64_MAX / 1000 */
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned digit = (unsigned)(*s - '0');
		if (whole > (UINT64_MAX / 1000 - digit) / 10)
			return false;
		whole = whole * 10 + digit;
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
	if (*s != '\0' && !mxp_proc_parse_is_blank(*s))
		return false;
	if (frac > UINT64_MAX - whole * 1000)
		return false;
	*p = s;
	*out = whole * 1000 + frac;
	return true;
}

bool mxp_proc_parse_name(const char *start, const char *end, char *out, size_t size)
{
	start = mxp_proc_parse_skip_blanks(start);
	while (end > start && mxp_proc_parse_is_blank(end[-1]))
		end--;
	if (end == start || (size_t)(end - start) >= size)
		return false;
	memcpy(out, start, (size_t)(end - start));
	out[end - start] = '\0';
	return true;
}

bool mxp_proc_parse_word(const char **p, char *out, size_t size)
{
	const char *start = mxp_proc_parse_skip_blanks(*p);
	const char *end = start;

	while (*end != '\0' && !mxp_proc_parse_is_blank(*end))
		end++;
	if (!mxp_proc_parse_name(start, end, out, size))
		return false;
	*p = end;
	return true;
}

long long mxp_proc_parse_counter(uint64_t v)
{
	return (long long)(v & (uint64_t)LLONG_MAX);
}
