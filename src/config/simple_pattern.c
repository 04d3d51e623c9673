/* Netdata simple-pattern lists in EXACT mode: parsed once at configuration time into a flat
 * array of word parts, then matched per chart without allocating (FORMATS.md §6). */
#include "config/simple_pattern.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* How one part of a word is compared with what is left of the string. */
enum mxp_pattern_kind {
	MXP_PATTERN_EXACT,     /* no `*` in the word: the text is the whole string */
	MXP_PATTERN_PREFIX,    /* `text*`: the text starts what is left */
	MXP_PATTERN_SUFFIX,    /* `*text`: the text ends what is left */
	MXP_PATTERN_SUBSTRING, /* `*text*`: the text's first occurrence in what is left; an
	                        * empty text matches anything, even nothing */
};

/* One piece of a word, cut at the word's inner `*`s. The parts of a word sit next to each
 * other in mxp_pattern.parts, in word order. */
struct mxp_pattern_part {
	const char *text;           /* into mxp_pattern.text, not NUL-terminated */
	size_t len;
	size_t more;                /* parts after this one in the same word; 0 on the last */
	enum mxp_pattern_kind kind;
	bool negative;              /* the word's `!`, repeated on each part */
};

struct mxp_pattern {
	char *text;                 /* every word unescaped, back to back; owned */
	size_t nparts;
	struct mxp_pattern_part parts[];
};

/* Netdata's default separator set: the six C whitespace characters. Not isspace(),
 * whose answer for bytes above 0x7f depends on the locale. */
