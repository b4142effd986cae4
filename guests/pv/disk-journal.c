/*
 * disk-journal.c - write and flush disk 0 one record at a time, saying
 * which records are durable.
 *
 * Record k (k = 0, 1, ...) is sector k filled with the byte
 *
 *	(k % 255) + 1		(never 0, so a zeroed disk shows no record)
 *
 * For each k in turn: hv_block_write() of the record, hv_block_flush(0),
 * then "flushed <k>\n" on the console. A "flushed k" line therefore
 * means records 0..k were durable before the line was printed. Between
 * records the guest sleeps D microseconds, D the first bootargs word
 * (default 0), so a test can stop it part way. After the last sector it
 * prints "journal done <sectors>\n" and exits 0.
 * Errors: no disk 0 or a size that is not whole sectors exits 1; a
 * failed write prints "write: error <errno>\n" and exits 3; a failed
 * flush prints "flush: error <errno>\n" and exits 4.
 */
#include "hv.h"

static uint8_t rec[HVRUN_SECTOR_SIZE] __attribute__((aligned(4096)));

int main(const void *fdt)
{
	uint64_t delay_ns = hv_strtoull(hv_bootargs(), NULL) * 1000;
	uint64_t size, sectors, k;
	long n;

	if (hv_fdt_u64(fdt, "/hvrun/block@0", HVRUN_FDT_SIZE, &size) < 0) {
		printf("disk-journal: no disk 0 (use --disk FILE)\n");
		return 1;
	}
	if (size % HVRUN_SECTOR_SIZE) {
		printf("disk-journal: size %llu is not whole sectors\n",
		       (unsigned long long)size);
		return 1;
	}
	sectors = size / HVRUN_SECTOR_SIZE;
	for (k = 0; k < sectors; k++) {
		memset(rec, (int)(k % 255 + 1), sizeof(rec));
		n = hv_block_write(0, k, rec, sizeof(rec));
		if (n != (long)sizeof(rec)) {
			printf("write: error %ld\n", n);
			return 3;
		}
		n = hv_block_flush(0);
		if (n < 0) {
			printf("flush: error %ld\n", n);
			return 4;
		}
		printf("flushed %llu\n", (unsigned long long)k);
		if (delay_ns)
			hv_poll(hv_now() + delay_ns, 0);
	}
	printf("journal done %llu\n", (unsigned long long)sectors);
	return 0;
}
