/* Command-line parsing. */
#ifndef HVRUN_OPTIONS_H
#define HVRUN_OPTIONS_H

#include <stdint.h>
#include "vm_config.h"

enum options_result {
	OPTIONS_RUN,		/* cfg is filled: run the guest */
	OPTIONS_EXIT_OK,	/* --help or --version was printed */
	OPTIONS_ERROR,		/* a one-line error was printed */
};

enum options_result options_parse(int argc, char **argv, struct vm_config *cfg);
void options_free(struct vm_config *cfg);

/*
 * "64K", "256M", "1G", "1T" (binary units, either case); a bare number is
 * scaled by 2^bare_shift (20 for --memory: MiB, as QEMU). -EINVAL on junk,
 * -ERANGE on overflow.
 */
int parse_size(const char *s, unsigned bare_shift, uint64_t *out);
/* "10", "0.5" seconds → milliseconds; > 0. */
int parse_seconds(const char *s, uint64_t *ms);
/* Decimal or 0x-hex unsigned 64-bit number. */
int parse_u64(const char *s, uint64_t *out);

#endif
