/*
 * disk-crc.c - CRC-32 of the whole of disk 0.
 *
 * Reads disk 0 (size from /hvrun/block@0/size) in 64 KiB requests and
 * prints "crc32 <8 lowercase hex digits> bytes <size>\n", the CRC as
 * zlib.crc32 / gzip compute it. Exit status 0; on failure a message and
 * 1 (no disk 0, or a size that is not whole sectors) or 2 (a read failed).
 */
#include "hv.h"

#define CHUNK	(64 * 1024)

static uint8_t buf[CHUNK] __attribute__((aligned(4096)));

int main(const void *fdt)
{
	uint64_t size, off;
	uint32_t crc = 0;
	long n;

	if (hv_fdt_u64(fdt, "/hvrun/block@0", HVRUN_FDT_SIZE, &size) < 0) {
		printf("disk-crc: no disk 0 (use --disk FILE)\n");
		return 1;
	}
	if (size % HVRUN_SECTOR_SIZE) {
		printf("disk-crc: size %llu is not whole sectors\n",
		       (unsigned long long)size);
		return 1;
	}
	for (off = 0; off < size; off += (uint64_t)n) {
		size_t len = (size_t)HV_MIN(size - off, (uint64_t)CHUNK);

		n = hv_block_read(0, off / HVRUN_SECTOR_SIZE, buf, len);
		if (n < 0) {
			printf("read: error %ld at byte %llu\n", n,
			       (unsigned long long)off);
			return 2;
		}
		if (n != (long)len) {
			printf("read: %ld of %zu bytes at byte %llu\n", n,
			       len, (unsigned long long)off);
			return 2;
		}
		crc = crc32(crc, buf, len);
	}
	printf("crc32 %08x bytes %llu\n", crc, (unsigned long long)size);
	return 0;
}
