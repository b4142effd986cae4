/*
 * libFuzzer harness: split-virtqueue parsing (src/virtio/virtqueue.c) and
 * the virtio-blk request handler over hostile guest memory.
 *
 * Each input is 64 KiB of guest RAM at most (the rest stays zero) after a
 * 12-byte header: queue size (u16; any value, virtq_check decides), the
 * three ring addresses as u16 page-ish offsets scaled by 16, and the
 * number of chains to take (u8). Every chain virtq_pop accepts is read
 * and written over its whole length and served by blk_request against a
 * read-write 64 KiB image in a temp directory; a malformed one gets
 * blk_fail, as the device does; then it is pushed back to the used ring.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/block.h"
#include "mem.h"
#include "virtio/blk.h"
#include "virtio/virtqueue.h"
#include "vm.h"
#include "stubs.h"

#define RAM		(1ULL << 20)
#define IMAGE_MAX	(64 * 1024)
#define HEADER		12
#define DISK_SIZE	(64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mem mem;
static struct block_dev *disk;
static uint8_t scratch[1 << 16];

static void setup(void)
{
	char dir[] = "/tmp/fuzz-virtq.XXXXXX", path[64];
	FILE *f;

	if (mem_init(&mem, RAM) || !mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/disk", dir);
	f = fopen(path, "w");
	if (!f || ftruncate(fileno(f), DISK_SIZE) || fclose(f))
		abort();
	if (block_open(path, &disk) < 0)
		abort();
	unlink(path);
	rmdir(dir);
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Read and write every byte a chain offers, as a device would. */
static void touch(const struct virtq_chain *c)
{
	for (uint64_t off = 0; off < c->out_len; off += sizeof(scratch))
		virtq_read(c, off, scratch, sizeof(scratch));
	for (uint64_t off = 0; off < c->in_len; off += sizeof(scratch))
		virtq_write(c, off, scratch, sizeof(scratch));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct virtq_chain chain;
	struct virtq q;
	char err[VIRTQ_ERRLEN];
	uint32_t used;
	int rounds, r;

	if (!disk)
		setup();
	if (size < HEADER)
		return 0;
	memset(mem_ptr(&mem, 0, RAM), 0, IMAGE_MAX);
	mem_write(&mem, 0, data + HEADER,
		  size - HEADER < IMAGE_MAX ? size - HEADER : IMAGE_MAX);

	virtq_reset(&q);
	q.size = le16(data);
	q.desc = (uint64_t)le16(data + 2) * 16;
	q.avail = (uint64_t)le16(data + 4) * 16;
	q.used = (uint64_t)le16(data + 6) * 16;
	/* Sometimes a ring at the edge of RAM or past it. */
	if (data[8] & 1)
		q.used += RAM - (1 << 20);
	if (data[8] & 2)
		q.desc = UINT64_MAX - q.desc;
	rounds = data[9] % 32;
	if (virtq_check(&mem, &q, VIRTQ_MAX_SIZE, err) < 0)
		return 0;
	q.ready = true;

	while (rounds-- > 0) {
		r = virtq_pop(&mem, &q, &chain, err);
		if (r == 0 || r == -EIO)
			break;
		if (r == 1) {
			touch(&chain);
			blk_request(disk, &chain, "fuzz", &used);
		} else {
			blk_fail(&chain, &used);
		}
		if (virtq_push(&mem, &q, chain.head, used) < 0)
			break;
		virtq_want_irq(&mem, &q);
	}
	return 0;
}
