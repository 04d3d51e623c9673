/* ck_pr.h replacement for ThreadSanitizer builds: every ck_pr operation as an __atomic builtin. */

/*
 * Why this file exists
 * --------------------
 * ThreadSanitizer only sees synchronisation that goes through the compiler's
 * atomic builtins (or C11 <stdatomic.h>, which lowers to them). ck's
 * ck_pr_load_* / ck_pr_store_* are inline asm on x86-64 (invisible to TSan:
 * neither an access nor an ordering) or volatile accesses under
 * CK_USE_CC_BUILTINS=1 (seen as plain, racy accesses), and its fences are asm
 * or __sync_synchronize(), while TSan ignores standalone fences altogether.
 * So TSan reports data races on what a correct SPSC ck_ring hands over (the
 * slot and the object behind it), and with CK_USE_CC_BUILTINS=1 on a correct
 * ck_sequence's counter and fields; with ck's asm it does not see the
 * seqlock's accesses at all.
 *
 * Only the TSan build (`make tsan`) may put -I tests/tsan/include ahead of
 * the system include path, so `#include <ck_pr.h>` inside ck_sequence.h,
 * ck_ring.h, ck_epoch.h, ck_stack.h, ... finds this file instead of ck's. No
 * release, debug or ASan build ever uses it; ck_md.h, ck_cc.h and every other
 * ck header still come from the system.
 *
 * Memory ordering, and what it can and cannot hide from TSan
 * ---------------------------------------------------------
 *  - loads  are __ATOMIC_ACQUIRE, stores are __ATOMIC_RELEASE;
 *  - every read-modify-write (cas, fas, faa, add, inc, bts, ...) is
 *    __ATOMIC_SEQ_CST;
 *  - every ck_pr_fence_* is __atomic_thread_fence(__ATOMIC_SEQ_CST);
 *  - ck_pr_barrier() is a compiler barrier, ck_pr_stall() a pause.
 * This is at least as strong as ck's own contract on every target (ck's
 * loads and stores promise no ordering at all; on x86-64 they are plain
 * movs, which TSO already makes acquire/release, and its RMWs are lock-
 * prefixed, i.e. sequentially consistent). The TSan build can therefore
 * only show fewer interleavings than production, never one production could
 * not have: a functional failure seen here is real. Because TSan ignores
 * fences, it is the acquire load / release store pairs that let it see the
 * protocols:
 *  - ck_sequence: the writer's release store of the even sequence in
 *    write_end and the reader's acquire load of it in read_begin order a
 *    finished write before the snapshot that observes it;
 *  - ck_ring SPSC: the producer's release store of p_tail after the slot
 *    memcpy pairs with the consumer's acquire load of p_tail before its
 *    memcpy, and the consumer's release store of c_head pairs with the
 *    producer's acquire load of c_head before it reuses the slot.
 * Only ck's volatile/asm idiom is hidden. TSan still finds, in mxp's own
 * code, any conflicting pair of accesses of which at least one is plain
 * (including a plain write racing with a ck_pr load) and any hand-off that
 * goes through no ck_pr operation at all. What it cannot find, by
 * construction: a missing ck_pr_fence_* in mxp code that does use ck_pr
 * loads and stores, because here every such load already acquires and every
 * store already releases. Without this file TSan sees no ck operation on
 * x86-64 and cannot check that either; fence placement stays a review item
 * (say what each fence orders, STYLE.md).
 *
 * Signatures match ck 0.7.1's x86-64 port (plus the generic fallbacks its
 * ck_pr.h adds), so code compiles unchanged against both. The 2-word CAS and
 * load (ck_pr_cas_ptr_2*, ck_pr_load_64_2, ...; ck_stack_pop_mpmc, ck_fifo
 * MPMC) use 16-byte __atomic: with gcc -fsanitize=thread libtsan provides it;
 * clang needs -mcx16 (or -latomic) and non-TSan gcc needs -latomic, only in
 * a TU that calls one of them.
 */

#ifndef CK_PR_H
#define CK_PR_H

#include <ck_cc.h>
#include <ck_limits.h>
#include <ck_md.h>
#include <ck_stdint.h>
#include <ck_stdbool.h>

#if !defined(__GNUC__)
#error "tests/tsan/include/ck_pr.h needs the gcc/clang __atomic builtins"
#endif

#define MXP_TSAN_LD __ATOMIC_ACQUIRE	/* every ck_pr load */
#define MXP_TSAN_ST __ATOMIC_RELEASE	/* every ck_pr store */
#define MXP_TSAN_RMW __ATOMIC_SEQ_CST	/* every ck_pr read-modify-write */

/*
 * Feature macros that ck's other headers and user code test. This is the
 * set ck 0.7.1 ends up defining on x86-64 after ck_pr.h's generic emulation.
 */
