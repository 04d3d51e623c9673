/* Unit tests for src/config/simple_pattern.c: every worked example of FORMATS.md §6, each
 * parsing rule, and the quirks netdata has that a plain glob does not. */
#include <criterion/criterion.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/simple_pattern.h"

/* One list, one string, the answer §6 gives, and why (printed when it fails). */
struct pattern_case {
	const char *list;
	const char *str;
	bool want;
	const char *why;
};

#define NCASES(a) (sizeof(a) / sizeof((a)[0]))

static void check_cases(const struct pattern_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct mxp_pattern *p = NULL;
		int rc = mxp_pattern_create(cases[i].list, &p);

		cr_assert_eq(rc, 0, "create(\"%s\") returned %d", cases[i].list, rc);
		cr_expect_eq(mxp_pattern_matches(p, cases[i].str), cases[i].want,
			     "list \"%s\" vs \"%s\": want %s (%s)", cases[i].list,
			     cases[i].str ? cases[i].str : "(null)",
			     cases[i].want ? "match" : "no match", cases[i].why);
		mxp_pattern_free(p);
	}
}

/* The table at the end of FORMATS.md §6, row for row. */
Test(simple_pattern, formats_table)
{
	static const struct pattern_case cases[] = {
		{ "*", "system.cpu", true, "empty substring matches everything" },
		{ "apps.*", "apps.cpu", true, "prefix" },
		{ "apps.*", "system.apps.cpu", false, "prefix must be at the start" },
		{ "*reads", "disk.reads", true, "suffix" },
		{ "system.cpu", "system.cpu_extra", false, "EXACT: whole string" },
		{ "sys*cpu", "system.cpu", true, "prefix sys + suffix cpu" },
		{ "sys*cpu", "system.cpu.user", false, "suffix must end the string" },
		{ "a*b*c", "abc", true, "* may match nothing" },
		{ "!*reads apps.*", "apps.preads", false, "first word (negative) matches first" },
		{ "!*reads apps.*", "apps.cpu", true, "second word matches" },
		{ "!*child* *db*", "mydb1", true, "only *db* matches" },
		{ "!*child*", "db1", false, "nothing positive matched" },
		{ "localhost *", "", false, "empty strings never match" },
		{ "SYSTEM.*", "system.cpu", false, "case-sensitive" },
		{ "my\\ host", "my host", true, "escaped space" },
	};
	check_cases(cases, NCASES(cases));
}

/* A word without `*` is SIMPLE_PATTERN_EXACT: equal to the whole string, not a prefix
 * (PREFIX mode is what other netdata callers pass, never the backends). */
Test(simple_pattern, exact_mode)
{
	static const struct pattern_case cases[] = {
		{ "system.cpu", "system.cpu", true, "equal" },
		{ "system.cpu", "system.cp", false, "string shorter than the word" },
		{ "system.cpu", "xsystem.cpu", false, "not a suffix match either" },
		{ "system", "system.cpu", false, "EXACT, not PREFIX" },
		{ "a", "a", true, "one character" },
		{ "a", "b", false, "one character, different" },
	};
	check_cases(cases, NCASES(cases));
}

/* Separators are exactly space, \t, \r, \n, \f and \v; runs of them, and separators at
 * either end, produce no words. */
Test(simple_pattern, separators)
{
	static const struct pattern_case cases[] = {
		{ "a\tb", "b", true, "tab separates" },
		{ "a\nb", "b", true, "newline separates" },
		{ "a\rb", "b", true, "carriage return separates" },
		{ "a\fb", "b", true, "form feed separates" },
		{ "a\vb", "b", true, "vertical tab separates" },
		{ "a b", "a", true, "space separates, first word" },
		{ "a b", "a b", false, "a separated list never contains the separator" },
		{ " \t\r\n\f\va \t\r\n\f\v b \t", "b", true, "runs and ends of separators" },
		{ "a\tb", "a\tb", false, "tab is not part of any word" },
		{ "a,b", "a,b", true, "comma is an ordinary character: one word" },
		{ "a,b", "a", false, "comma does not separate" },
		{ "a,b", "b", false, "comma does not separate" },
		{ "a, b", "b", true, "the space separates; the first word is `a,`" },
		{ "a, b", "a,", true, "the first word keeps its comma" },
		{ "a;b|c", "a;b|c", true, "no other punctuation separates either" },
	};
	check_cases(cases, NCASES(cases));
}

