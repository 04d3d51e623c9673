/* tsan_annotate.h — happens-before edges that ThreadSanitizer cannot see by itself.
 *
 * libck's epoch grace period runs in libck.so, which is not built with TSan, so TSan
 * does not see that ck_epoch_call's callback runs only after every reader left its
 * section. Each reader "releases" the epoch object as it leaves, and each reclaim
 * "acquires" it before freeing: exactly the edge ck_epoch provides. Outside TSan
 * builds these compile to nothing.
 */
#ifndef MXP_TSAN_ANNOTATE_H
#define MXP_TSAN_ANNOTATE_H

#if defined(__SANITIZE_THREAD__)
#define MXP_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MXP_TSAN 1
#endif
#endif

#ifdef MXP_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define mxp_tsan_acquire(addr) __tsan_acquire((void *)(addr))
#define mxp_tsan_release(addr) __tsan_release((void *)(addr))
#else
#define mxp_tsan_acquire(addr) ((void)(addr))
#define mxp_tsan_release(addr) ((void)(addr))
#endif

#endif
