/*
 * aio-crc.c - block rings: disk 0 read through a ring, many requests in
 * flight, while the guest computes. Modes (bootargs):
 *
 *   crc [DEPTH [KIB]]    CRC-32 of the whole disk in requests of KIB KiB
 *                        (default 256), DEPTH in flight (default 16),
 *                        computed as each completes: prints
 *                        "crc32 <hex> bytes <size> in-flight <max>\n".
 *   bench [DEPTH [KIB]]  the same without the CRC, timed: "read <bytes>
 *                        bytes in <ms> ms: <MB/s> MB/s\n" (as bench-blk).
 *   hostile              bad rings, indices and requests get their errors
 *                        and the ring keeps working; disk 0 must be
 *                        read-write, 64 KiB at least. Prints "hostile ok".
 *
 * Exit status 0; 1 on bad arguments or no disk 0; 2 when a call or
 * request fails or a check does not hold (with a message).
 */
#include <stdbool.h>

#include "hv.h"

#define MAX_DEPTH	64
#define RING_ENTRIES	64
#define MAX_KIB		32768

static uint8_t ring_mem[HVRUN_BLK_RING_SIZE(RING_ENTRIES)]
	__attribute__((aligned(4096)));
#define BUFS		(32 << 20)
static uint8_t bufs[BUFS] __attribute__((aligned(4096)));
static uint8_t check[64 * 1024] __attribute__((aligned(4096)));

static struct hv_blkq q;
static uint64_t disk_size;

#define FAIL(...) do { printf(__VA_ARGS__); return 2; } while (0)

static uint64_t arg(const char **s, uint64_t def)
{
	while (**s == ' ')
		(*s)++;
	if (**s < '0' || **s > '9')
		return def;
	return hv_strtoull(*s, s);
}

/* Wait for and pop one completion. */
static void wait_pop(struct hvrun_blk_cpl *c)
{
	while (!hv_blkq_pop(&q, c))
		hv_poll(UINT64_MAX, HVRUN_POLL_BLOCK(0));
}

/*
 * Read the disk in requests of req bytes, depth in flight; request i goes
 * to buffer i % depth. One exit per half a ring: the kick waits for half
 * the requests in flight to complete. Completions may come in any order: the CRC moves
 * forward over the ones that are done, in disk order, while later
 * requests are still being read.
 */
static int read_disk(uint32_t depth, uint32_t req, bool do_crc)
{
	uint64_t nreq = (disk_size + req - 1) / req, next = 0, crc_at = 0;
	uint32_t crc = 0, in_flight = 0, max_in_flight = 0;
	bool done[MAX_DEPTH] = { false };
	struct hvrun_blk_cpl c;
	uint64_t t0 = hv_now(), ns;

	while (crc_at < nreq) {
		while (next < nreq && next - crc_at < depth) {
			uint64_t off = next * req;
			uint32_t len = (uint32_t)HV_MIN((uint64_t)req, disk_size - off);

			if (hv_blkq_push(&q, HVRUN_BLK_OP_READ,
					 off / HVRUN_SECTOR_SIZE,
					 bufs + next % depth * req, len, next) < 0)
				break;
			next++;
		}
		/* Submit, and wait for half the batch, in one exit. */
		if (hv_blkq_kick_wait(&q, HV_MAX(depth / 2, 1), UINT64_MAX) < 0)
			FAIL("kick failed\n");
		in_flight = (uint32_t)(next - crc_at) - hv_blkq_queued(&q);
		max_in_flight = HV_MAX(max_in_flight, in_flight);
		wait_pop(&c);
		do {
			uint64_t off = c.tag * req;
			uint32_t len = (uint32_t)HV_MIN((uint64_t)req, disk_size - off);

			if (c.tag < crc_at || c.tag >= next)
				FAIL("completion for unknown tag %llu\n",
				     (unsigned long long)c.tag);
			if (c.result != (int64_t)len)
				FAIL("read at byte %llu: %lld\n",
				     (unsigned long long)off, (long long)c.result);
			done[c.tag % depth] = true;
		} while (hv_blkq_pop(&q, &c));
		while (crc_at < next && done[crc_at % depth]) {
			uint64_t off = crc_at * req;

			if (do_crc)
				crc = crc32(crc, bufs + crc_at % depth * req,
					    (size_t)HV_MIN((uint64_t)req, disk_size - off));
			done[crc_at % depth] = false;
			crc_at++;
		}
	}
	ns = hv_now() - t0;
	if (do_crc) {
		printf("crc32 %08x bytes %llu in-flight %u\n", crc,
		       (unsigned long long)disk_size, max_in_flight);
	} else {
		hv_print_rate("read", disk_size, ns);
	}
	return 0;
}

