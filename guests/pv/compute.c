/*
 * compute.c - a CPU-bound workload: CRC-32 over 64 MiB of guest memory.
 *
 * Fills a 64 MiB .bss buffer (no bytes on disk) with byte i = i & 0xff,
 * then times crc32() over it with the monotonic clock and prints
 * "crc32 <8 lowercase hex digits> over 67108864 bytes in <ms> ms\n"
 * -- always "crc32 8d2b400f" (zlib.crc32 of the same bytes), whatever the
 * time. Only the CRC is timed; the fill also faults the pages in.
 * Needs about 70 MiB of guest RAM (hvrun's default 256M is plenty).
 * Exit status 0.
 */
#include "hv.h"

#define SIZE	(64UL * 1024 * 1024)

static uint8_t buf[SIZE] __attribute__((aligned(4096)));

int main(const void *fdt)
{
	uint64_t t0, ns;
	uint32_t crc;

	for (size_t i = 0; i < SIZE; i++)
		buf[i] = (uint8_t)i;
	t0 = hv_now();
	crc = crc32(0, buf, SIZE);
	ns = hv_now() - t0;
	printf("crc32 %08x over %lu bytes in %llu ms\n", crc, SIZE,
	       (unsigned long long)(ns / 1000000));
	return 0;
}
