/*
 * load.c - many hypercalls and block requests, every result checked.
 *
 * Bootargs: "<calls> <blocks>", defaults 100000 and 1000. Makes <calls>
 * hypercalls, alternating hv_abi_version() (must return
 * HVRUN_ABI_VERSION) and hv_clock(HVRUN_CLOCK_MONOTONIC) (must never go
 * backwards), then <blocks> block requests on disk 0 in pairs: write one
 * sector with a pattern depending on the request number, read it back and
 * compare (an odd <blocks> ends with one more write). Sectors cycle over
 * the disk. Prints "load ok calls <calls> blocks <blocks>\n" and exits 0.
 * Errors: no disk 0 or an empty one exits 1; a wrong hypercall result 2;
 * a failed or short block request 3; data read back wrong 4.
 */
#include "hv.h"

static uint8_t wbuf[HVRUN_SECTOR_SIZE] __attribute__((aligned(4096)));
static uint8_t rbuf[HVRUN_SECTOR_SIZE] __attribute__((aligned(4096)));

static void pattern(uint64_t req)
{
	for (size_t i = 0; i < sizeof(wbuf); i++)
		wbuf[i] = (uint8_t)((req * 131 + i * 7 + (i >> 8)) & 0xff);
}

int main(const void *fdt)
{
	const char *args = hv_bootargs();
	uint64_t calls = hv_strtoull(args, &args);
	uint64_t blocks, size, sectors, i, last = 0;
	long n;

	while (*args == ' ')
		args++;
	blocks = hv_strtoull(args, NULL);
	if (calls == 0)
		calls = 100000;
	if (blocks == 0)
		blocks = 1000;
	if (hv_fdt_u64(fdt, "/hvrun/block@0", HVRUN_FDT_SIZE, &size) < 0 ||
	    size < HVRUN_SECTOR_SIZE) {
		printf("load: no disk 0 (use --disk FILE)\n");
		return 1;
	}
	sectors = size / HVRUN_SECTOR_SIZE;

	for (i = 0; i < calls; i++) {
		if (i % 2 == 0) {
			n = hv_abi_version();
			if (n != HVRUN_ABI_VERSION) {
				printf("load: abi_version %ld at call %llu\n",
				       n, (unsigned long long)i);
				return 2;
			}
		} else {
			uint64_t t = hv_now();

			if ((int64_t)t < 0 || t < last) {
				printf("load: clock went back at call %llu\n",
				       (unsigned long long)i);
				return 2;
			}
			last = t;
		}
	}

	for (i = 0; i < blocks; i++) {
		uint64_t req = i / 2, sector = req % sectors;

		if (i % 2 == 0) {
			pattern(req);
			n = hv_block_write(0, sector, wbuf, sizeof(wbuf));
		} else {
			memset(rbuf, 0, sizeof(rbuf));
			n = hv_block_read(0, sector, rbuf, sizeof(rbuf));
		}
		if (n != (long)sizeof(wbuf)) {
			printf("load: %s of sector %llu: %ld\n",
			       i % 2 ? "read" : "write",
			       (unsigned long long)sector, n);
			return 3;
		}
		if (i % 2 && memcmp(rbuf, wbuf, sizeof(rbuf))) {
			printf("load: sector %llu read back wrong\n",
			       (unsigned long long)sector);
			return 4;
		}
	}
	printf("load ok calls %llu blocks %llu\n", (unsigned long long)calls,
	       (unsigned long long)blocks);
	return 0;
}
