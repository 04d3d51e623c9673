/* number_fast.h — the hot path of number.h's writers, inline, for the loops that write a
 * number per record (the formatters' template put): a call per number, with the
 * registers it saves and restores, was a measurable part of a record. number.c builds
 * its out-of-line functions from the same code, so one implementation is tested. */
#ifndef MXP_FORMAT_NUMBER_FAST_H
#define MXP_FORMAT_NUMBER_FAST_H

#include <float.h>
#include <stdbool.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "format/number.h"

_Static_assert(ULLONG_MAX == UINT64_MAX, "the digit writer assumes 64-bit long long");

/* The fast path reads the x87 extended format directly: 64-bit mantissa with an explicit
 * integer bit, then 15-bit biased exponent and sign, little-endian. Anywhere else every
 * long double goes to snprintf, which is slow but right. */
#if defined(__SIZEOF_INT128__) && LDBL_MANT_DIG == 64 && LDBL_MAX_EXP == 16384 && \
	defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MXP_NUM_X87 1
#else
#define MXP_NUM_X87 0
#endif

/* Ten to the number of decimals that "%0.7Lf" keeps. */
#define MXP_NUM_TEN7 10000000u

/* "00".."99": two digits per division by 100 halves the divisions of a digit-by-digit
 * loop; and 10^0..10^19. Defined in number.c. */
extern const char mxp_num_pairs[201];
extern const uint64_t mxp_num_pow10[20];

/* Returns the number of decimal digits of v (1 for 0). The digit count is known up front
 * so that the digits can be written backwards straight into place. */
static inline unsigned mxp_num_digits_u64(uint64_t v)
{
	/* 1233 / 4096 is just below log10(2): t + 1 is the digit count for v's bit length,
	 * or one too many, which the compare with 10^t takes back. v | 1 keeps clz defined
	 * and makes 0 count as 1 digit; it moves no other v across a power of ten, as
	 * 10^t - 1 is odd. */
	uint64_t w = v | 1;
	unsigned t = ((unsigned)(64 - __builtin_clzll(w)) * 1233u) >> 12;

	return t - (w < mxp_num_pow10[t]) + 1;
}

/* Writes the decimal digits of v at dst, without NUL; returns how many. */
static inline size_t mxp_num_put_u64(char *dst, uint64_t v)
{
	size_t n = mxp_num_digits_u64(v);
	char *p = dst + n;

	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);

		v /= 100;
		p -= 2;
		memcpy(p, mxp_num_pairs + 2 * r, 2);
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, mxp_num_pairs + 2 * v, 2);
	} else {
		*--p = (char)('0' + v);
	}
	return n;
}

/* The 8 decimal digits of x (< 10^8, leading zeros kept), one per byte of a
 * little-endian word (values 0..9), the most significant digit in its lowest byte: x
 * split into two halves of 4 digits, then every lane split at once by multiplications
 * by fixed-point inverses (10486 / 2^20 is 1/100 and 103 / 2^10 is 1/10, exact for the
 * values a lane can hold: 4 digits, then 2). Add 0x30 to each byte for ASCII. */
__attribute__((always_inline)) static inline uint64_t mxp_num_8digits(uint32_t x)
{
	/* x / 10000 as a multiply (exact for x < 10^8, checked for every such x): written
	 * out, as GCC emitted a div for it where it took the block for a cold one */
	uint64_t hi = ((uint64_t)x * UINT64_C(109951163)) >> 40;
	uint64_t v = hi | ((uint64_t)x - hi * 10000) << 32;
	uint64_t hundreds = ((v * 10486) >> 20) & (UINT64_C(0x7f) << 32 | 0x7f);
	v = (v - 100 * hundreds) << 16 | hundreds;
	uint64_t tens = ((v * 103) >> 10) & UINT64_C(0x000f000f000f000f);
	return tens | (v - 10 * tens) << 8;
}

#define MXP_NUM_ASCII8 UINT64_C(0x3030303030303030)

/* Writes x (< 10^8) without leading zeros ("0" for 0) at dst with one 8-byte store (dst
 * has 8 bytes of room; those past the digits are left for the caller to overwrite);
 * returns the digit count. The leading zeros are the low zero bytes of the digits. */
__attribute__((always_inline)) static inline size_t mxp_num_put_8digits_trimmed(char *dst, uint32_t x)
{
	uint64_t d = mxp_num_8digits(x);
	unsigned zeros = d != 0 ? (unsigned)__builtin_ctzll(d) >> 3 : 7;
	uint64_t w = (d + MXP_NUM_ASCII8) >> (8 * zeros);

	memcpy(dst, &w, 8);
	return 8 - zeros;
}

#if MXP_NUM_X87
/* m * 10^7 needs 88 bits; __extension__ keeps -Wpedantic quiet about the GNU type. */
__extension__ typedef unsigned __int128 mxp_num_u128;

/* Writes v as "%0.7Lf" if |v| < 2^64 and v is a valid finite encoding; returns the length,
 * or 0 if v is not for this path (NaN, inf, |v| >= 2^64, unnormals, which glibc prints as
 * "nan"). Exact: q = round(|v| * 10^7) with ties to even, which is what glibc computes
 * from the exact binary value in the default rounding mode. */
