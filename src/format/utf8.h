/* utf8.h — strings made valid UTF-8 for the formats whose wire demands it (remote
 * write's label values, MongoDB's BSON strings): every byte that does not start a valid
 * sequence (a stray continuation, a cut sequence, an overlong form, a surrogate, past
 * U+10FFFF) becomes U+FFFD; valid text is copied unchanged. */
#ifndef MXP_FORMAT_UTF8_H
#define MXP_FORMAT_UTF8_H

#include <stddef.h>

/* Writes the n bytes of s, made valid, to out (room for 3 * n bytes) and returns how
 * many it wrote. No NUL is added. */
size_t mxp_utf8_repair(char *out, const char *s, size_t n);

#endif
