/*
 * Disk images for PV guests and virtio-blk: a regular file or block device
 * per --disk.
 * Every function here does I/O and runs on the backend thread (via
 * backend_call); none of them knows about guest addresses.
 */
#ifndef HVRUN_BACKEND_BLOCK_H
#define HVRUN_BACKEND_BLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

struct block_dev;

/*
 * Open a disk from its --disk spec, "PATH" or "PATH,ro". The image must
 * be a regular file or a block device; it is locked (OFD lock, exclusive
 * read-write, shared read-only) until block_close. Logs one line and
 * returns -1 on failure (not a disk, in use); 0 and *out on success.
 */
int block_open(const char *spec, struct block_dev **out);
void block_close(struct block_dev *d);

/* Size in bytes, fixed at open. */
uint64_t block_size(const struct block_dev *d);
bool block_read_only(const struct block_dev *d);
/* Is st (from stat) the image's file? */
bool block_is_file(const struct block_dev *d, const struct stat *st);

/*
 * Transfer len bytes between the image at offset and buf, finishing short
 * transfers. len, or -errno (-EIO when the image ends early, -ENOSPC when
 * the host file system is full). The caller checked the range.
 */
int64_t block_io(struct block_dev *d, bool write, uint64_t offset,
		 void *buf, uint64_t len);

/* Make completed writes durable: 0 or -errno. */
int block_flush(struct block_dev *d);

/*
 * Discard: give back the host blocks under [offset, offset + len), which
 * then read as zeros (a hole punched in a regular file). Only where the
 * file system can, probed at open; -EOPNOTSUPP elsewhere. The caller
 * checked the range.
 */
bool block_can_discard(const struct block_dev *d);
int block_discard(struct block_dev *d, uint64_t offset, uint64_t len);

#endif
