/*
 * libFuzzer harness: the CLI's size and number parsers on the input as
 * one NUL-terminated string, and options_parse on an argv made by
 * splitting the input at its NUL bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "vm_config.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[MAX_ARGS + 2];
	struct vm_config cfg;
	uint64_t v;
	size_t i, start;
	int argc = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';

	/* Up to the first NUL: one string for the scalar parsers. */
	(void)parse_size(buf, 0, &v);
	(void)parse_size(buf, 20, &v);
	(void)parse_seconds(buf, &v);
	(void)parse_u64(buf, &v);

	argv[argc++] = "hvrun";
	for (i = 0, start = 0; i <= size && argc < MAX_ARGS + 1; i++) {
		if (buf[i] == '\0') {
			argv[argc++] = buf + start;
			start = i + 1;
		}
	}
	argv[argc] = NULL;

	memset(&cfg, 0, sizeof(cfg));
	(void)options_parse(argc, argv, &cfg);
	options_free(&cfg);
	free(buf);
	return 0;
}