/* Push one request, kick, wait for its completion: its result. */
static int64_t one(unsigned int op, uint64_t sector, void *buf, uint32_t len)
{
	struct hvrun_blk_cpl c;

	if (hv_blkq_push(&q, op, sector, buf, len, 77) < 0 ||
	    hv_blkq_kick(&q) != 1)
		return -1000;
	wait_pop(&c);
	return c.tag == 77 ? c.result : -1001;
}

#define EXPECT(what, got, want) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (g_ != w_)							\
		FAIL("%s: %lld, expected %lld\n", what, g_, w_);	\
} while (0)

static int hostile(void)
{
	struct hvrun_blk_ring *h = q.ring;
	struct hvrun_blk_cpl c;
	uint8_t *buf = bufs;
	uint32_t saved;

	/* Set-up errors. */
	EXPECT("ring twice", hv_block_ring(0, ring_mem, RING_ENTRIES), -HVRUN_EBUSY);
	EXPECT("ring on dev 7", hv_block_ring(7, ring_mem, 4), -HVRUN_ENODEV);
	EXPECT("kick dev 7", hv_block_kick(7, 0, 0), -HVRUN_ENODEV);
	EXPECT("3 entries, attached", hv_block_ring(0, ring_mem, 3), -HVRUN_EINVAL);

	/* Requests that fail their checks complete with their error. */
	EXPECT("past the end", one(HVRUN_BLK_OP_READ, disk_size / 512, buf, 512), -HVRUN_EINVAL);
	EXPECT("straddling the end", one(HVRUN_BLK_OP_READ, disk_size / 512 - 1, buf, 1024), -HVRUN_EINVAL);
	EXPECT("huge sector", one(HVRUN_BLK_OP_READ, ~0ULL, buf, 512), -HVRUN_EINVAL);
	EXPECT("odd length", one(HVRUN_BLK_OP_READ, 0, buf, 100), -HVRUN_EINVAL);
	EXPECT("4 GiB - 512", one(HVRUN_BLK_OP_READ, 0, buf, 0xfffffe00u), -HVRUN_EINVAL);
	EXPECT("bad op", one(9, 0, buf, 512), -HVRUN_EINVAL);
	EXPECT("into the ring", one(HVRUN_BLK_OP_READ, 0, ring_mem + 512, 512), -HVRUN_EINVAL);
	EXPECT("over the ring", one(HVRUN_BLK_OP_READ, 0, (void *)((uintptr_t)ring_mem - 4096), 8192), -HVRUN_EINVAL);
	EXPECT("outside RAM", one(HVRUN_BLK_OP_READ, 0, (void *)(uintptr_t)0x7ff00000000ULL, 512), -HVRUN_EFAULT);
	EXPECT("flush with a length", one(HVRUN_BLK_OP_FLUSH, 0, 0, 512), -HVRUN_EINVAL);
	q.sq[h->sq_tail & (RING_ENTRIES - 1)].flags = 1;	/* next slot */
	EXPECT("flags", hv_blkq_push(&q, HVRUN_BLK_OP_READ, 0, buf, 512, 5), 0);
	q.sq[(h->sq_tail - 1) & (RING_ENTRIES - 1)].flags = 1;
	EXPECT("kick flags", hv_blkq_kick(&q), 1);
	wait_pop(&c);
	EXPECT("flags result", c.result, -HVRUN_EINVAL);

	/* Indices that make no sense: nothing taken, then fixed. */
	saved = h->sq_tail;
	h->sq_tail = saved + RING_ENTRIES + 1;
	EXPECT("sq_tail too far", hv_block_kick(0, 0, 0), -HVRUN_EINVAL);
	h->sq_tail = saved - 1;
	EXPECT("sq_tail behind", hv_block_kick(0, 0, 0), -HVRUN_EINVAL);
	h->sq_tail = saved;
	saved = h->cq_head;
	h->cq_head = saved + 1;
	EXPECT("cq_head ahead", hv_block_kick(0, 0, 0), -HVRUN_EINVAL);
	h->cq_head = saved - RING_ENTRIES - 1;
	EXPECT("cq_head far behind", hv_block_kick(0, 0, 0), -HVRUN_EINVAL);
	h->cq_head = saved;
	saved = h->sq_head;
	h->sq_head = saved + 12345;	/* hvrun's: it never reads it back */
	EXPECT("garbage sq_head", hv_block_kick(0, 0, 0), 0);
	h->sq_head = saved;
	EXPECT("after fixing", one(HVRUN_BLK_OP_FLUSH, 0, 0, 0), 0);

	/* A full completion queue: the rest waits for a kick after pops. */
	for (int i = 0; i < RING_ENTRIES; i++)
		EXPECT("fill", hv_blkq_push(&q, HVRUN_BLK_OP_READ, 0, buf, 512, i), 0);
	EXPECT("push to a full ring", hv_blkq_push(&q, HVRUN_BLK_OP_READ, 0, buf, 512, 0), -HVRUN_EAGAIN);
	EXPECT("kick all and wait", hv_blkq_kick_wait(&q, RING_ENTRIES, hv_now() + 10 * HV_NSEC_PER_SEC), RING_ENTRIES);
	EXPECT("all complete", h->cq_tail - h->cq_head, RING_ENTRIES);
	EXPECT("poll", hv_poll(0, HVRUN_POLL_BLOCK(0)), HVRUN_POLL_BLOCK(0));
	EXPECT("nothing in flight: no wait", hv_blkq_kick_wait(&q, 5, UINT64_MAX), 0);
	EXPECT("push", hv_blkq_push(&q, HVRUN_BLK_OP_READ, 0, buf, 512, 99), 0);
	EXPECT("kick with no room", hv_blkq_kick(&q), 0);
	EXPECT("pop", hv_blkq_pop(&q, &c), 1);
	EXPECT("kick with room", hv_blkq_kick(&q), 1);
	for (int i = 0; i < RING_ENTRIES; i++) {
		wait_pop(&c);
		EXPECT("result", c.result, 512);
	}
	EXPECT("last tag", c.tag, 99);
	EXPECT("detach", hv_block_ring(0, 0, 0), 0);
	EXPECT("kick detached", hv_block_kick(0, 0, 0), -HVRUN_ENODEV);
	EXPECT("misaligned", hv_block_ring(0, ring_mem + 8, 4), -HVRUN_EINVAL);
	EXPECT("3 entries", hv_block_ring(0, ring_mem, 3), -HVRUN_EINVAL);
	EXPECT("too many entries", hv_block_ring(0, ring_mem, HVRUN_BLK_RING_MAX * 2), -HVRUN_EINVAL);
	EXPECT("ring outside RAM", hv_block_ring(0, (void *)(uintptr_t)0x7ff00000000ULL, 4), -HVRUN_EFAULT);
	EXPECT("again", hv_blkq_init(&q, 0, ring_mem, RING_ENTRIES), 0);

	/* Still serving: a write and a read through the ring, checked
	 * against the synchronous call. */
	for (int i = 0; i < (int)sizeof(check); i++)
		buf[i] = (uint8_t)(i * 13 + 1);
	EXPECT("write", one(HVRUN_BLK_OP_WRITE, 8, buf, sizeof(check)), sizeof(check));
	EXPECT("flush", one(HVRUN_BLK_OP_FLUSH, 0, 0, 0), 0);
	EXPECT("sync read", hv_block_read(0, 8, check, sizeof(check)), sizeof(check));
	if (memcmp(check, buf, sizeof(check)))
		FAIL("the ring's write is not what block_read reads\n");
	memset(buf, 0, sizeof(check));
	EXPECT("read", one(HVRUN_BLK_OP_READ, 8, buf, sizeof(check)), sizeof(check));
	if (memcmp(check, buf, sizeof(check)))
		FAIL("the ring's read differs from block_read's\n");
	printf("hostile ok\n");
	return 0;
}

