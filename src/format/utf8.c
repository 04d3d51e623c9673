/* utf8.c — see utf8.h. */
#include <string.h>

#include "format/utf8.h"

/* The length of the valid UTF-8 sequence at s[0..left) (1..4), or 0 when none starts
 * there. */
static size_t sequence(const unsigned char *s, size_t left)
{
	if (s[0] < 0x80)
		return 1;
	size_t n = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0)))
		return 0; /* overlong, or a surrogate */
	if (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90)))
		return 0; /* overlong, or past U+10FFFF */
	return n;
}

size_t mxp_utf8_repair(char *out, const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		size_t q = sequence((const unsigned char *)s + i, n - i);
		if (q == 0) {
			memcpy(out + k, "\xef\xbf\xbd", 3);
			k += 3;
			i++;
		} else {
			memcpy(out + k, s + i, q);
			k += q;
			i += q;
		}
	}
	return k;
}