/* Lists without a word are a NULL pattern, returned as success, and match nothing. */
Test(simple_pattern, empty_lists)
{
	static const char *const lists[] = {
		"", " ", "\t\r\n\f\v ", "   \n\n",
		/* `!` with nothing after it: a negative sign on an empty word, which is dropped. */
		"!", "! ", " ! \t! ",
		/* A lone backslash escapes nothing (the string ends): an empty word. */
		"\\", "!\\", "! \\",
	};
	struct mxp_pattern *p = (struct mxp_pattern *)&p;

	cr_expect_eq(mxp_pattern_create(NULL, &p), 0, "NULL list is not an error");
	cr_expect_null(p, "NULL list gives a NULL pattern");
	for (size_t i = 0; i < NCASES(lists); i++) {
		p = (struct mxp_pattern *)&p;
		cr_expect_eq(mxp_pattern_create(lists[i], &p), 0, "list #%zu", i);
		cr_expect_null(p, "list #%zu gives a NULL pattern", i);
		mxp_pattern_free(p);
	}
	cr_expect_not(mxp_pattern_matches(NULL, "x"), "NULL pattern matches nothing");
	cr_expect_not(mxp_pattern_matches(NULL, ""), "NULL pattern, empty string");
	cr_expect_not(mxp_pattern_matches(NULL, NULL), "NULL pattern, NULL string");
	mxp_pattern_free(NULL);
}

/* A NULL or empty string never matches, whatever the list. */
Test(simple_pattern, null_and_empty_strings)
{
	static const struct pattern_case cases[] = {
		{ "*", "", false, "even * does not match the empty string" },
		{ "**", "", false, "nor does **" },
		{ "!x *", "", false, "nor a list" },
		{ "*", NULL, false, "NULL string" },
		{ "a", NULL, false, "NULL string" },
	};
	check_cases(cases, NCASES(cases));
}

/* A backslash makes the next character ordinary and is itself dropped; it does not make
 * `*` literal. */
Test(simple_pattern, escapes)
{
	static const struct pattern_case cases[] = {
		{ "my\\ host", "my host", true, "escaped space" },
		{ "my\\ host", "my", false, "escaped space does not split" },
		{ "a\\\tb", "a\tb", true, "escaped tab" },
		{ "a\\\nb x", "a\nb", true, "escaped newline" },
		{ "\\ a", " a", true, "escape at the start of a word" },
		{ "\\ \\", " ", true, "`\\ ` is a space, the final `\\` escapes nothing" },
		{ "a\\\\b", "a\\b", true, "\\\\ is one backslash" },
		{ "a\\\\ b", "b", true, "the space after an escaped backslash separates" },
		{ "\\a\\b", "ab", true, "escaping an ordinary character gives that character" },
		{ "\\!x", "!x", true, "\\!x is the POSITIVE word !x" },
		{ "\\!x", "x", false, "\\!x is not the word x" },
		{ "a!b", "a!b", true, "! after the first character is literal" },
		{ "a\\*", "abc", true, "escaped * is still a wildcard" },
		{ "a\\*", "a*", true, "escaped * is still a wildcard (and matches a literal *)" },
		{ "a\\*c", "abbc", true, "escaped inner * is still a wildcard" },
		{ "foo\\", "foo", true, "a trailing backslash escapes nothing and is dropped" },
		{ "foo\\ ", "foo ", true, "an escaped trailing space belongs to the word" },
		{ "foo\\ ", "foo", false, "the word is `foo `, matched EXACT" },
	};
	check_cases(cases, NCASES(cases));
}

