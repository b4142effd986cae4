/*
 * The block ring's pure core (include/hvrun/abi.h, BLOCK RINGS): what
 * block_ring and block_kick decide from the guest's numbers alone, with no
 * guest memory and no I/O, so that it can be tested on its own.
 */
#ifndef HVRUN_HYPERCALL_BLKRING_H
#define HVRUN_HYPERCALL_BLKRING_H

#include <stdbool.h>
#include <stdint.h>

#include <hvrun/abi.h>

/* block_ring's (gpa, entries), entries > 0: 0 or -EINVAL (not a power of
 * two, too many, gpa misaligned or the ring wrapping past 2^64). */
int blkring_check_setup(uint64_t gpa, uint64_t entries);

/* hvrun's own side of a ring, and the guest's indices as read once. */
struct blkring_idx {
	uint32_t entries;
	uint32_t sq_head, cq_tail;	/* hvrun's, never read back */
	uint32_t inflight;		/* taken, not yet completed */
	uint32_t sq_tail, cq_head;	/* the guest's */
};

/*
 * How many submitted requests block_kick may take now: as many as are
 * queued, but no more than the completion queue has room for once the
 * requests in flight complete. -EINVAL when the guest's indices are
 * inconsistent with hvrun's (more than entries apart, or behind).
 */
int64_t blkring_takeable(const struct blkring_idx *x);

/* What a request needs to be checked against. */
struct blkring_target {
	uint64_t disk_size;
	bool read_only;
	uint64_t ring_gpa, ring_size;	/* a buffer may not overlap it */
};

/*
 * Check one request (a copy out of the ring) as block_read/block_write
 * check their arguments, in ABI order: 0 and the byte offset in *offset,
 * or the -errno its completion carries. Guest memory is the caller's
 * (mem_ptr): this checks only numbers.
 */
int blkring_check_req(const struct hvrun_blk_req *r,
		      const struct blkring_target *t, uint64_t *offset);

#endif
