/*
 * bench-blk.c - sequential read throughput of disk 0.
 *
 * Reads the whole of disk 0 in 1 MiB requests (the last one shorter) and
 * prints "read <bytes> bytes in <ms>.<tenth> ms: <MB/s>.<tenth> MB/s\n",
 * with MB = 10^6 bytes, timed with the monotonic clock. Exit status 0;
 * 1 without a disk 0 or with a size that is not whole sectors, 2 if a
 * read fails.
 */
#include "hv.h"

#define CHUNK	(1024 * 1024)

static uint8_t buf[CHUNK] __attribute__((aligned(4096)));

int main(const void *fdt)
{
	uint64_t size, off, t0;
	long n;

	if (hv_fdt_u64(fdt, "/hvrun/block@0", HVRUN_FDT_SIZE, &size) < 0) {
		printf("bench-blk: no disk 0 (use --disk FILE)\n");
		return 1;
	}
	if (size % HVRUN_SECTOR_SIZE) {
		printf("bench-blk: size %llu is not whole sectors\n",
		       (unsigned long long)size);
		return 1;
	}
	t0 = hv_now();
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
	}
	hv_print_rate("read", size, hv_now() - t0);
	return 0;
}
