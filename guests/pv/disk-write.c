/*
 * disk-write.c - fill disk 0 with a known pattern.
 *
 * Byte i of the disk (i counting from 0 over the whole disk) becomes
 *
 *	(i * 7 + i / 512) & 0xff	(integer division)
 *
 * so sectors differ from one another. Writes in 64 KiB requests, then
 * hv_block_flush(0), prints "wrote <n> bytes\n" and exits 0.
 * Errors: a failed write prints "write: error <negative errno>\n" (or
 * "write: <n> of <len> bytes at byte <off>\n" if short) and exits
 * 3 -- on a read-only disk (--disk FILE,ro) that is "write: error -30\n"
 * (-EROFS) and the disk is left as it was; a failed flush prints
 * "flush: error <errno>\n" and exits 4; no disk 0 or a size that is not
 * whole sectors exits 1.
 */
#include "hv.h"

#define CHUNK	(64 * 1024)

static uint8_t buf[CHUNK] __attribute__((aligned(4096)));

static void fill(uint8_t *p, uint64_t start, size_t len)
{
	for (size_t k = 0; k < len; k++) {
		uint64_t i = start + k;

		p[k] = (uint8_t)((i * 7 + i / 512) & 0xff);
	}
}

int main(const void *fdt)
{
	uint64_t size, off;
	long n;

	if (hv_fdt_u64(fdt, "/hvrun/block@0", HVRUN_FDT_SIZE, &size) < 0) {
		printf("disk-write: no disk 0 (use --disk FILE)\n");
		return 1;
	}
	if (size % HVRUN_SECTOR_SIZE) {
		printf("disk-write: size %llu is not whole sectors\n",
		       (unsigned long long)size);
		return 1;
	}
	for (off = 0; off < size; off += (uint64_t)n) {
		size_t len = (size_t)HV_MIN(size - off, (uint64_t)CHUNK);

		fill(buf, off, len);
		n = hv_block_write(0, off / HVRUN_SECTOR_SIZE, buf, len);
		if (n < 0) {
			printf("write: error %ld\n", n);
			return 3;
		}
		if (n != (long)len) {
			printf("write: %ld of %zu bytes at byte %llu\n", n,
			       len, (unsigned long long)off);
			return 3;
		}
	}
	n = hv_block_flush(0);
	if (n < 0) {
		printf("flush: error %ld\n", n);
		return 4;
	}
	printf("wrote %llu bytes\n", (unsigned long long)size);
	return 0;
}
