/* number.c — "%0.7Lf", "%lld" and "%llu" without printf, byte for byte as glibc writes
 * them, because every exported value goes through here and printf is the slow part. The
 * fast paths are in number_fast.h, inline for the formatters' loops. */
#include "format/number_fast.h"

#include <math.h>
#include <stdio.h>

const char mxp_num_pairs[201] =
	"00010203040506070809"
	"10111213141516171819"
	"20212223242526272829"
	"30313233343536373839"
	"40414243444546474849"
	"50515253545556575859"
	"60616263646566676869"
	"70717273747576777879"
	"80818283848586878889"
	"90919293949596979899";

const uint64_t mxp_num_pow10[20] = {
	UINT64_C(1), UINT64_C(10), UINT64_C(100), UINT64_C(1000), UINT64_C(10000),
	UINT64_C(100000), UINT64_C(1000000), UINT64_C(10000000), UINT64_C(100000000),
	UINT64_C(1000000000), UINT64_C(10000000000), UINT64_C(100000000000),
	UINT64_C(1000000000000), UINT64_C(10000000000000), UINT64_C(100000000000000),
	UINT64_C(1000000000000000), UINT64_C(10000000000000000),
	UINT64_C(100000000000000000), UINT64_C(1000000000000000000),
	UINT64_C(10000000000000000000),
};

size_t mxp_num_ld7_at(char *dst, const long double *v)
{
#if MXP_NUM_X87
	size_t n = mxp_num_ld7_fast(dst, v);

	if (n != 0)
		return n;
#endif
	return (size_t)snprintf(dst, MXP_NUM_MAX, "%0.7Lf", *v);
}

size_t mxp_num_ld7(char *dst, long double v)
{
	return mxp_num_ld7_at(dst, &v);
}

int mxp_num_ld_isnan_at(const long double *v)
{
	return mxp_num_ld_maybe_nan(v) && isnan(*v);
}

size_t mxp_num_lld(char *dst, long long v)
{
	/* Negated as unsigned, so LLONG_MIN has a magnitude too. */
	uint64_t u = (uint64_t)v;
	size_t n = 0;

	if (v < 0) {
		dst[n++] = '-';
		u = 0 - u;
	}
	n += mxp_num_put_u64(dst + n, u);
	dst[n] = '\0';
	return n;
}

size_t mxp_num_llu(char *dst, unsigned long long v)
{
	size_t n = mxp_num_put_u64(dst, v);

	dst[n] = '\0';
	return n;
}
