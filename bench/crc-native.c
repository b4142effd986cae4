/*
 * crc-native - the host side of bench/compute: the same CRC-32 as the
 * guest SDK's (guests/sdk/crc32.c: reflected, 0xEDB88320, one table lookup
 * per byte) over the same 64 MiB (byte i = i & 0xff), timed with the
 * monotonic clock. Prints the same line as guests/pv/compute.c, plus the
 * time in microseconds for a finer ratio:
 *
 *	crc32 8d2b400f over 67108864 bytes in <ms> ms (<us> us)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define SIZE	(64UL * 1024 * 1024)

static uint32_t table[256];

static void build_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320U ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
}

/* noinline: compiled on its own, as the guest's (a separate file there). */
static uint32_t __attribute__((noinline))
crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

int main(void)
{
	uint8_t *buf = malloc(SIZE);
	uint64_t t0, ns;
	uint32_t crc;

	if (!buf) {
		perror("crc-native: malloc");
		return 1;
	}
	for (size_t i = 0; i < SIZE; i++)
		buf[i] = (uint8_t)i;
	build_table();
	t0 = now_ns();
	crc = crc32(0, buf, SIZE);
	ns = now_ns() - t0;
	printf("crc32 %08x over %lu bytes in %llu ms (%llu us)\n", crc, SIZE,
	       (unsigned long long)(ns / 1000000),
	       (unsigned long long)(ns / 1000));
	free(buf);
	return 0;
}
