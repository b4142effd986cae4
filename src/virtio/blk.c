/*
 * virtio-blk (virtio 1.x, section 5.2) on a --disk image: read, write,
 * flush, get-id and, where the host file system can punch holes, discard.
 * One request queue, served on the backend thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>

#include "../backend/block.h"
#include "../backend/host_io.h"
#include "../log.h"
#include "../vm.h"
#include "blk.h"
#include "virtio_mmio.h"

#define SECTOR		512ULL
#define HDR_LEN		sizeof(struct virtio_blk_outhdr)
#define QUEUE_MAX	256

struct blk {
	struct virtio_mmio *vd;
	struct block_dev *disk;
	char serial[VIRTIO_BLK_ID_BYTES + 1];
	struct virtq_chain chain;
};

/* Is [sector, sector + len bytes) inside the disk's whole sectors? */
static bool in_range(struct block_dev *d, uint64_t sector, uint64_t len)
{
	uint64_t sectors = block_size(d) / SECTOR;

	return sector <= sectors && len <= (sectors - sector) * SECTOR;
}

/* Move len bytes between the disk at offset and the request's data
 * segments: after the header (write) or from the start (read). */
static int transfer(struct block_dev *d, const struct virtq_chain *c,
		    bool write, uint64_t offset, uint64_t len)
{
	const struct virtq_seg *segs = write ? c->out : c->in;
	int nr = write ? c->nr_out : c->nr_in;
	uint64_t skip = write ? HDR_LEN : 0, done = 0;

	for (int i = 0; i < nr && done < len; i++) {
		uint64_t n;

		if (skip >= segs[i].len) {
			skip -= segs[i].len;
			continue;
		}
		n = segs[i].len - skip;
		if (n > len - done)
			n = len - done;
		if (block_io(d, write, offset + done, segs[i].ptr + skip, n) < 0)
			return -1;
		done += n;
		skip = 0;
	}
	return 0;
}

static uint8_t do_rw(struct block_dev *d, const struct virtq_chain *c,
		     bool write, uint64_t sector, uint32_t *used)
{
	/* Writes carry data after the header; reads return it before the
	 * status byte. */
	uint64_t len = write ? c->out_len - HDR_LEN : c->in_len - 1;

	if (write && block_read_only(d))
		return VIRTIO_BLK_S_IOERR;
	if (len % SECTOR || !in_range(d, sector, len))
		return VIRTIO_BLK_S_IOERR;
	if (transfer(d, c, write, sector * SECTOR, len) < 0)
		return VIRTIO_BLK_S_IOERR;
	if (!write)
		*used = (uint32_t)len;
	return VIRTIO_BLK_S_OK;
}

static uint8_t do_get_id(const struct virtq_chain *c, const char *serial,
			 uint32_t *used)
{
	char id[VIRTIO_BLK_ID_BYTES] = "";
	uint64_t n = c->in_len - 1;

	/* NUL-padded, not terminated when all 20 bytes are used. */
	memcpy(id, serial, strnlen(serial, sizeof(id)));
	if (n > sizeof(id))
		n = sizeof(id);
	*used = (uint32_t)virtq_write(c, 0, id, n);
	return VIRTIO_BLK_S_OK;
}