int main(const void *fdt)
{
	const char *args = hv_bootargs();
	uint64_t depth, kib;
	bool do_crc;
	long r;

	if (hv_fdt_u64(fdt, "/hvrun/block@0", HVRUN_FDT_SIZE, &disk_size) < 0 ||
	    disk_size % HVRUN_SECTOR_SIZE) {
		printf("aio-crc: no disk 0 of whole sectors\n");
		return 1;
	}
	r = hv_blkq_init(&q, 0, ring_mem, RING_ENTRIES);
	if (r < 0)
		FAIL("block_ring: %ld\n", r);
	if (!strncmp(args, "hostile", 7))
		return hostile();
	if (strncmp(args, "crc", 3) && strncmp(args, "bench", 5)) {
		printf("aio-crc: crc|bench [DEPTH [KIB]] | hostile\n");
		return 1;
	}
	do_crc = args[0] == 'c';
	args += do_crc ? 3 : 5;
	depth = arg(&args, 16);
	kib = arg(&args, 256);
	if (!depth || depth > MAX_DEPTH || !kib || kib > MAX_KIB ||
	    depth * kib * 1024 > BUFS) {
		printf("aio-crc: DEPTH 1..%d, KIB 1..%d, DEPTH x KIB <= 32 MiB\n",
		       MAX_DEPTH, MAX_KIB);
		return 1;
	}
	return read_disk((uint32_t)depth, (uint32_t)kib * 1024, do_crc);
}