#define CK_F_PR
#define CK_F_PR_RFO
#define CK_F_PR_FENCE_LOAD
#define CK_F_PR_FENCE_LOAD_DEPENDS
#define CK_F_PR_FENCE_MEMORY
#define CK_F_PR_FENCE_STORE
#define CK_F_PR_FENCE_STRICT_LOAD
#define CK_F_PR_FENCE_STRICT_LOAD_DEPENDS
#define CK_F_PR_FENCE_STRICT_MEMORY
#define CK_F_PR_FENCE_STRICT_STORE

#define CK_F_PR_LOAD_CHAR
#define CK_F_PR_LOAD_INT
#define CK_F_PR_LOAD_UINT
#define CK_F_PR_LOAD_PTR
#define CK_F_PR_LOAD_64
#define CK_F_PR_LOAD_32
#define CK_F_PR_LOAD_16
#define CK_F_PR_LOAD_8
#define CK_F_PR_STORE_CHAR
#define CK_F_PR_STORE_INT
#define CK_F_PR_STORE_UINT
#define CK_F_PR_STORE_PTR
#define CK_F_PR_STORE_64
#define CK_F_PR_STORE_32
#define CK_F_PR_STORE_16
#define CK_F_PR_STORE_8

#define CK_F_PR_CAS_CHAR
#define CK_F_PR_CAS_CHAR_VALUE
#define CK_F_PR_CAS_INT
#define CK_F_PR_CAS_INT_VALUE
#define CK_F_PR_CAS_UINT
#define CK_F_PR_CAS_UINT_VALUE
#define CK_F_PR_CAS_PTR
#define CK_F_PR_CAS_PTR_VALUE
#define CK_F_PR_CAS_64
#define CK_F_PR_CAS_64_VALUE
#define CK_F_PR_CAS_32
#define CK_F_PR_CAS_32_VALUE
#define CK_F_PR_CAS_16
#define CK_F_PR_CAS_16_VALUE
#define CK_F_PR_CAS_8
#define CK_F_PR_CAS_8_VALUE

#define CK_F_PR_FAS_CHAR
#define CK_F_PR_FAS_INT
#define CK_F_PR_FAS_UINT
#define CK_F_PR_FAS_PTR
#define CK_F_PR_FAS_64
#define CK_F_PR_FAS_32
#define CK_F_PR_FAS_16
#define CK_F_PR_FAS_8
#define CK_F_PR_FAA_CHAR
#define CK_F_PR_FAA_INT
#define CK_F_PR_FAA_UINT
#define CK_F_PR_FAA_PTR
#define CK_F_PR_FAA_64
#define CK_F_PR_FAA_32
#define CK_F_PR_FAA_16
#define CK_F_PR_FAA_8

#define CK_F_PR_ADD_CHAR
#define CK_F_PR_ADD_INT
#define CK_F_PR_ADD_UINT
#define CK_F_PR_ADD_PTR
#define CK_F_PR_ADD_64
#define CK_F_PR_ADD_32
#define CK_F_PR_ADD_16
#define CK_F_PR_ADD_8
#define CK_F_PR_SUB_CHAR
#define CK_F_PR_SUB_INT
#define CK_F_PR_SUB_UINT
#define CK_F_PR_SUB_PTR
#define CK_F_PR_SUB_64
#define CK_F_PR_SUB_32
#define CK_F_PR_SUB_16
#define CK_F_PR_SUB_8
#define CK_F_PR_AND_CHAR
#define CK_F_PR_AND_INT
#define CK_F_PR_AND_UINT
#define CK_F_PR_AND_PTR
#define CK_F_PR_AND_64
#define CK_F_PR_AND_32
#define CK_F_PR_AND_16
#define CK_F_PR_AND_8
#define CK_F_PR_OR_CHAR
#define CK_F_PR_OR_INT
#define CK_F_PR_OR_UINT
#define CK_F_PR_OR_PTR
#define CK_F_PR_OR_64
#define CK_F_PR_OR_32
#define CK_F_PR_OR_16
#define CK_F_PR_OR_8
#define CK_F_PR_XOR_CHAR
#define CK_F_PR_XOR_INT
#define CK_F_PR_XOR_UINT
#define CK_F_PR_XOR_PTR
#define CK_F_PR_XOR_64
#define CK_F_PR_XOR_32
#define CK_F_PR_XOR_16
#define CK_F_PR_XOR_8

