/*
 * soak.c - mixed console, block and net traffic until told to stop.
 *
 * Prints "soak ready\n", then loops: write one sector of disk 0 with a
 * pattern depending on the round, read it back and compare, echo every
 * packet waiting on net 0 (hv_poll() up to 1 ms for one), and every 64
 * rounds print "round <r> echoed <k>\n". Sectors cycle over the disk;
 * every 256 rounds it also flushes. After echoing a packet that is
 * exactly the 4 bytes "quit" it prints "soak done rounds <r> echoed <k>\n"
 * and exits 0. Errors: no disk 0 exits 1; a failed call prints a message
 * and exits 2; data read back wrong exits 4.
 */
#include "hv.h"

static uint8_t wbuf[HVRUN_SECTOR_SIZE] __attribute__((aligned(4096)));
static uint8_t rbuf[HVRUN_SECTOR_SIZE] __attribute__((aligned(4096)));
static uint8_t pkt[HVRUN_NET_MTU_FRAME];

int main(const void *fdt)
{
	uint64_t size, sectors, r, echoed = 0;
	long n;

	if (hv_fdt_u64(fdt, "/hvrun/block@0", HVRUN_FDT_SIZE, &size) < 0 ||
	    size < HVRUN_SECTOR_SIZE) {
		printf("soak: no disk 0 (use --disk FILE)\n");
		return 1;
	}
	sectors = size / HVRUN_SECTOR_SIZE;
	printf("soak ready\n");
	for (r = 0;; r++) {
		uint64_t sector = r % sectors;

		for (size_t i = 0; i < sizeof(wbuf); i++)
			wbuf[i] = (uint8_t)((r * 13 + i) & 0xff);
		n = hv_block_write(0, sector, wbuf, sizeof(wbuf));
		if (n != (long)sizeof(wbuf)) {
			printf("soak: write: %ld\n", n);
			return 2;
		}
		n = hv_block_read(0, sector, rbuf, sizeof(rbuf));
		if (n != (long)sizeof(rbuf)) {
			printf("soak: read: %ld\n", n);
			return 2;
		}
		if (memcmp(rbuf, wbuf, sizeof(rbuf))) {
			printf("soak: sector %llu read back wrong\n",
			       (unsigned long long)sector);
			return 4;
		}
		if (r % 256 == 255 && (n = hv_block_flush(0)) < 0) {
			printf("soak: flush: %ld\n", n);
			return 2;
		}
		n = hv_poll(hv_now() + 1000000, HVRUN_POLL_NET(0));
		if (n < 0) {
			printf("soak: poll: %ld\n", n);
			return 2;
		}
		while ((n = hv_net_recv(0, pkt, sizeof(pkt))) >= 0) {
			long s = hv_net_send(0, pkt, (size_t)n);

			if (s != n) {
				printf("soak: send: %ld\n", s);
				return 2;
			}
			echoed++;
			if (n == 4 && !memcmp(pkt, "quit", 4)) {
				printf("soak done rounds %llu echoed %llu\n",
				       (unsigned long long)r + 1,
				       (unsigned long long)echoed);
				return 0;
			}
		}
		if (n != -11) {		/* -EAGAIN: nothing waiting */
			printf("soak: recv: %ld\n", n);
			return 2;
		}
		if (r % 64 == 63)
			printf("round %llu echoed %llu\n",
			       (unsigned long long)r + 1,
			       (unsigned long long)echoed);
	}
}
