/* names.h — how the seed turns chart and dimension names into metric name parts. */
#ifndef MXP_NAMES_H
#define MXP_NAMES_H

#include <stddef.h>

/* The seed's RRD_ID_LENGTH_MAX: at most this many bytes of a name are copied. */
#define MXP_NAME_MAX 200

/* The seed's backend_name_copy: copies at most MXP_NAME_MAX bytes of src into dst
 * (which has MXP_NAME_MAX + 1 bytes), keeping '.' and ASCII letters and digits and
 * writing '_' for any other byte. NUL-terminates; returns the length. */
size_t mxp_name_copy(char *dst, const char *src);

#endif
