/*
 * blk-server.c - a VM that owns a disk (--disk) and serves reads of it to
 * another VM over --chan (channel 0: requests and replies, blk-proto.h)
 * and --shm (region 0: the data).
 *
 * Every request is checked before any I/O: its size, its op, the sector
 * range against the disk (without overflow), the length (whole sectors,
 * at most the region) and the offset into the region. A bad request gets
 * an error reply (-EINVAL) and the server keeps serving. Waits up to 30 s
 * for the client, then serves until it leaves; prints "server: served N,
 * refused M" and exits 0. No disk, channel or region: exit 2.
 */
#include "hv.h"
#include "blk-proto.h"

#define WAIT_NS	(30 * HV_NSEC_PER_SEC)
#define SLICE_NS	HV_NSEC_PER_SEC	/* each wait re-checks at least this often */

static uint8_t *shm;
static size_t shm_size;
static uint64_t disk_size;
static uint8_t drain[HVRUN_CHAN_MSG_MAX];

/* The reply to req: every check first, then the read. */
static int64_t serve(const struct blk_req *req)
{
	uint64_t offset;

	if (req->op == BLK_OP_INFO)
		return (int64_t)disk_size;
	if (req->op != BLK_OP_READ)
		return -HVRUN_EINVAL;
	if (req->len == 0 || req->len % HVRUN_SECTOR_SIZE || req->len > shm_size)
		return -HVRUN_EINVAL;
	if (req->off > shm_size - req->len)
		return -HVRUN_EINVAL;
	if (req->sector > disk_size / HVRUN_SECTOR_SIZE)
		return -HVRUN_EINVAL;
	offset = req->sector * HVRUN_SECTOR_SIZE;
	if (req->len > disk_size - offset)
		return -HVRUN_EINVAL;
	return hv_block_read(0, req->sector, shm + req->off, req->len);
}

int main(const void *fdt)
{
	struct blk_req req;
	struct blk_rep rep;
	unsigned long served = 0, refused = 0;
	long n;

	shm = hv_shm(0, &shm_size);
	if (!shm || hv_fdt_u64(fdt, "/hvrun/block@0", HVRUN_FDT_SIZE, &disk_size) < 0) {
		printf("server: needs --disk, --chan and --shm\n");
		return 2;
	}
	printf("server: %lu-byte disk, %lu-byte region at %p\n",
	       (unsigned long)disk_size, (unsigned long)shm_size, shm);
	if (!(hv_poll(hv_now() + WAIT_NS, HVRUN_POLL_CHAN_UP(0)) & HVRUN_POLL_CHAN_UP(0))) {
		printf("server: no client within 30 s\n");
		return 1;
	}
	/* The client may keep us idle, but not for more than 30 s. */
	for (uint64_t idle = hv_now() + WAIT_NS; hv_now() < idle;) {
		hv_poll(hv_now() + SLICE_NS, HVRUN_POLL_CHAN(0) | HVRUN_POLL_CHAN_DOWN(0));
		memset(&req, 0, sizeof(req));
		n = hv_chan_recv(0, &req, sizeof(req));
		if (n == -HVRUN_ENOTCONN)
			break;
		if (n == -HVRUN_EAGAIN)
			continue;
		idle = hv_now() + WAIT_NS;
		/* A message of another size, even one too long, is refused. */
		if (n == -HVRUN_EMSGSIZE)
			n = hv_chan_recv(0, drain, sizeof(drain)) >= 0 ? 0 : n;
		/* A malformed message has no id: its reply says 0. */
		rep = (struct blk_rep){ .id = n == (long)sizeof(req) ? req.id : 0 };
		rep.status = n == (long)sizeof(req) ? serve(&req) : -HVRUN_EINVAL;
		if (rep.status < 0)
			refused++;
		else
			served++;
		while ((n = hv_chan_send(0, &rep, sizeof(rep))) == -HVRUN_EAGAIN)
			hv_poll(hv_now() + WAIT_NS, HVRUN_POLL_CHAN_SEND(0));
		if (n < 0)
			break;
	}
	printf("server: served %lu, refused %lu\n", served, refused);
	return 0;
}