#define CK_F_PR_INC_CHAR
#define CK_F_PR_INC_INT
#define CK_F_PR_INC_UINT
#define CK_F_PR_INC_PTR
#define CK_F_PR_INC_64
#define CK_F_PR_INC_32
#define CK_F_PR_INC_16
#define CK_F_PR_INC_8
#define CK_F_PR_INC_CHAR_ZERO
#define CK_F_PR_INC_INT_ZERO
#define CK_F_PR_INC_UINT_ZERO
#define CK_F_PR_INC_PTR_ZERO
#define CK_F_PR_INC_64_ZERO
#define CK_F_PR_INC_32_ZERO
#define CK_F_PR_INC_16_ZERO
#define CK_F_PR_INC_8_ZERO
#define CK_F_PR_DEC_CHAR
#define CK_F_PR_DEC_INT
#define CK_F_PR_DEC_UINT
#define CK_F_PR_DEC_PTR
#define CK_F_PR_DEC_64
#define CK_F_PR_DEC_32
#define CK_F_PR_DEC_16
#define CK_F_PR_DEC_8
#define CK_F_PR_DEC_CHAR_ZERO
#define CK_F_PR_DEC_INT_ZERO
#define CK_F_PR_DEC_UINT_ZERO
#define CK_F_PR_DEC_PTR_ZERO
#define CK_F_PR_DEC_64_ZERO
#define CK_F_PR_DEC_32_ZERO
#define CK_F_PR_DEC_16_ZERO
#define CK_F_PR_DEC_8_ZERO
#define CK_F_PR_NEG_CHAR
#define CK_F_PR_NEG_INT
#define CK_F_PR_NEG_UINT
#define CK_F_PR_NEG_PTR
#define CK_F_PR_NEG_64
#define CK_F_PR_NEG_32
#define CK_F_PR_NEG_16
#define CK_F_PR_NEG_8
#define CK_F_PR_NEG_CHAR_ZERO
#define CK_F_PR_NEG_INT_ZERO
#define CK_F_PR_NEG_UINT_ZERO
#define CK_F_PR_NEG_PTR_ZERO
#define CK_F_PR_NEG_64_ZERO
#define CK_F_PR_NEG_32_ZERO
#define CK_F_PR_NEG_16_ZERO
#define CK_F_PR_NEG_8_ZERO
#define CK_F_PR_NOT_CHAR
#define CK_F_PR_NOT_INT
#define CK_F_PR_NOT_UINT
#define CK_F_PR_NOT_PTR
#define CK_F_PR_NOT_64
#define CK_F_PR_NOT_32
#define CK_F_PR_NOT_16
#define CK_F_PR_NOT_8

#define CK_F_PR_BTC_INT
#define CK_F_PR_BTC_UINT
#define CK_F_PR_BTC_PTR
#define CK_F_PR_BTC_64
#define CK_F_PR_BTC_32
#define CK_F_PR_BTC_16
#define CK_F_PR_BTR_INT
#define CK_F_PR_BTR_UINT
#define CK_F_PR_BTR_PTR
#define CK_F_PR_BTR_64
#define CK_F_PR_BTR_32
#define CK_F_PR_BTR_16
#define CK_F_PR_BTS_INT
#define CK_F_PR_BTS_UINT
#define CK_F_PR_BTS_PTR
#define CK_F_PR_BTS_64
#define CK_F_PR_BTS_32
#define CK_F_PR_BTS_16

#ifndef CK_PR_DISABLE_DOUBLE
#define CK_F_PR_LOAD_DOUBLE
#define CK_F_PR_STORE_DOUBLE
#define CK_F_PR_CAS_DOUBLE
#define CK_F_PR_CAS_DOUBLE_VALUE
#define CK_F_PR_FAS_DOUBLE
#define CK_F_PR_FAA_DOUBLE
#define CK_F_PR_ADD_DOUBLE
#define CK_F_PR_SUB_DOUBLE
#define CK_F_PR_INC_DOUBLE
#define CK_F_PR_DEC_DOUBLE
#define CK_F_PR_NEG_DOUBLE
#endif

#ifdef __SIZEOF_INT128__
#define CK_F_PR_LOAD_64_2
#define CK_F_PR_LOAD_PTR_2
#define CK_F_PR_LOAD_CHAR_16
#define CK_F_PR_LOAD_INT_4
#define CK_F_PR_LOAD_UINT_4
#define CK_F_PR_LOAD_32_4
#define CK_F_PR_LOAD_16_8
#define CK_F_PR_LOAD_8_16
#define CK_F_PR_CAS_64_2
#define CK_F_PR_CAS_64_2_VALUE
#define CK_F_PR_CAS_PTR_2
#define CK_F_PR_CAS_PTR_2_VALUE
#define CK_F_PR_CAS_CHAR_16
#define CK_F_PR_CAS_CHAR_16_VALUE
#define CK_F_PR_CAS_INT_4
#define CK_F_PR_CAS_INT_4_VALUE
#define CK_F_PR_CAS_UINT_4
#define CK_F_PR_CAS_UINT_4_VALUE
#define CK_F_PR_CAS_32_4
#define CK_F_PR_CAS_32_4_VALUE
#define CK_F_PR_CAS_16_8
#define CK_F_PR_CAS_16_8_VALUE
#define CK_F_PR_CAS_8_16
#define CK_F_PR_CAS_8_16_VALUE
#ifndef CK_PR_DISABLE_DOUBLE
#define CK_F_PR_CAS_DOUBLE_2
#endif
#endif /* __SIZEOF_INT128__ */

