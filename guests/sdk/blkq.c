/*
 * blkq.c - the guest side of a block ring (hvrun/abi.h, BLOCK RINGS).
 * The guest writes sq_tail and cq_head; hvrun writes sq_head and cq_tail.
 * x86 keeps stores in order, so a slot written before its index is seen
 * first; the compiler is kept from reordering by the atomics.
 */
#include "hv.h"

long hv_blkq_init(struct hv_blkq *q, unsigned int dev, void *mem,
		  uint32_t entries)
{
	uint8_t *p = mem;

	q->ring = mem;
	q->sq = (struct hvrun_blk_req *)(p + HVRUN_BLK_RING_SQ);
	q->cq = (struct hvrun_blk_cpl *)(p + HVRUN_BLK_RING_CQ(entries));
	q->entries = entries;
	q->dev = dev;
	return hv_block_ring(dev, mem, entries);
}

int hv_blkq_push(struct hv_blkq *q, unsigned int op, uint64_t sector,
		 void *buf, uint32_t len, uint64_t tag)
{
	uint32_t tail = q->ring->sq_tail;
	struct hvrun_blk_req *r;

	if (tail - __atomic_load_n(&q->ring->sq_head, __ATOMIC_ACQUIRE) >=
	    q->entries)
		return -HVRUN_EAGAIN;
	r = &q->sq[tail & (q->entries - 1)];
	r->tag = tag;
	r->sector = sector;
	r->gpa = (uint64_t)(uintptr_t)buf;
	r->len = len;
	r->op = (uint16_t)op;
	r->flags = 0;
	__atomic_store_n(&q->ring->sq_tail, tail + 1, __ATOMIC_RELEASE);
	return 0;
}

uint32_t hv_blkq_queued(const struct hv_blkq *q)
{
	return q->ring->sq_tail -
	       __atomic_load_n(&q->ring->sq_head, __ATOMIC_ACQUIRE);
}

long hv_blkq_kick(struct hv_blkq *q)
{
	return hv_block_kick(q->dev, 0, 0);
}

long hv_blkq_kick_wait(struct hv_blkq *q, uint32_t min_complete,
		       uint64_t deadline_ns)
{
	return hv_block_kick(q->dev, min_complete, deadline_ns);
}

int hv_blkq_pop(struct hv_blkq *q, struct hvrun_blk_cpl *out)
{
	uint32_t head = q->ring->cq_head;

	if (head == __atomic_load_n(&q->ring->cq_tail, __ATOMIC_ACQUIRE))
		return 0;
	*out = q->cq[head & (q->entries - 1)];
	__atomic_store_n(&q->ring->cq_head, head + 1, __ATOMIC_RELEASE);
	return 1;
}