/* `!` at the start of a word makes it negative; the first word that matches decides. */
Test(simple_pattern, negatives)
{
	static const struct pattern_case cases[] = {
		{ "! foo", "foo", true, "`!` then a separator: empty negative word dropped, foo positive" },
		{ "!foo", "foo", false, "negative word matches" },
		{ "!foo", "bar", false, "negative-only list: nothing positive matched" },
		{ "!a !b !c", "a", false, "negative-only list" },
		{ "!a !b !c", "d", false, "negative-only list matches nothing" },
		{ "a !a", "a", true, "first word decides (positive)" },
		{ "!a a", "a", false, "first word decides (negative)" },
		{ "!a* *", "ab", false, "negative prefix first" },
		{ "!a* *", "ba", true, "falls through to *" },
		/* Only the first character is the sign; the second `!` is text. */
		{ "!!x", "!x", false, "`!!x` is the negative word `!x`" },
		{ "!!x", "x", false, "`!!x` is not about `x`; nothing else matches" },
		{ "!!x *", "x", true, "`!x` does not match `x`, so `*` decides" },
		{ "!\\!x *", "!x", false, "`!\\!x` is the negative word `!x`" },
		{ "!\\ x *", " x", false, "negative word ` x` with an escaped space" },
		{ "!*", "anything", false, "negative catch-all" },
	};
	check_cases(cases, NCASES(cases));
}

/* Consecutive `*`s are not merged. From the described algorithm: a word is cut at each
 * inner `*`, that `*` ending one piece and starting the next; only leading `*`s of a piece
 * are skipped when looking for where to cut, and a piece loses one `*` at each end. So of
 * a run of `*`s only one acts as the wildcard on each side of a piece, the rest are text. */
Test(simple_pattern, consecutive_stars)
{
	static const struct pattern_case cases[] = {
		/* `**x`: one piece `**x`, suffix `*x` (FORMATS: ends in `*x`). */
		{ "**x", "*x", true, "suffix *x" },
		{ "**x", "a*x", true, "suffix *x" },
		{ "**x", "ax", false, "needs a literal * before x" },
		{ "**x", "x", false, "needs a literal * before x" },
		/* `a**b`: pieces `a*` (prefix a) and `**b` (suffix `*b`). */
		{ "a**b", "a*b", true, "prefix a, then suffix *b" },
		{ "a**b", "ax*b", true, "the first * still matches any run" },
		{ "a**b", "ab", false, "needs a literal *b at the end" },
		{ "a**b", "axb", false, "needs a literal *b at the end" },
		/* Ambiguous in the text: `a***b`. Pieces `a*` and `***b`; the second skips its
		 * leading *s to find a cut, finds none, and loses one * to become suffix `**b`. */
		{ "a***b", "a**b", true, "prefix a, suffix **b" },
		{ "a***b", "a*b", false, "two literal *s needed" },
		/* Ambiguous: `***x`, by the same rule, is the suffix `**x`. */
		{ "***x", "**x", true, "suffix **x" },
		{ "***x", "*x", false, "suffix **x needs two *s" },
		/* Ambiguous: `a**`. The first * is inner (not the last character), so the
		 * pieces are `a*` and `**`; `**` is all stars, an empty substring, which
		 * matches anything including nothing. So `a**` behaves exactly like `a*`. */
		{ "a**", "a", true, "a** == a*: prefix a, empty rest" },
		{ "a**", "abc", true, "a** == a*" },
		{ "a**", "ba", false, "still a prefix match" },
		/* Ambiguous: `a***`: pieces `a*` and `***`, and `***` is the substring `*`. */
		{ "a***", "ab*c", true, "prefix a, then a literal * somewhere after" },
		{ "a***", "abc", false, "no literal * after the prefix" },
		{ "a***", "*a", false, "the * must come after the prefix" },
		/* Ambiguous: `**a**`: pieces `**a*` (substring `*a`) and `**` (anything). */
		{ "**a**", "x*ay", true, "contains *a" },
		{ "**a**", "xay", false, "no literal * before a" },
		/* Ambiguous: `*a**b*`: pieces `*a*` (substring a) and `**b*` (substring `*b`). */
		{ "*a**b*", "xa-*by", true, "a, then *b later" },
		{ "*a**b*", "xaby", false, "no literal * before b" },
		{ "*a**b*", "*bxa", false, "*b must come after the first a" },
	};
	check_cases(cases, NCASES(cases));
}