/* Compiler-only barrier: TSan needs nothing from it, the optimiser does. */
CK_CC_INLINE static void
ck_pr_barrier(void)
{

	__asm__ __volatile__("" ::: "memory");
}

/* Spin-wait hint; the barrier keeps ck's busy loops re-reading memory. */
CK_CC_INLINE static void
ck_pr_stall(void)
{

#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
	ck_pr_barrier();
}

CK_CC_INLINE static void
ck_pr_rfo(const void *m)
{

	__builtin_prefetch(m, 1);
}

/*
 * Fences. TSan ignores these; they are here so the compiled code is at least
 * as ordered as ck's, and every one is a full fence whatever its name says.
 * gcc >= 11 says so too, with -Wtsan, which -Werror would turn into a failed
 * TSan build; the warning is silenced for these definitions only.
 */
#if !defined(__clang__) && __GNUC__ >= 11
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif

#define MXP_TSAN_PR_FENCE(T)						\
	CK_CC_INLINE static void					\
	ck_pr_fence_strict_##T(void)					\
	{								\
		__atomic_thread_fence(__ATOMIC_SEQ_CST);		\
	}								\
	CK_CC_INLINE static void					\
	ck_pr_fence_##T(void)						\
	{								\
		__atomic_thread_fence(__ATOMIC_SEQ_CST);		\
	}

MXP_TSAN_PR_FENCE(atomic)
MXP_TSAN_PR_FENCE(atomic_load)
MXP_TSAN_PR_FENCE(atomic_store)
MXP_TSAN_PR_FENCE(store_atomic)
MXP_TSAN_PR_FENCE(load_atomic)
MXP_TSAN_PR_FENCE(load_store)
MXP_TSAN_PR_FENCE(store_load)
MXP_TSAN_PR_FENCE(load)
MXP_TSAN_PR_FENCE(store)
MXP_TSAN_PR_FENCE(memory)
MXP_TSAN_PR_FENCE(acquire)
MXP_TSAN_PR_FENCE(release)
MXP_TSAN_PR_FENCE(acqrel)
MXP_TSAN_PR_FENCE(lock)
MXP_TSAN_PR_FENCE(unlock)

#undef MXP_TSAN_PR_FENCE

