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
/* The same for the long double at v, read as bytes where it lies: the hot path takes no
 * x87 load or store (a long double passed by value goes through the stack, and an
 * 80-bit store read back as 64-bit words waits for the store to finish). */
size_t mxp_num_ld7_at(char *dst, const long double *v);
/* isnan(*v) without an x87 load when *v is an ordinary finite value or zero. */
int mxp_num_ld_isnan_at(const long double *v);
/* Writes v as "%lld" would, NUL-terminated; returns the length (without NUL). dst has >= 21 bytes. */
size_t mxp_num_lld(char *dst, long long v);
/* Writes v as "%llu" would, NUL-terminated; returns the length (without NUL). dst has >= 21 bytes. */
size_t mxp_num_llu(char *dst, unsigned long long v);

#endif
