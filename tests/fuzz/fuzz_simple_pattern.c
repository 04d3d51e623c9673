/* libFuzzer target for src/config/simple_pattern.c. The input is a pattern list and a
 * string, split at the first NUL or newline; each is created, matched and freed, and
 * single-word patterns without `**` are checked against a plain glob.
 *
 *   clang -std=c11 -g -fsanitize=fuzzer,address,undefined -Isrc \
 *       src/config/simple_pattern.c tests/fuzz/fuzz_simple_pattern.c -o fuzz_simple_pattern
 *
 * Linked with tests/fuzz/replay_main.c instead, it replays a corpus (make test does). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/simple_pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A glob where `*` is the only special character, by the usual "remember the last star"
 * scan: O(pattern * string), so long fuzz inputs cannot make it explode. */
static bool glob_ref(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s != '\0') {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

/* True when `list` is one positive word that netdata must treat as a plain glob: nothing
 * that separates, escapes or negates, and no two `*` in a row (those are partly literal). */
static bool is_plain_glob_word(const char *list)
{
	if (list[0] == '\0' || list[0] == '!' || strstr(list, "**"))
		return false;
	return strpbrk(list, " \t\r\n\f\v\\") == NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *cut = data;
	size_t plen = 0;
	char *list, *str;
	struct mxp_pattern *p = NULL;
	bool got;

	while (plen < size && data[plen] != '\0' && data[plen] != '\n')
		plen++;
	cut = data + plen + (plen < size);

	list = malloc(plen + 1);
	str = malloc(size - (size_t)(cut - data) + 1);
	if (!list || !str)
		abort();
	memcpy(list, data, plen);
	list[plen] = '\0';
	memcpy(str, cut, size - (size_t)(cut - data));
	str[size - (size_t)(cut - data)] = '\0';

	if (mxp_pattern_create(list, &p) != 0)
		abort(); /* inputs are small: running out of memory here is a bug */

	got = mxp_pattern_matches(p, str);
	if (mxp_pattern_matches(p, "") || mxp_pattern_matches(p, NULL))
		abort(); /* empty and NULL strings never match */
	if (!p && got)
		abort(); /* a NULL pattern matches nothing */
	if (is_plain_glob_word(list) && str[0] != '\0' && got != glob_ref(list, str))
		abort();

	mxp_pattern_free(p);
	free(list);
	free(str);
	return 0;
}