static uint8_t do_discard(struct block_dev *d, const struct virtq_chain *c)
{
	uint64_t len = c->out_len - HDR_LEN;

	if (!block_can_discard(d))
		return VIRTIO_BLK_S_UNSUPP;
	if (!len || len % sizeof(struct virtio_blk_discard_write_zeroes) ||
	    len / sizeof(struct virtio_blk_discard_write_zeroes) >
	    BLK_MAX_DISCARD_SEG)
		return VIRTIO_BLK_S_IOERR;
	for (uint64_t off = HDR_LEN; off < c->out_len; off += 16) {
		struct virtio_blk_discard_write_zeroes r;

		virtq_read(c, off, &r, sizeof(r));
		/* The unmap flag is for write-zeroes only (section 5.2.6.2). */
		if (r.flags)
			return VIRTIO_BLK_S_UNSUPP;
		if (r.num_sectors > BLK_MAX_DISCARD_SECTORS ||
		    !in_range(d, r.sector, r.num_sectors * SECTOR))
			return VIRTIO_BLK_S_IOERR;
		if (block_discard(d, r.sector * SECTOR,
				  r.num_sectors * SECTOR) < 0)
			return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

static uint8_t dispatch(struct block_dev *d, const struct virtq_chain *c,
			const struct virtio_blk_outhdr *h, const char *serial,
			uint32_t *used)
{
	switch (h->type) {
	case VIRTIO_BLK_T_IN:
		return do_rw(d, c, false, h->sector, used);
	case VIRTIO_BLK_T_OUT:
		return do_rw(d, c, true, h->sector, used);
	case VIRTIO_BLK_T_FLUSH:
		return block_flush(d) < 0 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_GET_ID:
		return do_get_id(c, serial, used);
	case VIRTIO_BLK_T_DISCARD:
		return do_discard(d, c);
	}
	return VIRTIO_BLK_S_UNSUPP;
}

uint8_t blk_request(struct block_dev *d, const struct virtq_chain *c,
		    const char *serial, uint32_t *used)
{
	struct virtio_blk_outhdr h;
	uint8_t status = VIRTIO_BLK_S_IOERR;

	*used = 0;
	/* No writable byte: nowhere to say anything. */
	if (!c->in_len)
		return status;
	if (virtq_read(c, 0, &h, sizeof(h)) == sizeof(h))
		status = dispatch(d, c, &h, serial, used);
	virtq_write(c, c->in_len - 1, &status, 1);
	*used += 1;
	return status;
}

uint8_t blk_fail(const struct virtq_chain *c, uint32_t *used)
{
	uint8_t status = VIRTIO_BLK_S_IOERR;

	*used = 0;
	if (c->in_len) {
		virtq_write(c, c->in_len - 1, &status, 1);
		*used = 1;
	}
	return status;
}

_Static_assert(sizeof(struct virtio_blk_config) <= VIRTIO_CONFIG_MAX,
	       "virtio-blk config space");

static size_t blk_config(void *dev, void *buf)
{
	struct blk *b = dev;
	struct virtio_blk_config *cfg = buf;

	cfg->capacity = block_size(b->disk) / SECTOR;
	cfg->seg_max = QUEUE_MAX - 2;	/* plus header and status */
	if (block_can_discard(b->disk)) {
		cfg->max_discard_sectors = BLK_MAX_DISCARD_SECTORS;
		cfg->max_discard_seg = BLK_MAX_DISCARD_SEG;
		cfg->discard_sector_alignment = 4096 / SECTOR;
	}
	return sizeof(*cfg);
}

static uint32_t blk_serve(void *dev, const struct virtq_chain *c, bool bad)
{
	struct blk *b = dev;
	uint32_t used;

	if (bad)
		blk_fail(c, &used);
	else
		blk_request(b->disk, c, b->serial, &used);
	return used;
}

static void blk_notify(void *dev)
{
	struct blk *b = dev;
	struct virtq *q = &b->vd->vq[0];

	if (virtio_mmio_serve(b->vd, q, &b->chain, blk_serve, b))
		virtio_mmio_used(b->vd, q);
}

static const struct virtio_dev_ops blk_ops = {
	.name = "blk",
	.device_id = VIRTIO_ID_BLOCK,
	.nr_queues = 1,
	.queue_max = QUEUE_MAX,
	.config = blk_config,
	.notify = blk_notify,
	.free = free,
};

static int blk_new(struct vm *vm, int disk, struct virtio_mmio **out)
{
	struct blk *b = calloc(1, sizeof(*b));
	uint64_t features = (1ULL << VIRTIO_BLK_F_FLUSH) |
			    (1ULL << VIRTIO_BLK_F_SEG_MAX);

	if (!b) {
		log_err("virtio-blk: out of memory");
		return -1;
	}
	b->disk = host_disk(vm->io, disk);
	snprintf(b->serial, sizeof(b->serial), "hvrun-disk%d", disk);
	if (block_read_only(b->disk))
		features |= 1ULL << VIRTIO_BLK_F_RO;
	if (block_can_discard(b->disk))
		features |= 1ULL << VIRTIO_BLK_F_DISCARD;
	if (virtio_mmio_new(vm, &blk_ops, b, features, &b->vd) < 0) {
		free(b);
		return -1;
	}
	*out = b->vd;
	return 0;
}

/* One per --disk, first: vda, vdb, ... in --disk order. */
static int blk_count(const struct vm *vm)
{
	return host_nr_disks(vm->io);
}

static const struct virtio_kind virtio_blk = {
	.name = "blk", .slot = 10, .count = blk_count, .create = blk_new,
};
VIRTIO_DEVICE_REGISTER(virtio_blk)
