/* virtio-blk (virtio 1.x, section 5.2) on a --disk image. */
#ifndef HVRUN_VIRTIO_BLK_H
#define HVRUN_VIRTIO_BLK_H

#include <stdint.h>

#include "virtqueue.h"

struct block_dev;

/* Discard: at most this many ranges per request, sectors per range. */
#define BLK_MAX_DISCARD_SEG	32
#define BLK_MAX_DISCARD_SECTORS	(1U << 22)	/* 2 GiB */

/*
 * Serve one request (a parsed chain) on disk d, whose GET_ID string is
 * serial. Writes the status byte (the chain's last writable byte, where
 * there is one) and returns the status; *used is the number of bytes
 * written into the chain. No KVM, no guest addresses: unit-testable.
 */
uint8_t blk_request(struct block_dev *d, const struct virtq_chain *c,
		    const char *serial, uint32_t *used);

/* A malformed chain: VIRTIO_BLK_S_IOERR where a status byte was found. */
uint8_t blk_fail(const struct virtq_chain *c, uint32_t *used);

#endif