/* Words made only of `*`s. `*` and `**` match everything (FORMATS). Longer runs are not
 * in the text; by the algorithm, a piece loses one * at each end, so `***` is the
 * substring `*` and `****` the substring `**`. */
Test(simple_pattern, star_only_words)
{
	static const struct pattern_case cases[] = {
		{ "*", "x", true, "one character" },
		{ "*", " ", true, "a space is still a non-empty string" },
		{ "*", "*", true, "a literal *" },
		{ "**", "x", true, "** matches everything" },
		{ "**", "system.cpu", true, "** matches everything" },
		{ "***", "abc", false, "*** is the substring *, not a catch-all" },
		{ "***", "a*c", true, "*** needs a literal *" },
		{ "****", "a*c", false, "**** is the substring **" },
		{ "****", "a**c", true, "**** is the substring **" },
	};
	check_cases(cases, NCASES(cases));
}

/* Prefix at the start, each substring at its first occurrence after the previous part,
 * suffix at the end, parts never overlapping. */
Test(simple_pattern, chains)
{
	static const struct pattern_case cases[] = {
		{ "*a*b*", "ab", true, "substrings a then b, nothing around" },
		{ "*a*b*", "xaybz", true, "with text around" },
		{ "*a*b*", "ba", false, "b must come after a" },
		{ "*a*b*", "bab", true, "first a at 1, then b after it" },
		{ "*a*", "a", true, "substring equal to the string" },
		{ "a*", "a", true, "prefix equal to the string" },
		{ "*a", "a", true, "suffix equal to the string" },
		{ "a*b*c", "acb", false, "order matters" },
		{ "a*b*c", "a-b-c", true, "glob-like" },
		{ "a*b*c", "a-b-c-", false, "suffix must end the string" },
		{ "a*a", "a", false, "prefix and suffix may not share a character" },
		{ "a*a", "aa", true, "prefix a, suffix a" },
		{ "ab*bc", "abc", false, "prefix ab and suffix bc would overlap" },
		{ "ab*bc", "abbc", true, "no overlap" },
		/* First occurrence, no backtracking: still finds this because the earliest
		 * occurrence leaves the longest rest. */
		{ "*ab*b", "abab", true, "first ab at 0, rest `ab` ends in b" },
		{ "*ab*ab", "xab", false, "the suffix cannot reuse the substring's text" },
		{ "*ab*ab", "xabab", true, "two occurrences" },
		{ "*.*.*", "a.b.c", true, "two dots in order" },
		{ "*.*.*", "a.b", false, "only one dot" },
		{ "apps.*.cpu*", "apps.x.cpu_user", true, "prefix, substring, trailing *" },
		{ "apps.*.cpu*", "apps.cpu", false, "the substring needs text after the prefix" },
	};
	check_cases(cases, NCASES(cases));
}

/* strcmp/strncmp/strstr semantics: case matters, bytes are bytes. */
Test(simple_pattern, case_and_bytes)
{
	static const struct pattern_case cases[] = {
		{ "SYSTEM.*", "system.cpu", false, "case-sensitive prefix" },
		{ "SYSTEM.*", "SYSTEM.cpu", true, "same case" },
		{ "*CPU", "system.cpu", false, "case-sensitive suffix" },
		{ "*Cpu*", "x.cpu.y", false, "case-sensitive substring" },
		{ "Host", "host", false, "case-sensitive exact" },
		/* 0xa0 (no-break space in Latin-1) and 0x85 (NEL) are not separators. */
		{ "a\xa0" "b", "a\xa0" "b", true, "0xa0 is an ordinary byte" },
		{ "a\x85" "b", "a\x85" "b", true, "0x85 is an ordinary byte" },
		{ "caf\xc3\xa9*", "caf\xc3\xa9.x", true, "UTF-8 bytes in a prefix" },
		{ "*\xc3\xa9", "caf\xc3\xa9", true, "UTF-8 bytes in a suffix" },
	};
	check_cases(cases, NCASES(cases));
}

