/* fuzz_stream_conf.c — netdata's stream.conf as mxpd reads it (src/config/stream_conf.c)
 * on any text: a load either gives a configuration or an error that names the file;
 * then the rules are asked about every section name the text holds and a few fixed
 * keys, from a few addresses, and every refusal must say why.
 *
 * Built with -fsanitize=fuzzer it is a libFuzzer target; linked with
 * tests/fuzz/replay_main.c it replays a corpus (make test does). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/stream_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	char err[600] = "";
	struct mxp_stream_conf *c = mxp_stream_conf_load_string("stream.conf", text, err, sizeof(err));
	if (c == NULL) {
		if (strncmp(err, "stream.conf", 11) != 0 && strcmp(err, "out of memory") != 0)
			__builtin_trap(); /* an error names the file */
		free(text);
		return 0;
	}
	static const char *const ips[] = {"127.0.0.1", "10.0.0.9", "::1", ""};
	const char *keys[8] = {"11111111-2222-3333-4444-555555555555", "not-a-uuid", ""};
	size_t nkeys = 3;
	/* section names of the text, as keys and GUIDs */
	for (char *p = text; (p = strchr(p, '[')) != NULL && nkeys < 8; p++) {
		char *e = strchr(p, ']');
		if (e == NULL)
			break;
		*e = '\0';
		keys[nkeys++] = p + 1;
		p = e;
	}
	for (size_t k = 0; k < nkeys; k++)
		for (size_t g = 0; g < nkeys; g++)
			for (size_t i = 0; i < 4; i++) {
				char why[600] = "";
				int rc = mxp_stream_conf_allow(c, keys[k], keys[g], ips[i], why, sizeof(why));
				if (rc != 0 && rc != -1)
					__builtin_trap();
				if (rc == -1 && why[0] == '\0')
					__builtin_trap();
			}
	(void)mxp_stream_conf_enabled_keys(c);
	mxp_stream_conf_free(c);
	free(text);
	return 0;
}
