/*
 * snap.c - snapshots itself in the middle of a computation.
 *
 * Fills 8 MiB with byte i = (i * 7) & 0xff, CRC-32s the first half, asks
 * for a snapshot, CRC-32s the second half and prints
 *   "snapshot call: <result>\n"  -1 (-EPERM) without --snapshot, 1 when
 *                                restored from the snapshot this run took
 *   "crc32 <8 hex digits> over 8388608 bytes\n"
 * the same in an uninterrupted run and in every restored one. Exit 0.
 * Given a --disk, it first attaches a block ring to it and says
 * "block ring attached": a snapshot must then be refused (the ring's
 * requests in flight are hvrun's state, which a snapshot does not hold).
 */
#include "hv.h"

#define SIZE	(8UL * 1024 * 1024)

static uint8_t buf[SIZE] __attribute__((aligned(4096)));
static uint8_t ring[HVRUN_BLK_RING_SIZE(4)]
	__attribute__((aligned(HVRUN_BLK_RING_ALIGN)));

int main(const void *fdt)
{
	struct hv_blkq q;
	uint32_t crc;
	long r;

	(void)fdt;
	for (size_t i = 0; i < SIZE; i++)
		buf[i] = (uint8_t)(i * 7);
	crc = crc32(0, buf, SIZE / 2);
	if (hv_blkq_init(&q, 0, ring, 4) == 0)
		printf("block ring attached\n");
	r = hv_snapshot();
	printf("snapshot call: %ld\n", r);
	crc = crc32(crc, buf + SIZE / 2, SIZE / 2);
	printf("crc32 %08x over %lu bytes\n", crc, SIZE);
	return 0;
}
