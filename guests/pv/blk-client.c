/*
 * blk-client.c - a VM with no disk that reads blk-server's whole disk
 * through channel 0 (requests, replies) and shared region 0 (data), and
 * prints "client: crc32 0xXXXXXXXX over N bytes" (zlib's crc32 of the
 * server's disk file). Bootargs "hostile": first sends requests the
 * server must refuse (past the end, overflowing sectors, partial sectors,
 * longer than the region, offsets outside it, an unknown op, a short and
 * a long message), checks each gets an error reply, and prints
 * "client: N hostile requests refused" before the read. Exits 0; a wrong
 * reply: a line, exit 1; no channel or region: exit 2.
 */
#include "hv.h"
#include "blk-proto.h"

#define WAIT_NS	(30 * HV_NSEC_PER_SEC)
#define SLICE_NS	HV_NSEC_PER_SEC	/* each wait re-checks at least this often */

static uint8_t *shm;
static size_t shm_size;
static uint32_t next_id = 1;
static uint8_t long_msg[1000];

/* Send len bytes of msg and wait for the reply to it. */
static int64_t call(const void *msg, size_t len, uint32_t id)
{
	struct blk_rep rep;
	long n;

	while ((n = hv_chan_send(0, msg, len)) == -HVRUN_EAGAIN)
		hv_poll(hv_now() + WAIT_NS, HVRUN_POLL_CHAN_SEND(0));
	if (n != (long)len) {
		printf("client: send failed: %ld\n", n);
		hv_exit(1);
	}
	for (uint64_t end = hv_now() + WAIT_NS;
	     (n = hv_chan_recv(0, &rep, sizeof(rep))) == -HVRUN_EAGAIN && hv_now() < end;)
		hv_poll(hv_now() + SLICE_NS, HVRUN_POLL_CHAN(0));
	if (n != sizeof(rep) || rep.id != id) {
		printf("client: no reply to request %u\n", id);
		hv_exit(1);
	}
	return rep.status;
}

static int64_t request(uint32_t op, uint64_t sector, uint64_t len, uint64_t off)
{
	struct blk_req req = { op, next_id, sector, len, off };

	return call(&req, sizeof(req), next_id++);
}

static int hostile(uint64_t disk)
{
	const uint64_t sectors = disk / HVRUN_SECTOR_SIZE;
	const struct { uint32_t op; uint64_t sector, len, off; } bad[] = {
		{ BLK_OP_READ, sectors, HVRUN_SECTOR_SIZE, 0 },	/* past the end */
		{ BLK_OP_READ, sectors - 1, 2 * HVRUN_SECTOR_SIZE, 0 },
		{ BLK_OP_READ, UINT64_MAX / 512 + 1, HVRUN_SECTOR_SIZE, 0 },
		{ BLK_OP_READ, UINT64_MAX, HVRUN_SECTOR_SIZE, 0 },
		{ BLK_OP_READ, 0, 100, 0 },			/* partial sector */
		{ BLK_OP_READ, 0, 0, 0 },
		{ BLK_OP_READ, 0, shm_size + HVRUN_SECTOR_SIZE, 0 },
		{ BLK_OP_READ, 0, HVRUN_SECTOR_SIZE, shm_size },	/* outside */
		{ BLK_OP_READ, 0, HVRUN_SECTOR_SIZE, UINT64_MAX - 100 },
		{ BLK_OP_READ, 0, UINT64_MAX - 511, 512 },
		{ 7, 0, HVRUN_SECTOR_SIZE, 0 },			/* unknown op */
	};
	unsigned refused = 0;

	for (size_t i = 0; i < HV_ARRAY_SIZE(bad); i++) {
		int64_t r = request(bad[i].op, bad[i].sector, bad[i].len, bad[i].off);

		if (r != -HVRUN_EINVAL) {
			printf("client: hostile request %lu got %ld\n",
			       (unsigned long)i, (long)r);
			return 1;
		}
		refused++;
	}
	if (call("short", 5, 0) != -HVRUN_EINVAL ||
	    call(long_msg, sizeof(long_msg), 0) != -HVRUN_EINVAL) {
		printf("client: a malformed message was not refused\n");
		return 1;
	}
	printf("client: %u hostile requests refused\n", refused + 2);
	return 0;
}

int main(const void *fdt)
{
	uint64_t disk, done = 0;
	uint32_t crc = 0;
	int64_t r;

	shm = hv_shm(0, &shm_size);
	if (!shm || hv_fdt_path_offset(fdt, "/hvrun/chan@0") < 0) {
		printf("client: needs --chan and --shm\n");
		return 2;
	}
	if (!(hv_poll(hv_now() + WAIT_NS, HVRUN_POLL_CHAN_UP(0)) & HVRUN_POLL_CHAN_UP(0))) {
		printf("client: no server within 30 s\n");
		return 1;
	}
	r = request(BLK_OP_INFO, 0, 0, 0);
	if (r < 0) {
		printf("client: info: %ld\n", (long)r);
		return 1;
	}
	disk = (uint64_t)r;
	if (!strcmp(hv_bootargs(), "hostile") && hostile(disk))
		return 1;
	while (done < disk) {
		uint64_t len = HV_MIN(disk - done, shm_size);

		r = request(BLK_OP_READ, done / HVRUN_SECTOR_SIZE, len, 0);
		if (r != (int64_t)len) {
			printf("client: read at %lu: %ld\n", (unsigned long)done, (long)r);
			return 1;
		}
		crc = crc32(crc, shm, len);
		done += len;
	}
	printf("client: crc32 0x%08x over %lu bytes\n", crc, (unsigned long)disk);
	return 0;
}
