/* fuzz_stream_hello.c — netdata's streaming request (src/collect/stream_handshake.c) on
 * any bytes: the parse must not read past the bytes given (each try gets an allocation
 * of exactly its size), must give the same answer for every prefix that holds the whole
 * request, must keep its fields NUL-terminated within their arrays, and the prompt it
 * leads to must be one of netdata's.
 *
 * Built with -fsanitize=fuzzer it is a libFuzzer target; linked with
 * tests/fuzz/replay_main.c it replays a corpus (make test does). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/stream_handshake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int parse_exact(const uint8_t *data, size_t size, struct mxp_stream_hello *h)
{
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	const char *why = NULL;
	int rc = mxp_stream_hello_parse(buf, size, h, &why);
	free(buf);
	if (rc < 0 && why == NULL)
		__builtin_trap(); /* every refusal says why */
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mxp_stream_hello h, again;
	int rc = parse_exact(data, size, &h);
	if (rc != 0)
		return 0;
	if (h.length == 0 || h.length > size)
		__builtin_trap();
	/* the request alone reads the same */
	if (parse_exact(data, h.length, &again) != 0 || memcmp(&h, &again, sizeof(h)) != 0)
		__builtin_trap();
	if (strlen(h.key) >= sizeof(h.key) || strlen(h.hostname) >= sizeof(h.hostname) ||
	    strlen(h.machine_guid) >= sizeof(h.machine_guid) || strlen(h.tags) >= sizeof(h.tags) ||
	    strlen(h.program_version) >= sizeof(h.program_version) || h.key[0] == '\0')
		__builtin_trap();
	char reply[128];
	int v = mxp_stream_negotiate(&h, reply, sizeof(reply));
	if (v < 0 || v > MXP_STREAM_VERSION_MAX)
		__builtin_trap();
	if (strncmp(reply, "Hit me baby, push them over", 27) != 0)
		__builtin_trap();
	(void)mxp_stream_is_uuid(h.key);
	return 0;
}
