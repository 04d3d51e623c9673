/* fuzz_config.c — the configuration loader (ini syntax, sections, keys, values) on any
 * bytes: it must never crash, leak or read out of bounds, and every message it makes
 * must name the file.
 *
 * Built with -fsanitize=fuzzer it is a libFuzzer target; linked with
 * tests/fuzz/replay_main.c it replays a corpus (make test does). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0'; /* a NUL inside ends the text, as it would a C string from a file */
	struct mxp_conf *c = mxp_conf_load_string("fuzz.conf", text, NULL);
	if (c != NULL) {
		for (size_t i = 0; i < c->nerrors; i++)
			if (strncmp(c->errors[i], "fuzz.conf", 9) != 0)
				abort();
		FILE *devnull = fopen("/dev/null", "w");
		if (devnull != NULL) {
			mxp_conf_print(c, devnull);
			fclose(devnull);
		}
		mxp_conf_free(c);
	}
	free(text);
	return 0;
}
