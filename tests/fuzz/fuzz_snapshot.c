/*
 * libFuzzer harness: a snapshot file's header and section table
 * (src/snapshot/format.c), as --restore reads them from a file anyone
 * could have written. The input is the whole file: every section the
 * parser accepts must lie inside it (checked here by touching its bytes
 * for the CRC), and the machine record decoder takes any bytes.
 */
#include <stdint.h>
#include <string.h>

#include "snapshot/format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct snap_index ix;
	char err[SNAP_ERRLEN];
	struct snap_machine m;

	if (snap_parse(data, size, size, &ix, err) == 0) {
		for (int i = 0; i < ix.nr; i++) {
			const struct snap_section *s = &ix.sec[i];

			if (s->offset > size || s->size > size - s->offset)
				__builtin_trap();	/* the parser let it out */
			(void)snap_check(s, data + s->offset, err);
			if (s->type == SNAP_MACHINE)
				(void)snap_machine_decode(data + s->offset,
							  s->size, &m, err);
		}
	}
	(void)snap_machine_decode(data, size, &m, err);
	return 0;
}
