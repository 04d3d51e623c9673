/* libFuzzer target for src/config/destination.c. The input is a destination list; it is
 * parsed with default port "2003", and each entry is formatted and parsed again, which
 * must give one entry with the same fields and no warning. A failed parse must leave
 * *out NULL, *n 0 and a message.
 *
 *   clang -std=c11 -g -fsanitize=fuzzer,address,undefined -Isrc \
 *       src/config/destination.c tests/fuzz/fuzz_destination.c -o fuzz_destination
 *
 * Linked with tests/fuzz/replay_main.c instead, it replays a corpus (make test does). */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/destination.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_fields(const struct mxp_destination *a, const struct mxp_destination *b)
{
	return a->proto == b->proto && strcmp(a->host, b->host) == 0 &&
	       strcmp(a->iface, b->iface) == 0 && strcmp(a->port, b->port) == 0 &&
	       a->ipv6_literal == b->ipv6_literal;
}

/* Every field of a parsed entry is NUL-terminated inside its array; a unix entry has no
 * port, a tcp/udp entry always has one (the default is non-empty here). */
static bool well_formed(const struct mxp_destination *d)
{
	if (!memchr(d->host, '\0', sizeof(d->host)) || !memchr(d->iface, '\0', sizeof(d->iface)) ||
	    !memchr(d->port, '\0', sizeof(d->port)) || d->host[0] == '\0')
		return false;
	if (d->proto == MXP_DEST_UNIX)
		return d->port[0] == '\0' && d->iface[0] == '\0' && !d->ipv6_literal &&
		       strlen(d->host) <= MXP_DEST_UNIX_PATH_MAX;
	return (d->proto == MXP_DEST_TCP || d->proto == MXP_DEST_UDP) && d->port[0] != '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mxp_destination *d = NULL;
	char *list, err[256], warn[256];
	size_t n = 0;
	int rc;

	list = malloc(size + 1);
	if (!list)
		abort();
	memcpy(list, data, size);
	list[size] = '\0';

	rc = mxp_destinations_parse(list, "2003", &d, &n, err, sizeof(err), warn, sizeof(warn));
	if (rc != 0) {
		if (rc != -EINVAL || d || n != 0 || err[0] == '\0' || warn[0] != '\0')
			abort();
		free(list);
		return 0;
	}
	if (!d || n == 0)
		abort();

	for (size_t i = 0; i < n; i++) {
		struct mxp_destination *again = NULL;
		char text[400], err2[256], warn2[256];
		size_t n2 = 0, len;

		if (!well_formed(&d[i]))
			abort();
		len = mxp_destination_format(&d[i], text, sizeof(text));
		if (len >= sizeof(text) || strlen(text) != len)
			abort();
		if (mxp_destinations_parse(text, "2003", &again, &n2, err2, sizeof(err2), warn2,
					   sizeof(warn2)) != 0) {
			fprintf(stderr, "'%s' does not parse again: %s\n", text, err2);
			abort();
		}
		if (n2 != 1 || warn2[0] != '\0' || !same_fields(&d[i], &again[0])) {
			fprintf(stderr, "'%s' parses again differently\n", text);
			abort();
		}
		free(again);
	}

	free(d);
	free(list);
	return 0;
}
