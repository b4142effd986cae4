/* The block ring's pure core (blkring.h). */
#include <errno.h>

#include "blkring.h"

int blkring_check_setup(uint64_t gpa, uint64_t entries)
{
	if (entries == 0 || entries > HVRUN_BLK_RING_MAX ||
	    (entries & (entries - 1)))
		return -EINVAL;
	if (gpa % HVRUN_BLK_RING_ALIGN ||
	    gpa > UINT64_MAX - HVRUN_BLK_RING_SIZE(entries))
		return -EINVAL;
	return 0;
}

int64_t blkring_takeable(const struct blkring_idx *x)
{
	/* Unsigned differences: an index behind the other wraps huge. */
	uint32_t queued = x->sq_tail - x->sq_head;
	uint32_t waiting = x->cq_tail - x->cq_head;
	uint32_t busy;

	if (queued > x->entries || waiting > x->entries ||
	    x->inflight > x->entries)
		return -EINVAL;
	busy = waiting + x->inflight;
	if (busy >= x->entries)
		return 0;
	return queued < x->entries - busy ? queued : x->entries - busy;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

int blkring_check_req(const struct hvrun_blk_req *r,
		      const struct blkring_target *t, uint64_t *offset)
{
	*offset = 0;
	if (r->flags)
		return -EINVAL;
	if (r->op == HVRUN_BLK_OP_FLUSH)
		return r->sector || r->gpa || r->len ? -EINVAL : 0;
	if (r->op != HVRUN_BLK_OP_READ && r->op != HVRUN_BLK_OP_WRITE)
		return -EINVAL;
	if (r->len % HVRUN_SECTOR_SIZE)
		return -EINVAL;
	if (r->sector > UINT64_MAX / HVRUN_SECTOR_SIZE)
		return -EINVAL;
	*offset = r->sector * HVRUN_SECTOR_SIZE;
	/* offset + len <= size, written so that nothing can wrap. */
	if (r->len > t->disk_size || *offset > t->disk_size - r->len)
		return -EINVAL;
	if (r->op == HVRUN_BLK_OP_WRITE && t->read_only)
		return -EROFS;
	/* gpa + len wrapping is mem_ptr's -EFAULT; only then compare. */
	if (r->gpa <= UINT64_MAX - r->len &&
	    overlaps(r->gpa, r->len, t->ring_gpa, t->ring_size))
		return -EINVAL;
	return 0;
}