/* A plain glob (only `*`, backtracking), as the independent reference for the claim in
 * §6 that chains "behave like glob matching". */
static bool glob_ref(const char *pat, const char *s)
{
	if (*pat == '\0')
		return *s == '\0';
	if (*pat == '*')
		return glob_ref(pat + 1, s) || (*s != '\0' && glob_ref(pat, s + 1));
	return *s == *pat && glob_ref(pat + 1, s + 1);
}

/* Writes into `out` the base-`k` digits of `v` over `alphabet`, `len` of them. */
static void spell(char *out, size_t len, unsigned v, const char *alphabet, unsigned k)
{
	for (size_t i = 0; i < len; i++) {
		out[i] = alphabet[v % k];
		v /= k;
	}
	out[len] = '\0';
}

/* Every single word of up to 5 characters over {a, b, *} without two `*`s in a row,
 * against every string of 1 to 6 characters over {a, b}: one word, no consecutive `*`,
 * so netdata's answer must be the glob answer. */
Test(simple_pattern, glob_equivalence)
{
	char word[8], str[8];
	unsigned compared = 0, wrong = 0;

	for (size_t wl = 1; wl <= 5; wl++) {
		unsigned wn = 1;
		for (size_t i = 0; i < wl; i++)
			wn *= 3;
		for (unsigned wv = 0; wv < wn; wv++) {
			struct mxp_pattern *p = NULL;

			spell(word, wl, wv, "ab*", 3);
			if (strstr(word, "**"))
				continue;
			cr_assert_eq(mxp_pattern_create(word, &p), 0);
			cr_assert_not_null(p);
			for (size_t sl = 1; sl <= 6; sl++) {
				for (unsigned sv = 0; sv < (1u << sl); sv++) {
					bool got, want;

					spell(str, sl, sv, "ab", 2);
					got = mxp_pattern_matches(p, str);
					want = glob_ref(word, str);
					compared++;
					if (got != want && wrong++ < 5)
						cr_log_error("`%s` vs `%s`: got %d, glob says %d",
							     word, str, got, want);
				}
			}
			mxp_pattern_free(p);
		}
	}
	cr_expect_eq(wrong, 0, "%u of %u disagree with glob", wrong, compared);
	cr_expect_gt(compared, 10000, "the loop ran (%u comparisons)", compared);
}

/* A long list keeps every word and keeps list order. */
Test(simple_pattern, long_list)
{
	enum { WORDS = 2000 };
	char *list = malloc(WORDS * 16);
	char name[16];
	size_t used = 0;
	struct mxp_pattern *p = NULL;

	cr_assert_not_null(list);
	for (unsigned i = 0; i < WORDS; i++)
		used += (size_t)sprintf(list + used, "%sw%u*x ", i % 2 ? "!" : "", i);
	cr_assert_eq(mxp_pattern_create(list, &p), 0);
	cr_assert_not_null(p);
	for (unsigned i = 0; i < WORDS; i += 97) {
		/* `w<i>-x` matches word i, and also any earlier word `w<j>*x` whose digits
		 * start i's, which comes first and decides; compute that reference here. */
		bool want = false;

		snprintf(name, sizeof(name), "w%u-x", i);
		for (unsigned j = 0; j <= i; j++) {
			char prefix[16];

			snprintf(prefix, sizeof(prefix), "w%u", j);
			if (strncmp(name, prefix, strlen(prefix)) == 0) {
				want = j % 2 == 0;
				break;
			}
		}
		cr_expect_eq(mxp_pattern_matches(p, name), want, "%s", name);
	}
	cr_expect_not(mxp_pattern_matches(p, "v1x"), "no word matches");
	mxp_pattern_free(p);
	free(list);
}
