/*
 * lastline.c - the guest's last words, then its end: for the order of the
 * guest's console output and hvrun's own report in a `2>&1` log.
 *
 *	hvrun guests/pv/lastline.elf -- [LINES [crash|N]]
 *
 * Prints LINES (default 2000) lines "line K\n", then "last words" with no
 * newline, then either crashes (a write to page 0, unmapped: status 126
 * and a crash report) or exits with status N (default 3; N above 123
 * makes hvrun warn).
 */
#include "hv.h"

int main(const void *fdt)
{
	const char *args = hv_bootargs();
	uint64_t lines = hv_strtoull(args, &args), i;

	while (*args == ' ')
		args++;
	if (lines == 0)
		lines = 2000;
	for (i = 0; i < lines; i++)
		printf("line %llu\n", (unsigned long long)i);
	hv_console_write("last words", 10);
	if (strcmp(args, "crash") == 0)
		*(volatile int *)0 = 1;
	return *args ? (int)hv_strtoull(args, NULL) : 3;
}