/* ck makes this a compiler barrier (no supported CPU reorders dependent loads). */
CK_CC_INLINE static void
ck_pr_fence_load_depends(void)
{

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
#define ck_pr_fence_strict_load_depends ck_pr_fence_load_depends

#if !defined(__clang__) && __GNUC__ >= 11
#pragma GCC diagnostic pop
#endif

/*
 * Loads and stores: ck_pr_md_* take the storage type M and the value type T,
 * exactly as ck's port does; the public ck_pr_load_* / ck_pr_store_* macros
 * below keep ck's type checks. The generic __atomic_load / __atomic_store
 * forms are used because the _n forms reject double under clang.
 */
#define MXP_TSAN_PR_LOAD_STORE(S, M, T)					\
	CK_CC_INLINE static T						\
	ck_pr_md_load_##S(const M *target)				\
	{								\
		T r;							\
									\
		__atomic_load((const T *)target, &r, MXP_TSAN_LD);	\
		return r;						\
	}								\
	CK_CC_INLINE static void					\
	ck_pr_md_store_##S(M *target, T v)				\
	{								\
									\
		__atomic_store((T *)target, &v, MXP_TSAN_ST);		\
	}

MXP_TSAN_PR_LOAD_STORE(char, char, char)
MXP_TSAN_PR_LOAD_STORE(int, int, int)
MXP_TSAN_PR_LOAD_STORE(uint, unsigned int, unsigned int)
MXP_TSAN_PR_LOAD_STORE(64, uint64_t, uint64_t)
MXP_TSAN_PR_LOAD_STORE(32, uint32_t, uint32_t)
MXP_TSAN_PR_LOAD_STORE(16, uint16_t, uint16_t)
MXP_TSAN_PR_LOAD_STORE(8, uint8_t, uint8_t)
#ifndef CK_PR_DISABLE_DOUBLE
MXP_TSAN_PR_LOAD_STORE(double, double, double)
#endif

#undef MXP_TSAN_PR_LOAD_STORE

CK_CC_INLINE static void *
ck_pr_md_load_ptr(const void *target)
{

	return __atomic_load_n((void *const *)target, MXP_TSAN_LD);
}

CK_CC_INLINE static void
ck_pr_md_store_ptr(void *target, const void *v)
{

	__atomic_store_n((void **)target, CK_CC_DECONST_PTR(v), MXP_TSAN_ST);
}

/* The public load/store interface, with ck's compile-time type checks. */
#define CK_PR_STORE_SAFE(DST, VAL, TYPE)				\
	ck_pr_md_store_##TYPE(((void)sizeof(*(DST) = (VAL)), (DST)), (VAL))

#define ck_pr_store_ptr(DST, VAL) CK_PR_STORE_SAFE((DST), (VAL), ptr)
#define ck_pr_store_char(DST, VAL) CK_PR_STORE_SAFE((DST), (VAL), char)
#define ck_pr_store_uint(DST, VAL) CK_PR_STORE_SAFE((DST), (VAL), uint)
#define ck_pr_store_int(DST, VAL) CK_PR_STORE_SAFE((DST), (VAL), int)
#define ck_pr_store_64(DST, VAL) CK_PR_STORE_SAFE((DST), (VAL), 64)
#define ck_pr_store_32(DST, VAL) CK_PR_STORE_SAFE((DST), (VAL), 32)
#define ck_pr_store_16(DST, VAL) CK_PR_STORE_SAFE((DST), (VAL), 16)
#define ck_pr_store_8(DST, VAL) CK_PR_STORE_SAFE((DST), (VAL), 8)
#ifndef CK_PR_DISABLE_DOUBLE
#define ck_pr_store_double(DST, VAL) CK_PR_STORE_SAFE((DST), (VAL), double)
#endif
#define ck_pr_store_ptr_unsafe(DST, VAL) ck_pr_md_store_ptr((DST), (VAL))

#define CK_PR_LOAD_PTR_SAFE(SRC)					\
	(CK_CC_TYPEOF(*(SRC), (void *)))ck_pr_md_load_ptr((SRC))
#define CK_PR_LOAD_SAFE(SRC, TYPE) ck_pr_md_load_##TYPE((SRC))

#define ck_pr_load_ptr(SRC) CK_PR_LOAD_PTR_SAFE((SRC))
#define ck_pr_load_char(SRC) CK_PR_LOAD_SAFE((SRC), char)
#define ck_pr_load_uint(SRC) CK_PR_LOAD_SAFE((SRC), uint)
#define ck_pr_load_int(SRC) CK_PR_LOAD_SAFE((SRC), int)
#define ck_pr_load_64(SRC) CK_PR_LOAD_SAFE((SRC), 64)
#define ck_pr_load_32(SRC) CK_PR_LOAD_SAFE((SRC), 32)
#define ck_pr_load_16(SRC) CK_PR_LOAD_SAFE((SRC), 16)
#define ck_pr_load_8(SRC) CK_PR_LOAD_SAFE((SRC), 8)
#ifndef CK_PR_DISABLE_DOUBLE
#define ck_pr_load_double(SRC) CK_PR_LOAD_SAFE((SRC), double)
#endif

/*
 * Compare-and-swap. ck_pr_cas_S returns true if *target held compare and now
 * holds set; ck_pr_cas_S_value also writes what *target held to *v.
 */
#define MXP_TSAN_PR_CAS(S, M, T)					\
	CK_CC_INLINE static bool					\
	ck_pr_cas_##S(M *target, T compare, T set)			\
	{								\
									\
		return __atomic_compare_exchange((T *)target, &compare,	\
		    &set, false, MXP_TSAN_RMW, MXP_TSAN_RMW);		\
	}								\
	CK_CC_INLINE static bool					\
	ck_pr_cas_##S##_value(M *target, T compare, T set, M *v)	\
	{								\
		bool z;							\
									\
		z = __atomic_compare_exchange((T *)target, &compare,	\
		    &set, false, MXP_TSAN_RMW, MXP_TSAN_RMW);		\
		*(T *)v = compare;					\
		return z;						\
	}

MXP_TSAN_PR_CAS(ptr, void, void *)
MXP_TSAN_PR_CAS(char, char, char)
MXP_TSAN_PR_CAS(int, int, int)
MXP_TSAN_PR_CAS(uint, unsigned int, unsigned int)
MXP_TSAN_PR_CAS(64, uint64_t, uint64_t)
MXP_TSAN_PR_CAS(32, uint32_t, uint32_t)
MXP_TSAN_PR_CAS(16, uint16_t, uint16_t)
MXP_TSAN_PR_CAS(8, uint8_t, uint8_t)
#ifndef CK_PR_DISABLE_DOUBLE
MXP_TSAN_PR_CAS(double, double, double)
#endif

#undef MXP_TSAN_PR_CAS

/* Fetch-and-store: returns what *target held before v replaced it. */
#define MXP_TSAN_PR_FAS(S, M, T)					\
	CK_CC_INLINE static T						\
	ck_pr_fas_##S(M *target, T v)					\
	{								\
		T previous;						\
									\
		__atomic_exchange((T *)target, &v, &previous,		\
		    MXP_TSAN_RMW);					\
		return previous;					\
	}

MXP_TSAN_PR_FAS(ptr, void, void *)
MXP_TSAN_PR_FAS(char, char, char)
MXP_TSAN_PR_FAS(int, int, int)
MXP_TSAN_PR_FAS(uint, unsigned int, unsigned int)
MXP_TSAN_PR_FAS(64, uint64_t, uint64_t)
MXP_TSAN_PR_FAS(32, uint32_t, uint32_t)
MXP_TSAN_PR_FAS(16, uint16_t, uint16_t)
MXP_TSAN_PR_FAS(8, uint8_t, uint8_t)
#ifndef CK_PR_DISABLE_DOUBLE
MXP_TSAN_PR_FAS(double, double, double)
#endif

#undef MXP_TSAN_PR_FAS

/*
 * Integer arithmetic and bitwise operations, all one locked builtin. The ptr
 * forms treat the pointer as a uintptr_t, as ck's x86-64 port does.
 * faa returns the old value; the rest return nothing; inc/dec/neg_is_zero
 * say whether the new value is 0, and the _zero forms put that in *zero.
 */
#define MXP_TSAN_PR_INT_OPS(S, M, T)					\
	CK_CC_INLINE static T						\
	ck_pr_faa_##S(M *target, T d)					\
	{								\
									\
		return __atomic_fetch_add((T *)target, d, MXP_TSAN_RMW);\
	}								\
	CK_CC_INLINE static void					\
	ck_pr_add_##S(M *target, T d)					\
	{								\
									\
		(void)__atomic_fetch_add((T *)target, d, MXP_TSAN_RMW);	\
	}								\
	CK_CC_INLINE static void					\
	ck_pr_sub_##S(M *target, T d)					\
	{								\
									\
		(void)__atomic_fetch_sub((T *)target, d, MXP_TSAN_RMW);	\
	}								\
	CK_CC_INLINE static void					\
	ck_pr_and_##S(M *target, T d)					\
	{								\
									\
		(void)__atomic_fetch_and((T *)target, d, MXP_TSAN_RMW);	\
	}								\
	CK_CC_INLINE static void					\
	ck_pr_or_##S(M *target, T d)					\
	{								\
									\
		(void)__atomic_fetch_or((T *)target, d, MXP_TSAN_RMW);	\
	}								\
	CK_CC_INLINE static void					\
	ck_pr_xor_##S(M *target, T d)					\
	{								\
									\
		(void)__atomic_fetch_xor((T *)target, d, MXP_TSAN_RMW);	\
	}								\
	CK_CC_INLINE static void					\
	ck_pr_inc_##S(M *target)					\
	{								\
									\
		(void)__atomic_fetch_add((T *)target, (T)1,		\
		    MXP_TSAN_RMW);					\
	}								\
	CK_CC_INLINE static void					\
	ck_pr_dec_##S(M *target)					\
	{								\
									\
		(void)__atomic_fetch_sub((T *)target, (T)1,		\
		    MXP_TSAN_RMW);					\
	}								\
	CK_CC_INLINE static bool					\
	ck_pr_inc_##S##_is_zero(M *target)				\
	{								\
									\
		return __atomic_add_fetch((T *)target, (T)1,		\
		    MXP_TSAN_RMW) == (T)0;				\
	}								\
	CK_CC_INLINE static bool					\
	ck_pr_dec_##S##_is_zero(M *target)				\
	{								\
									\
		return __atomic_sub_fetch((T *)target, (T)1,		\
		    MXP_TSAN_RMW) == (T)0;				\
	}								\
	CK_CC_INLINE static void					\
	ck_pr_inc_##S##_zero(M *target, bool *zero)			\
	{								\
									\
		*zero = ck_pr_inc_##S##_is_zero(target);		\
	}								\
	CK_CC_INLINE static void					\
	ck_pr_dec_##S##_zero(M *target, bool *zero)			\
	{								\
									\
		*zero = ck_pr_dec_##S##_is_zero(target);		\
	}								\
	CK_CC_INLINE static void					\
	ck_pr_not_##S(M *target)					\
	{								\
									\
		(void)__atomic_fetch_xor((T *)target, (T)~(T)0,		\
		    MXP_TSAN_RMW);					\
	}								\
	CK_CC_INLINE static bool					\
	ck_pr_neg_##S##_is_zero(M *target)				\
	{								\
		T previous;						\
									\
		previous = __atomic_load_n((T *)target,			\
		    __ATOMIC_RELAXED);					\
		while (__atomic_compare_exchange_n((T *)target,		\
		    &previous, (T)-previous, false, MXP_TSAN_RMW,	\
		    __ATOMIC_RELAXED) == false)				\
			ck_pr_stall();					\
		return previous == (T)0;				\
	}								\
	CK_CC_INLINE static void					\
	ck_pr_neg_##S(M *target)					\
	{								\
									\
		(void)ck_pr_neg_##S##_is_zero(target);			\
	}

MXP_TSAN_PR_INT_OPS(ptr, void, uintptr_t)
MXP_TSAN_PR_INT_OPS(char, char, char)
MXP_TSAN_PR_INT_OPS(int, int, int)
MXP_TSAN_PR_INT_OPS(uint, unsigned int, unsigned int)
MXP_TSAN_PR_INT_OPS(64, uint64_t, uint64_t)
MXP_TSAN_PR_INT_OPS(32, uint32_t, uint32_t)
MXP_TSAN_PR_INT_OPS(16, uint16_t, uint16_t)
MXP_TSAN_PR_INT_OPS(8, uint8_t, uint8_t)

#undef MXP_TSAN_PR_INT_OPS

/*
 * Bit test-and-{complement,set,reset}: returns the bit's old value. U is the
 * unsigned type of T's width, so that bit 31 of an int is no shift overflow.
 */
#define MXP_TSAN_PR_BT(S, M, T, U)					\
	CK_CC_INLINE static bool					\
	ck_pr_btc_##S(M *target, unsigned int b)			\
	{								\
		U old;							\
									\
		old = (U)__atomic_fetch_xor((T *)target,		\
		    (T)((U)1 << b), MXP_TSAN_RMW);			\
		return (old >> b) & 1;					\
	}								\
	CK_CC_INLINE static bool					\
	ck_pr_bts_##S(M *target, unsigned int b)			\
	{								\
		U old;							\
									\
		old = (U)__atomic_fetch_or((T *)target,			\
		    (T)((U)1 << b), MXP_TSAN_RMW);			\
		return (old >> b) & 1;					\
	}								\
	CK_CC_INLINE static bool					\
	ck_pr_btr_##S(M *target, unsigned int b)			\
	{								\
		U old;							\
									\
		old = (U)__atomic_fetch_and((T *)target,		\
		    (T)~((U)1 << b), MXP_TSAN_RMW);			\
		return (old >> b) & 1;					\
	}

MXP_TSAN_PR_BT(ptr, void, uintptr_t, uintptr_t)
MXP_TSAN_PR_BT(int, int, int, unsigned int)
MXP_TSAN_PR_BT(uint, unsigned int, unsigned int, unsigned int)
MXP_TSAN_PR_BT(64, uint64_t, uint64_t, uint64_t)
MXP_TSAN_PR_BT(32, uint32_t, uint32_t, uint32_t)
MXP_TSAN_PR_BT(16, uint16_t, uint16_t, uint16_t)

#undef MXP_TSAN_PR_BT

#ifndef CK_PR_DISABLE_DOUBLE
/*
 * Double arithmetic has no builtin: a CAS loop, as ck's generic fallback
 * does. ck_pr_faa_double returns the old value.
 */
CK_CC_INLINE static double
ck_pr_faa_double(double *target, double delta)
{
	double previous, update;

	__atomic_load(target, &previous, __ATOMIC_RELAXED);
	do {
		update = previous + delta;
	} while (__atomic_compare_exchange(target, &previous, &update, false,
	    MXP_TSAN_RMW, __ATOMIC_RELAXED) == false);
	return previous;
}

CK_CC_INLINE static void
ck_pr_add_double(double *target, double value)
{

	(void)ck_pr_faa_double(target, value);
}

CK_CC_INLINE static void
ck_pr_sub_double(double *target, double value)
{

	(void)ck_pr_faa_double(target, -value);
}

CK_CC_INLINE static void
ck_pr_inc_double(double *target)
{

	(void)ck_pr_faa_double(target, 1.0);
}

CK_CC_INLINE static void
ck_pr_dec_double(double *target)
{

	(void)ck_pr_faa_double(target, -1.0);
}

CK_CC_INLINE static void
ck_pr_neg_double(double *target)
{
	double previous, update;

	__atomic_load(target, &previous, __ATOMIC_RELAXED);
	do {
		update = -previous;
	} while (__atomic_compare_exchange(target, &previous, &update, false,
	    MXP_TSAN_RMW, __ATOMIC_RELAXED) == false);
}
#endif /* !CK_PR_DISABLE_DOUBLE */

#ifdef __SIZEOF_INT128__
/*
 * Two-word (16-byte) load and CAS, used by ck_stack's and ck_fifo's MPMC
 * paths. target must be 16-byte aligned, as for ck's cmpxchg16b. Values go
 * through __builtin_memcpy so any 16-byte array type can be passed.
 */
CK_CC_INLINE static void
ck_pr_load_64_2(const uint64_t target[2], uint64_t v[2])
{
	unsigned __int128 r;

	r = __atomic_load_n((const unsigned __int128 *)(const void *)target,
	    MXP_TSAN_LD);
	__builtin_memcpy(v, &r, sizeof(r));
}

CK_CC_INLINE static void
ck_pr_load_ptr_2(const void *t, void *v)
{

	ck_pr_load_64_2((const uint64_t *)t, (uint64_t *)v);
}

CK_CC_INLINE static bool
ck_pr_cas_64_2_value(uint64_t target[2], uint64_t compare[2],
    uint64_t set[2], uint64_t v[2])
{
	unsigned __int128 expected, desired;
	bool z;

	__builtin_memcpy(&expected, compare, sizeof(expected));
	__builtin_memcpy(&desired, set, sizeof(desired));
	z = __atomic_compare_exchange_n((unsigned __int128 *)(void *)target,
	    &expected, desired, false, MXP_TSAN_RMW, MXP_TSAN_RMW);
	__builtin_memcpy(v, &expected, sizeof(expected));
	return z;
}

CK_CC_INLINE static bool
ck_pr_cas_64_2(uint64_t target[2], uint64_t compare[2], uint64_t set[2])
{
	uint64_t seen[2];

	return ck_pr_cas_64_2_value(target, compare, set, seen);
}

CK_CC_INLINE static bool
ck_pr_cas_ptr_2(void *t, void *c, void *s)
{

	return ck_pr_cas_64_2((uint64_t *)t, (uint64_t *)c, (uint64_t *)s);
}

CK_CC_INLINE static bool
ck_pr_cas_ptr_2_value(void *t, void *c, void *s, void *v)
{

	return ck_pr_cas_64_2_value((uint64_t *)t, (uint64_t *)c,
	    (uint64_t *)s, (uint64_t *)v);
}

/* The same 16 bytes seen as W elements of T (ck_pr_md_load_S_W, ck_pr_cas_S_W). */
#define MXP_TSAN_PR_WIDE(S, W, T)					\
	CK_CC_INLINE static void					\
	ck_pr_md_load_##S##_##W(const T t[W], T v[W])			\
	{								\
									\
		ck_pr_load_64_2((const uint64_t *)(const void *)t,	\
		    (uint64_t *)(void *)v);				\
	}								\
	CK_CC_INLINE static bool					\
	ck_pr_cas_##S##_##W(T t[W], T c[W], T s[W])			\
	{								\
									\
		return ck_pr_cas_64_2((uint64_t *)(void *)t,		\
		    (uint64_t *)(void *)c, (uint64_t *)(void *)s);	\
	}								\
	CK_CC_INLINE static bool					\
	ck_pr_cas_##S##_##W##_value(T *t, T c[W], T s[W], T *v)		\
	{								\
									\
		return ck_pr_cas_64_2_value((uint64_t *)(void *)t,	\
		    (uint64_t *)(void *)c, (uint64_t *)(void *)s,	\
		    (uint64_t *)(void *)v);				\
	}

MXP_TSAN_PR_WIDE(char, 16, char)
MXP_TSAN_PR_WIDE(int, 4, int)
MXP_TSAN_PR_WIDE(uint, 4, unsigned int)
MXP_TSAN_PR_WIDE(32, 4, uint32_t)
MXP_TSAN_PR_WIDE(16, 8, uint16_t)
MXP_TSAN_PR_WIDE(8, 16, uint8_t)

#undef MXP_TSAN_PR_WIDE

#ifndef CK_PR_DISABLE_DOUBLE
CK_CC_INLINE static bool
ck_pr_cas_double_2(double t[2], double c[2], double s[2])
{

	return ck_pr_cas_64_2((uint64_t *)(void *)t, (uint64_t *)(void *)c,
	    (uint64_t *)(void *)s);
}

CK_CC_INLINE static bool
ck_pr_cas_double_2_value(double *t, double c[2], double s[2], double *v)
{

	return ck_pr_cas_64_2_value((uint64_t *)(void *)t,
	    (uint64_t *)(void *)c, (uint64_t *)(void *)s,
	    (uint64_t *)(void *)v);
}
#endif /* !CK_PR_DISABLE_DOUBLE */
#endif /* __SIZEOF_INT128__ */

#undef MXP_TSAN_LD
#undef MXP_TSAN_ST
#undef MXP_TSAN_RMW

#endif /* CK_PR_H */
