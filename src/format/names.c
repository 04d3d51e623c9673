/* names.c — the seed's name sanitizer for graphite and opentsdb metric names. */
#include "format/names.h"

static inline int is_kept(unsigned char c)
{
	/* ASCII only: the seed ran isalnum() in the C locale, so every byte >= 0x80 is '_' */
	return c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

size_t mxp_name_copy(char *dst, const char *src)
{
	size_t n = 0;
	for (; src[n] != '\0' && n < MXP_NAME_MAX; n++)
		dst[n] = is_kept((unsigned char)src[n]) ? src[n] : '_';
	dst[n] = '\0';
	return n;
}
