/*
 * bigio.c - guest-sized block requests: one call for the whole transfer.
 *
 *	hvrun -m M --disk FILE guests/pv/bigio.elf -- read SIZE
 *	hvrun -m M --disk FILE guests/pv/bigio.elf -- check SIZE
 *
 * The buffer is guest RAM from 16 MiB (so -m must exceed SIZE + 16 MiB).
 * read: one block_read of SIZE bytes from sector 0 of disk 0; prints
 * "read <result>". check: fills the buffer with byte k = (k + k / 4096)
 * & 0xff, writes it with one block_write, clears it, reads it back with
 * one block_read and compares; prints "check ok crc32 <hex>" (zlib's
 * CRC of the SIZE bytes). Exit status 0; 1 for bad arguments, 2 if a call
 * fails, 3 if the bytes read back differ.
 */
#include "hv.h"

#define BUF_ADDR	(16ULL << 20)

static int check(uint8_t *buf, uint64_t size)
{
	long n;

	for (uint64_t k = 0; k < size; k++)
		buf[k] = (uint8_t)(k + k / 4096);
	n = hv_block_write(0, 0, buf, size);
	if (n != (long)size) {
		printf("block_write: %ld\n", n);
		return 2;
	}
	memset(buf, 0, size);
	n = hv_block_read(0, 0, buf, size);
	if (n != (long)size) {
		printf("block_read: %ld\n", n);
		return 2;
	}
	for (uint64_t k = 0; k < size; k++)
		if (buf[k] != (uint8_t)(k + k / 4096)) {
			printf("byte %llu differs\n", (unsigned long long)k);
			return 3;
		}
	printf("check ok crc32 %08x\n", crc32(0, buf, size));
	return 0;
}

int main(const void *fdt)
{
	const char *args = hv_bootargs();
	uint8_t *buf = (uint8_t *)BUF_ADDR;
	uint64_t size;

	if (strncmp(args, "read ", 5) == 0) {
		size = hv_strtoull(args + 5, NULL);
		printf("read %ld\n", hv_block_read(0, 0, buf, size));
		return 0;
	}
	if (strncmp(args, "check ", 6) == 0)
		return check(buf, hv_strtoull(args + 6, NULL));
	printf("bigio: expected 'read SIZE' or 'check SIZE'\n");
	return 1;
}
