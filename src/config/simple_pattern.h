/* Netdata "simple pattern" lists (SIMPLE_PATTERN_EXACT mode), as the backends use them to
 * pick hosts and charts: FORMATS.md §6 is the specification, quirks included. */
#ifndef MXP_CONFIG_SIMPLE_PATTERN_H
#define MXP_CONFIG_SIMPLE_PATTERN_H

#include <stdbool.h>

/* A parsed list. Immutable once created, so any number of threads may match against one
 * pattern at the same time. */
struct mxp_pattern;

/* Parses `list`, a whitespace-separated list of words (separators are space, \t, \r, \n,
 * \f and \v; a comma is an ordinary character), in netdata's EXACT mode.
 *
 * Accepts any NUL-terminated `list`, or NULL. There is no syntax error: every input
 * means something.
 *
 * Returns 0 and stores in *out either a new pattern, which the caller owns and MUST free
 * with mxp_pattern_free(), or NULL when the list holds no word at all (NULL, "",
 * whitespace only, or only empty words such as "!" or "\"). A NULL pattern is a valid
 * value for mxp_pattern_matches() and matches nothing; callers that give "no pattern"
 * another meaning (the backends' host list means "all hosts") test for NULL themselves.
 *
 * Returns -ENOMEM when memory runs out; *out is then NULL and nothing is leaked. */
int mxp_pattern_create(const char *list, struct mxp_pattern **out);

/* Tells whether `str` is selected by `p`: the first word that matches decides, a positive
 * word selecting and a negative one rejecting; no matching word rejects.
 *
 * Returns false for a NULL `p`, a NULL `str` or an empty `str`. Does not allocate, takes
 * no lock and keeps no reference to `str`. */
bool mxp_pattern_matches(const struct mxp_pattern *p, const char *str);

/* Frees `p` and everything it owns. NULL is accepted and does nothing. */
void mxp_pattern_free(struct mxp_pattern *p);

#endif /* MXP_CONFIG_SIMPLE_PATTERN_H */
