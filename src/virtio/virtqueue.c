/* Split virtqueues, device side: every chain the guest offers is hostile. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/virtio_ring.h>

#include "virtqueue.h"

/* Ring sizes in bytes (section 2.6): the event fields are counted even
 * though we do not offer VIRTIO_F_EVENT_IDX, as the driver allocates them. */
static uint64_t desc_bytes(uint16_t size)  { return 16ULL * size; }
static uint64_t avail_bytes(uint16_t size) { return 6 + 2ULL * size; }
static uint64_t used_bytes(uint16_t size)  { return 6 + 8ULL * size; }

void virtq_reset(struct virtq *q)
{
	memset(q, 0, sizeof(*q));
}

static bool size_ok(uint16_t size, uint16_t max)
{
	return size && !(size & (size - 1)) && size <= max &&
	       size <= VIRTQ_MAX_SIZE;
}

int virtq_check(const struct mem *m, const struct virtq *q, uint16_t max,
		char err[VIRTQ_ERRLEN])
{
	if (!size_ok(q->size, max)) {
		snprintf(err, VIRTQ_ERRLEN,
			 "queue size %u is not a power of two in 1..%u",
			 q->size, max);
		return -1;
	}
	if ((q->desc & 15) || (q->avail & 1) || (q->used & 3)) {
		snprintf(err, VIRTQ_ERRLEN, "misaligned ring");
		return -1;
	}
	if (!mem_ptr(m, q->desc, desc_bytes(q->size)) ||
	    !mem_ptr(m, q->avail, avail_bytes(q->size)) ||
	    !mem_ptr(m, q->used, used_bytes(q->size))) {
		snprintf(err, VIRTQ_ERRLEN, "ring outside guest RAM");
		return -1;
	}
	return 0;
}

static int broken(struct virtq *q)
{
	q->broken = true;
	return -EIO;
}

/* Walk the chain from c->head into c's segments. */
static int walk(const struct mem *m, const struct virtq *q,
		struct virtq_chain *c, char err[VIRTQ_ERRLEN])
{
	uint16_t idx = c->head;
	int count = 0;

	for (;;) {
		struct vring_desc d;
		uint8_t *ptr;

		if (count++ == q->size) {
			snprintf(err, VIRTQ_ERRLEN,
				 "chain %u is longer than the queue (a loop?)",
				 c->head);
			return -EINVAL;
		}
		/* One copy: the guest may rewrite it while we look. */
		if (mem_read(m, &d, q->desc + 16ULL * idx, sizeof(d)) < 0) {
			snprintf(err, VIRTQ_ERRLEN, "descriptor table unreadable");
			return -EINVAL;
		}
		if (d.flags & VRING_DESC_F_INDIRECT) {
			snprintf(err, VIRTQ_ERRLEN,
				 "indirect descriptor %u (not offered)", idx);
			return -EINVAL;
		}
		ptr = mem_ptr(m, d.addr, d.len);
		if (!ptr) {
			snprintf(err, VIRTQ_ERRLEN,
				 "descriptor %u: 0x%llx+0x%x is outside guest RAM",
				 idx, (unsigned long long)d.addr, d.len);
			return -EINVAL;
		}
		if (d.flags & VRING_DESC_F_WRITE) {
			c->in[c->nr_in++] = (struct virtq_seg){ ptr, d.len };
			c->in_len += d.len;
		} else if (c->nr_in) {
			snprintf(err, VIRTQ_ERRLEN,
				 "descriptor %u: readable after writable", idx);
			return -EINVAL;
		} else {
			c->out[c->nr_out++] = (struct virtq_seg){ ptr, d.len };
			c->out_len += d.len;
		}
		/* Used lengths are 32 bits: so is a request. */
		if (c->out_len + c->in_len > UINT32_MAX) {
			snprintf(err, VIRTQ_ERRLEN, "chain %u is over 4 GiB",
				 c->head);
			return -EINVAL;
		}
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 1;
		if (d.next >= q->size) {
			snprintf(err, VIRTQ_ERRLEN,
				 "descriptor %u: next %u is past queue size %u",
				 idx, d.next, q->size);
			return -EINVAL;
		}
		idx = d.next;
	}
}