__attribute__((always_inline)) static inline size_t mxp_num_ld7_fast(char *dst, const long double *v)
{
	uint64_t m, ip, f;
	uint16_t se;
	unsigned bexp, s;
	uint32_t q = 0;
	size_t n = 0;

	memcpy(&m, v, sizeof m);
	memcpy(&se, (const char *)v + 8, sizeof se);
	bexp = se & 0x7fffu;
	/* v = m * 2^(bexp - 16383 - 63); 16446 is the exponent at which m is the integer
	 * itself, so above it |v| >= 2^64 and the integer part no longer fits a uint64_t. */
	if (bexp > 16446 || (bexp != 0 && !(m >> 63)))
		return 0;

	/* Subnormals (and pseudo-denormals, which glibc prints as values) scale as exponent 1. */
	s = 16446 - (bexp != 0 ? bexp : 1);
	if (s < 64) {
		ip = m >> s;
		f = m & ((UINT64_C(1) << s) - 1);
		if (f != 0) {
			/* |v| >= 1 mostly: the fraction's bits moved to the top of a word, so
			 * that q is the high half of fr * 10^7 and the low half the remainder,
			 * in units of 2^-64 (f != 0 means s >= 1) */
			uint64_t fr = f << (64 - s);
			mxp_num_u128 p = (mxp_num_u128)fr * MXP_NUM_TEN7;
			uint64_t rem = (uint64_t)p;

			q = (uint32_t)(p >> 64);
			/* ties to the even q; 10^7 is even, so the integer part cannot change
			 * q's parity */
			q += rem > UINT64_C(1) << 63 || (rem == UINT64_C(1) << 63 && (q & 1));
		}
	} else if (s <= 88) {
		/* |v| < 1: m * 10^7 < 2^88, and past 88 bits of shift it is below half of
		 * one unit, so q stays 0. q = p / 2^s rounded, ties to the even q: adding
		 * just under half a unit, plus one when the truncated q is odd, carries
		 * into q exactly when the remainder is above half, or is half and q odd */
		mxp_num_u128 p = (mxp_num_u128)m * MXP_NUM_TEN7;
		mxp_num_u128 half_less = ((mxp_num_u128)1 << (s - 1)) - 1;

		ip = 0;
		q = (uint32_t)((p + half_less + (uint64_t)((p >> s) & 1)) >> s);
	} else {
		ip = 0;
	}
	if (q == MXP_NUM_TEN7) {
		ip++;
		q = 0;
	}

	if (se >> 15)
		dst[n++] = '-';
	/* the integer digits without leading zeros, 8 at a time up to 16, then the
	 * fraction's 7 after the point: 8-byte stores (MXP_NUM_MAX leaves the room), the
	 * last one's leading '0' (q < 10^7) overwritten by the point */
	if (ip < 100000000u) {
		n += mxp_num_put_8digits_trimmed(dst + n, (uint32_t)ip);
	} else if (ip < UINT64_C(10000000000000000)) {
		n += mxp_num_put_8digits_trimmed(dst + n, (uint32_t)(ip / 100000000u));
		uint64_t w = mxp_num_8digits((uint32_t)(ip % 100000000u)) + MXP_NUM_ASCII8;
		memcpy(dst + n, &w, 8);
		n += 8;
	} else {
		n += mxp_num_put_u64(dst + n, ip);
	}
	uint64_t w = mxp_num_8digits(q) + MXP_NUM_ASCII8;
	memcpy(dst + n, &w, 8);
	dst[n] = '.';
	n += 8;
	dst[n] = '\0';
	return n;
}
#endif

/* mxp_num_ld7_at, with its common path inline: the out-of-line call only for what the
 * fast path leaves (|v| >= 2^64, inf, NaN, invalid encodings, non-x87 targets). */
__attribute__((always_inline)) static inline size_t mxp_num_ld7_at_inline(char *dst, const long double *v)
{
#if MXP_NUM_X87
	size_t n = mxp_num_ld7_fast(dst, v);

	if (n != 0)
		return n;
#endif
	return mxp_num_ld7_at(dst, v);
}

/* Whether *v may be NaN: false for zero, (pseudo-)denormals and normals with their
 * integer bit, read from the bits; true for the rest (inf, NaN, the encodings the x87
 * takes as invalid), which only the x87 can tell apart. */
__attribute__((always_inline)) static inline bool mxp_num_ld_maybe_nan(const long double *v)
{
#if MXP_NUM_X87
	uint64_t m;
	uint16_t se;

	memcpy(&m, v, sizeof m);
	memcpy(&se, (const char *)v + 8, sizeof se);
	const unsigned bexp = se & 0x7fffu;
	return !(bexp == 0 || (bexp != 0x7fffu && (m >> 63)));
#else
	(void)v;
	return true;
#endif
}

/* mxp_num_ld_isnan_at, with its common path inline. */
__attribute__((always_inline)) static inline int mxp_num_ld_isnan_at_inline(const long double *v)
{
	return mxp_num_ld_maybe_nan(v) && mxp_num_ld_isnan_at(v);
}

#endif
