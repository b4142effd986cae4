/*
 * Split virtqueues (virtio 1.x, section 2.6), device side. The rings live
 * in guest RAM that vCPUs change while we read it: every descriptor is
 * copied once, checked, and only then becomes host pointers (mem_ptr).
 * No indirect descriptors and no event index: hvrun offers neither.
 */
#ifndef HVRUN_VIRTQUEUE_H
#define HVRUN_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "../mem.h"

/* Longest queue any device offers; a chain has at most size descriptors. */
#define VIRTQ_MAX_SIZE 256

struct virtq {
	/* Set by the driver through the transport registers. */
	uint16_t size;
	bool ready;
	uint64_t desc, avail, used;	/* guest physical ring addresses */
	/* Device state. */
	uint16_t last_avail;		/* next avail entry to take */
	uint16_t used_idx;		/* our copy of used->idx */
	bool broken;			/* ring unusable until reset */
};

struct virtq_seg {
	uint8_t *ptr;
	uint32_t len;
};

/*
 * One request: the device-readable segments (out, from the driver) then
 * the device-writable ones (in, to the driver), as host pointers.
 */
struct virtq_chain {
	uint16_t head;
	int nr_out, nr_in;
	uint64_t out_len, in_len;
	struct virtq_seg out[VIRTQ_MAX_SIZE];
	struct virtq_seg in[VIRTQ_MAX_SIZE];
};

/* Why a queue or chain is refused: for the one log line. */
#define VIRTQ_ERRLEN 96

/* Forget ring state (device reset or queue reset). */
void virtq_reset(struct virtq *q);

/*
 * May the driver enable q? Size a non-zero power of two no larger than
 * max, each ring inside RAM and aligned as section 2.6 asks. 0, or -1 with
 * err filled.
 */
int virtq_check(const struct mem *m, const struct virtq *q, uint16_t max,
		char err[VIRTQ_ERRLEN]);

/*
 * Take the next available chain.
 *   1: *c holds a good chain.
 *   0: nothing available.
 *  -EINVAL: the chain at c->head is malformed (index out of range, a loop,
 *     a segment outside RAM, a readable segment after a writable one, a
 *     total length past 4 GiB). The segments before the bad descriptor
 *     are in *c; the caller completes c->head with an error.
 *  -EIO: the ring itself is unusable (avail index runs ahead by more than
 *     size, head out of range, ring outside RAM): q is marked broken.
 * err says why on a negative return.
 */
int virtq_pop(const struct mem *m, struct virtq *q, struct virtq_chain *c,
	      char err[VIRTQ_ERRLEN]);

/* Put back the chain virtq_pop just took (good or bad), unused. */
void virtq_unpop(struct virtq *q);

/* Return chain head with len bytes written. 0, or -EIO (q broken). */
int virtq_push(const struct mem *m, struct virtq *q, uint16_t head,
	       uint32_t len);

/* Does the driver want an interrupt now (no VIRTQ_AVAIL_F_NO_INTERRUPT)? */
bool virtq_want_irq(const struct mem *m, const struct virtq *q);

/* Copy bytes [off, off + len) of the readable side into buf: len copied,
 * or less where the segments end first. */
uint64_t virtq_read(const struct virtq_chain *c, uint64_t off, void *buf,
		    uint64_t len);
/* Copy buf into bytes [off, off + len) of the writable side; as above. */
uint64_t virtq_write(const struct virtq_chain *c, uint64_t off,
		     const void *buf, uint64_t len);

#endif
