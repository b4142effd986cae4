/*
 * crc32.c - CRC-32/IEEE (reflected, polynomial 0xEDB88320), the CRC of
 * zlib, gzip and Python's zlib.crc32: crc32(0, buf, len) of "123456789" is
 * 0xcbf43926, and crc32(crc32(0, a, n), b, m) continues over a then b.
 * One table lookup per byte; the table is built on first use (racing
 * builders write identical values, so SMP guests need no lock).
 */
#include "hv.h"

static uint32_t table[256];
static int table_ready;

static void build_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320U ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
	__atomic_store_n(&table_ready, 1, __ATOMIC_RELEASE);
}

uint32_t crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!__atomic_load_n(&table_ready, __ATOMIC_ACQUIRE))
		build_table();
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