static bool is_separator(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Reads the next non-empty word of a list from *cursor and advances *cursor past it.
 * Writes the word, with its `!` removed and its escapes resolved, to `out`, which needs
 * room for as many bytes as are left in the list.
 *
 * Returns true with *len and *negative set, or false when the list has no word left. */
static bool word_next(const char **cursor, char *out, size_t *len, bool *negative)
{
	const char *s = *cursor;

	for (;;) {
		size_t n = 0;
		bool escaped = false;

		while (is_separator(*s))
			s++;
		/* Only the first character can be the sign, so `!!x` is the negative word `!x`
		 * and `\!x` (the `!` no longer first once the backslash is read) is `!x`. */
		*negative = *s == '!';
		if (*negative)
			s++;
		if (*s == '\0')
			break;

		for (; *s != '\0'; s++) {
			if (!escaped && *s == '\\') {
				escaped = true;
				continue;
			}
			if (!escaped && is_separator(*s))
				break;
			out[n++] = *s;
			escaped = false;
		}
		/* `! foo` and a lone `\` give empty words; netdata skips them and so do we. */
		if (n > 0) {
			*cursor = s;
			*len = n;
			return true;
		}
	}
	*cursor = s;
	return false;
}

/* Sets `part` from the piece `t` (length m) of a word: its leading and trailing `*`
 * choose the kind and are not part of the text. A piece of stars alone has an empty
 * text, which netdata treats as "matches anything". */
static void part_set(struct mxp_pattern_part *part, const char *t, size_t m)
{
	bool leading = m >= 1 && t[0] == '*';
	bool trailing = m >= 1 && t[m - 1] == '*';

	if (leading && trailing && m >= 2) {
		part->kind = MXP_PATTERN_SUBSTRING;
		part->text = t + 1;
		part->len = m - 2;
	} else if (leading) {
		part->kind = MXP_PATTERN_SUFFIX;
		part->text = t + 1;
		part->len = m - 1;
	} else if (trailing) {
		part->kind = MXP_PATTERN_PREFIX;
		part->text = t;
		part->len = m - 1;
	} else {
		part->kind = MXP_PATTERN_EXACT;
		part->text = t;
		part->len = m;
	}
	if (part->len == 0)
		part->kind = MXP_PATTERN_SUBSTRING;
}

/* Cuts the word `w` (length n, n > 0) into parts. A piece runs from its start over any
 * leading `*`s, then over non-`*` characters, up to and including the next `*`; if that
 * `*` is not the word's last character, the next piece starts AT that `*`, so the two
 * pieces share it. This sharing is netdata's: the shared `*` is the wildcard, and any
 * further `*` right after it becomes literal text of the next piece (`a**b` is the
 * prefix `a` then the suffix `*b`).
 *
 * Fills parts[] when it is not NULL. Returns the number of parts either way. */
static size_t word_split(const char *w, size_t n, bool negative,
			 struct mxp_pattern_part *parts)
{
	size_t count = 0;
	size_t start = 0;

	for (;;) {
		size_t i = start;
		size_t end;
		bool last;

		while (i < n && w[i] == '*')
			i++;
		while (i < n && w[i] != '*')
			i++;
		last = i + 1 >= n;
		end = last ? n : i + 1;
		if (parts) {
			part_set(&parts[count], w + start, end - start);
			parts[count].negative = negative;
		}
		count++;
		if (last)
			break;
		start = i;
	}
	if (parts) {
		for (size_t k = 0; k < count; k++)
			parts[k].more = count - 1 - k;
	}
	return count;
}

int mxp_pattern_create(const char *list, struct mxp_pattern **out)
{
	struct mxp_pattern *p = NULL;
	char *text = NULL;
	const char *cursor;
	size_t list_len, used, nparts = 0, len;
	bool negative;
	int ret = 0;

	*out = NULL;
	if (!list || *list == '\0')
		return 0;

	/* Unescaping only ever shortens a word, so the words fit in the list's own length. */
	list_len = strlen(list);
	text = malloc(list_len);
	if (!text) {
		ret = -ENOMEM;
		goto done;
	}

	/* First pass: count the parts, to allocate them in one block. Unescaping is done for
	 * real because where a word's pieces are cut depends on its unescaped text. */
	cursor = list;
	while (word_next(&cursor, text, &len, &negative))
		nparts += word_split(text, len, negative, NULL);
	if (nparts == 0)
		goto done;

	if (nparts > (SIZE_MAX - sizeof(*p)) / sizeof(p->parts[0])) {
		ret = -ENOMEM;
		goto done;
	}
	p = malloc(sizeof(*p) + nparts * sizeof(p->parts[0]));
	if (!p) {
		ret = -ENOMEM;
		goto done;
	}

	/* Second pass: the same words again, now each at its own place in `text`, which the
	 * parts point into. */
	p->nparts = 0;
	used = 0;
	cursor = list;
	while (word_next(&cursor, text + used, &len, &negative)) {
		p->nparts += word_split(text + used, len, negative, p->parts + p->nparts);
		used += len;
	}
	p->text = text;
	*out = p;
	return 0;

done:
	free(text);
	return ret;
}

/* Finds the first occurrence of `needle` (nlen > 0) in `hay` (hlen). Returns a pointer
 * into `hay`, or NULL. Chart ids are short, so a plain scan does better than anything
 * that needs a table. */
static const char *find_first(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	const char *s = hay;
	const char *last = hay + (hlen - nlen);

	while (s <= last) {
		s = memchr(s, needle[0], (size_t)(last - s) + 1);
		if (!s)
			return NULL;
		if (memcmp(s, needle, nlen) == 0)
			return s;
		s++;
	}
	return NULL;
}

/* Matches one word, whose first part is `part`, against `s` (length n). Each part only
 * looks at what the earlier parts left, which is what keeps parts from overlapping.
 * Substring parts take the first occurrence and never backtrack; with `*` as the only
 * wildcard that choice leaves the most string to the rest, so it loses no match. */
static bool word_matches(const struct mxp_pattern_part *part, const char *s, size_t n)
{
	for (;; part++) {
		const char *hit;

		if (part->len > n)
			return false;
		switch (part->kind) {
		case MXP_PATTERN_EXACT:
			/* Only a word without any `*` has an exact part, and it is the only part. */
			return part->more == 0 && part->len == n &&
			       memcmp(s, part->text, n) == 0;
		case MXP_PATTERN_SUFFIX:
			/* Anchored at the end of the string: nothing can come after it. */
			return part->more == 0 &&
			       memcmp(s + (n - part->len), part->text, part->len) == 0;
		case MXP_PATTERN_PREFIX:
			if (memcmp(s, part->text, part->len) != 0)
				return false;
			hit = s;
			break;
		case MXP_PATTERN_SUBSTRING:
			if (part->len == 0)
				return true;
			hit = find_first(s, n, part->text, part->len);
			if (!hit)
				return false;
			break;
		default:
			return false;
		}
		if (part->more == 0)
			return true;
		n -= (size_t)(hit - s) + part->len;
		s = hit + part->len;
	}
}

bool mxp_pattern_matches(const struct mxp_pattern *p, const char *str)
{
	size_t n;

	if (!p || !str || *str == '\0')
		return false;
	n = strlen(str);
	for (size_t i = 0; i < p->nparts; i += p->parts[i].more + 1) {
		if (word_matches(&p->parts[i], str, n))
			return !p->parts[i].negative;
	}
	return false;
}

void mxp_pattern_free(struct mxp_pattern *p)
{
	if (!p)
		return;
	free(p->text);
	free(p);
}
