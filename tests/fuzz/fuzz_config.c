/* fuzz_config.c — the configuration loader (ini syntax, sections, keys, values) on any
 * bytes: it must never crash, leak or read out of bounds, and every message it makes
 * must name the file.
 *
 * Built with -fsanitize=fuzzer it is a libFuzzer target; built with -DMXP_FUZZ_REPLAY
 * its main() loads each file named on the command line once (corpus replay). */
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

#ifdef MXP_FUZZ_REPLAY
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (f == NULL) {
			fprintf(stderr, "%s: cannot open\n", argv[i]);
			return 1;
		}
		char *buf = NULL;
		size_t cap = 0, n = 0, r;
		do {
			if (n == cap) {
				cap = cap ? cap * 2 : 4096;
				char *p = realloc(buf, cap);
				if (p == NULL) {
					free(buf);
					fclose(f);
					return 1;
				}
				buf = p;
			}
			r = fread(buf + n, 1, cap - n, f);
			n += r;
		} while (r > 0);
		fclose(f);
		LLVMFuzzerTestOneInput((const uint8_t *)buf, n);
		free(buf);
	}
	printf("fuzz_config: replayed %d inputs\n", argc - 1);
	return 0;
}
#endif
