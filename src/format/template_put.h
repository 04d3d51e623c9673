/* template_put.h — a record from its series' template (format.h's mxp_record_template):
 * the formatters' innermost loop, inline with the number writers it calls
 * (number_fast.h), as a call per record and two per number, with the registers each
 * saves and restores, were a measurable part of a record's cost. */
#ifndef MXP_FORMAT_TEMPLATE_PUT_H
#define MXP_FORMAT_TEMPLATE_PUT_H

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "format/buf.h"
#include "format/format.h"
#include "format/number_fast.h"

/* Writes the value at w as %lld or %0.7Lf; returns its length. */
__attribute__((always_inline)) static inline size_t
mxp_template_put_value(char *w, bool as_collected, long long collected, const long double *stored)
{
	return as_collected ? mxp_num_lld(w, collected) : mxp_num_ld7_at_inline(w, stored);
}

/* Writes t as %llu at w; returns its length. The records of a window mostly share one
 * timestamp, so the digits of the last one are kept per thread (a formatter is one
 * thread) and copied: 24 bytes at once, within the slack the caller reserved for the
 * timestamp (at most 20 digits of it are kept). Each file that includes this has its
 * own copy of them: only the pipeline's formatters do. */
__attribute__((always_inline)) static inline size_t mxp_template_put_time(char *w, time_t t)
{
	static _Thread_local bool kept;
	static _Thread_local time_t last_t;
	static _Thread_local char last[24]; /* mxp_num_llu writes 21 at most */
	static _Thread_local size_t last_len;
	if (!kept || t != last_t) {
		last_len = mxp_num_llu(last, (unsigned long long)t);
		last_t = t;
		kept = true;
	}
	memcpy(w, last, sizeof(last));
	return last_len;
}

/* Copies a template part of n bytes to w in 16-byte pieces: what a memcpy of a length
 * known only at run time costs in a call and its dispatch is most of the copy at these
 * sizes (a graphite line's parts: ~40, 1 and 1 bytes). Reads up to 15 bytes past src + n
 * (MXP_TEMPLATE_SLACK) and writes up to 15 past w + n, which the caller reserved and
 * overwrites or leaves uncommitted. */
__attribute__((always_inline)) static inline void mxp_template_put_part(char *w, const char *src, size_t n)
{
	for (size_t i = 0; i < n; i += 16)
		memcpy(w + i, src + i, 16);
}

/* Appends a record from template tpl: the value is `collected` (%lld) when
 * as_collected, else *stored (%0.7Lf; NaN appends nothing and returns 0; not read when
 * as_collected). By address, so that the value is read where it lies (number.h's
 * mxp_num_ld7_at says why). Returns 1 when a record was appended, 0 when skipped,
 * -ENOMEM. */
__attribute__((always_inline)) static inline int mxp_template_put(struct mxp_buf *b,
								  const struct mxp_record_template *tpl,
								  bool as_collected, long long collected,
								  const long double *stored, time_t t)
{
	if (!as_collected && mxp_num_ld_isnan_at_inline(stored))
		return 0;
	/* one capacity check per record: the three parts, a value, a timestamp, and the
	 * pieces' overrun */
	char *w = mxp_buf_reserve(b, (size_t)tpl->a + tpl->b + tpl->c + MXP_NUM_MAX + 24 + 16);
	if (w == NULL)
		return -ENOMEM;
	const char *start = w, *a = tpl->bytes, *mid = a + tpl->a, *c = mid + tpl->b;
	mxp_template_put_part(w, a, tpl->a);
	w += tpl->a;
	w += tpl->ts_first ? mxp_template_put_time(w, t)
			   : mxp_template_put_value(w, as_collected, collected, stored);
	mxp_template_put_part(w, mid, tpl->b);
	w += tpl->b;
	w += tpl->ts_first ? mxp_template_put_value(w, as_collected, collected, stored)
			   : mxp_template_put_time(w, t);
	mxp_template_put_part(w, c, tpl->c);
	w += tpl->c;
	mxp_buf_commit(b, (size_t)(w - start));
	return 1;
}

#endif
