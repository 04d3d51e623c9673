/* number.h — writes numbers byte for byte as the seed's printf did ("%0.7Lf", "%lld",
 * "%llu"), without going through printf on the hot path. */
#ifndef MXP_FORMAT_NUMBER_H
#define MXP_FORMAT_NUMBER_H

#include <stddef.h>

/* Enough for "%0.7Lf" of any finite long double (LDBL_MAX has 4933 integer digits) plus sign, point, 7 decimals, NUL. */
#define MXP_NUM_MAX 4960

/* Writes v as snprintf(dst, MXP_NUM_MAX, "%0.7Lf", v) would, NUL-terminated; returns the
 * length (without NUL). dst has MXP_NUM_MAX bytes. Assumes the default rounding mode
 * (round to nearest), as glibc's printf would otherwise round differently. */
size_t mxp_num_ld7(char *dst, long double v);
/* Writes v as "%lld" would, NUL-terminated; returns the length (without NUL). dst has >= 21 bytes. */
size_t mxp_num_lld(char *dst, long long v);
/* Writes v as "%llu" would, NUL-terminated; returns the length (without NUL). dst has >= 21 bytes. */
size_t mxp_num_llu(char *dst, unsigned long long v);

#endif