int virtq_pop(const struct mem *m, struct virtq *q, struct virtq_chain *c,
	      char err[VIRTQ_ERRLEN])
{
	uint16_t *avail, idx, pending;

	c->nr_out = c->nr_in = 0;
	c->out_len = c->in_len = 0;
	if (!q->ready || q->broken)
		return 0;
	avail = mem_ptr(m, q->avail, avail_bytes(q->size));
	if (!size_ok(q->size, VIRTQ_MAX_SIZE) || !avail ||
	    !mem_ptr(m, q->desc, desc_bytes(q->size))) {
		snprintf(err, VIRTQ_ERRLEN, "ring outside guest RAM");
		return broken(q);
	}
	/* The index first, then (acquire) the entries it covers. */
	idx = __atomic_load_n(&avail[1], __ATOMIC_ACQUIRE);
	pending = (uint16_t)(idx - q->last_avail);
	if (!pending)
		return 0;
	if (pending > q->size) {
		snprintf(err, VIRTQ_ERRLEN,
			 "avail index %u runs %u entries ahead of a %u-entry queue",
			 idx, pending, q->size);
		return broken(q);
	}
	c->head = __atomic_load_n(&avail[2 + (q->last_avail & (q->size - 1))],
				  __ATOMIC_RELAXED);
	if (c->head >= q->size) {
		snprintf(err, VIRTQ_ERRLEN, "avail head %u is past queue size %u",
			 c->head, q->size);
		return broken(q);
	}
	q->last_avail++;
	return walk(m, q, c, err);
}

void virtq_unpop(struct virtq *q)
{
	q->last_avail--;
}

int virtq_push(const struct mem *m, struct virtq *q, uint16_t head,
	       uint32_t len)
{
	uint8_t *used = mem_ptr(m, q->used, used_bytes(q->size));
	uint32_t elem[2] = { head, len };

	if (!size_ok(q->size, VIRTQ_MAX_SIZE) || !used || q->broken)
		return broken(q);
	memcpy(used + 4 + 8 * (q->used_idx & (q->size - 1)), elem, sizeof(elem));
	q->used_idx++;
	/* The entry is visible before the index that publishes it. */
	__atomic_store_n((uint16_t *)(used + 2), q->used_idx, __ATOMIC_RELEASE);
	return 0;
}

bool virtq_want_irq(const struct mem *m, const struct virtq *q)
{
	uint16_t *avail = mem_ptr(m, q->avail, avail_bytes(q->size));

	if (!avail)
		return true;
	/* Our used index store before their flags load (section 2.6.10). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !(__atomic_load_n(&avail[0], __ATOMIC_RELAXED) &
		 VRING_AVAIL_F_NO_INTERRUPT);
}

static uint64_t copy_segs(const struct virtq_seg *segs, int nr, uint64_t off,
			  uint8_t *buf, uint64_t len, bool to_segs)
{
	uint64_t done = 0;

	for (int i = 0; i < nr && done < len; i++) {
		uint64_t n;

		if (off >= segs[i].len) {
			off -= segs[i].len;
			continue;
		}
		n = segs[i].len - off;
		if (n > len - done)
			n = len - done;
		if (to_segs)
			memcpy(segs[i].ptr + off, buf + done, n);
		else
			memcpy(buf + done, segs[i].ptr + off, n);
		done += n;
		off = 0;
	}
	return done;
}

uint64_t virtq_read(const struct virtq_chain *c, uint64_t off, void *buf,
		    uint64_t len)
{
	return copy_segs(c->out, c->nr_out, off, buf, len, false);
}

uint64_t virtq_write(const struct virtq_chain *c, uint64_t off,
		     const void *buf, uint64_t len)
{
	return copy_segs(c->in, c->nr_in, off, (uint8_t *)buf, len, true);
}
