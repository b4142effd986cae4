/*
 * flood.c - a chatty guest: console_write in large buffers, as a program
 * that prints a lot does.
 *
 *	hvrun guests/pv/flood.elf -- [SIZE [COUNT]]
 *
 * Makes COUNT (default 0: without end) console_write calls of SIZE bytes
 * (default 4096) each. Up to 64 KiB, the bytes of call i are 63-byte
 * lines, byte j being 'a' + (i + j / 64) % 26 and '\n' where j % 64 is
 * 63; tests regenerate them to check that every byte arrived once, in
 * order. A larger SIZE writes guest RAM from 16 MiB as it is (zeros),
 * without touching it. Exit status 0 after COUNT calls; 1 if a call
 * returns anything but SIZE.
 */
#include "hv.h"

#define MAX_PATTERN	(64u << 10)
#define BIG_ADDR	(16ULL << 20)

static char buf[MAX_PATTERN];

static void fill(uint64_t i, uint64_t size)
{
	for (uint64_t j = 0; j < size; j++)
		buf[j] = j % 64 == 63 ? '\n' : (char)('a' + (i + j / 64) % 26);
}

int main(const void *fdt)
{
	const char *args = hv_bootargs();
	uint64_t size = hv_strtoull(args, &args);
	uint64_t count, i;
	const void *src = buf;

	while (*args == ' ')
		args++;
	count = hv_strtoull(args, NULL);
	if (size == 0)
		size = 4096;
	if (size > MAX_PATTERN)
		src = (const void *)BIG_ADDR;
	for (i = 0; count == 0 || i < count; i++) {
		if (src == buf)
			fill(i, size);
		if (hv_console_write(src, size) != (long)size)
			return 1;
	}
	return 0;
}
