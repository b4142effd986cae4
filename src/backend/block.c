/* Disk images: raw files or block devices, read and written in place. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/falloc.h>
#include <linux/fs.h>

#include "../log.h"
#include "block.h"

struct block_dev {
	int fd;
	bool read_only;
	bool can_discard;
	uint64_t size;
	dev_t st_dev;			/* which file: block_is_file() */
	ino_t st_ino;
};

/* Split "PATH" or "PATH,ro"; *path is malloc'd. options.c checked the
 * form, but a spec may come from elsewhere (tests): refuse anything else. */
static int parse_spec(const char *spec, char **path, bool *ro)
{
	const char *comma = strrchr(spec, ',');
	size_t len = strlen(spec);

	*ro = false;
	if (comma) {
		if (strcmp(comma, ",ro"))
			return -1;
		*ro = true;
		len = (size_t)(comma - spec);
	}
	if (len == 0)
		return -1;
	*path = strndup(spec, len);
	return *path ? 0 : -1;
}

static int get_size(int fd, const struct stat *st, uint64_t *size)
{
	if (S_ISREG(st->st_mode)) {
		*size = (uint64_t)st->st_size;
		return 0;
	}
	if (S_ISBLK(st->st_mode))
		return ioctl(fd, BLKGETSIZE64, size) < 0 ? -errno : 0;
	return -EINVAL;
}

/*
 * Lock the whole image as QEMU does: an OFD lock belongs to this open
 * file, so a second hvrun and the same file given twice to one hvrun both
 * meet it. Read-write takes it exclusive, read-only shared. Where the file
 * system has no such locks, say so and run unlocked.
 */
static int lock_image(int fd, const char *path, bool ro)
{
	struct flock fl = { .l_type = ro ? F_RDLCK : F_WRLCK,
			    .l_whence = SEEK_SET };

	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	if (errno == EAGAIN || errno == EACCES) {
		log_err("disk %s: in use (locked by another process or --disk)%s",
			path, ro ? ": it is being written" : "");
		return -1;
	}
	log_warn("disk %s: cannot lock it (%s): running unlocked",
		 path, strerror(errno));
	return 0;
}

/*
 * Open without blocking (a FIFO would wait for a writer forever, with the
 * stop signals already blocked) and look before using: only a regular
 * file or a block device is a disk.
 */
static int open_image(const char *path, bool ro, struct stat *st)
{
	int fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0 || fstat(fd, st) < 0) {
		log_err("disk %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st->st_mode) && !S_ISBLK(st->st_mode)) {
		log_err("disk %s: not a regular file or block device", path);
		goto fail;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		log_err("disk %s: %s", path, strerror(errno));
		goto fail;
	}
	if (lock_image(fd, path, ro) < 0)
		goto fail;
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

int block_open(const char *spec, struct block_dev **out)
{
	struct block_dev *d = NULL;
	char *path = NULL;
	struct stat st;
	bool ro;
	int fd = -1, err, ret = -1;

	if (parse_spec(spec, &path, &ro) < 0) {
		log_err("--disk %s: expected PATH or PATH,ro", spec);
		return -1;
	}
	fd = open_image(path, ro, &st);
	if (fd < 0)
		goto out;
	d = calloc(1, sizeof(*d));
	if (!d) {
		log_err("disk %s: out of memory", path);
		goto out;
	}
	err = get_size(fd, &st, &d->size);
	if (err < 0) {
		log_err("disk %s: cannot get its size: %s", path, strerror(-err));
		goto out;
	}
	/* The guest sees whole sectors: say what it cannot reach. */
	if (d->size % 512)
		log_warn("disk %s: %llu bytes is not a multiple of 512: the guest cannot reach the last %llu",
			 path, (unsigned long long)d->size,
			 (unsigned long long)(d->size % 512));
	d->fd = fd;
	d->read_only = ro;
	d->st_dev = st.st_dev;
	d->st_ino = st.st_ino;
	/* Punching past the end changes nothing and says whether we can. */
	d->can_discard = !ro && S_ISREG(st.st_mode) &&
			 fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				   (off_t)d->size, 1) == 0;
	log_info(1, "disk %s: %llu bytes%s", path,
		 (unsigned long long)d->size, ro ? ", read-only" : "");
	*out = d;
	d = NULL;
	fd = -1;
	ret = 0;
out:
	free(d);
	if (fd >= 0)
		close(fd);
	free(path);
	return ret;
}

void block_close(struct block_dev *d)
{
	if (!d)
		return;
	close(d->fd);
	free(d);
}

uint64_t block_size(const struct block_dev *d)
{
	return d->size;
}

bool block_read_only(const struct block_dev *d)
{
	return d->read_only;
}

bool block_is_file(const struct block_dev *d, const struct stat *st)
{
	return d->st_dev == st->st_dev && d->st_ino == st->st_ino;
}

int64_t block_io(struct block_dev *d, bool write, uint64_t offset,
		 void *buf, uint64_t len)
{
	uint8_t *p = buf;
	uint64_t done = 0;

	while (done < len) {
		/* The kernel caps one transfer below 2 GiB anyway. */
		size_t chunk = len - done > (1U << 30) ? (1U << 30) : len - done;
		off_t off = (off_t)(offset + done);
		ssize_t n;

		n = write ? pwrite(d->fd, p + done, chunk, off)
			  : pread(d->fd, p + done, chunk, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		/* The image shrank under us: no byte will ever come. */
		if (n == 0)
			return -EIO;
		done += (uint64_t)n;
	}
	return (int64_t)len;
}

int block_flush(struct block_dev *d)
{
	while (fdatasync(d->fd) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

bool block_can_discard(const struct block_dev *d)
{
	return d->can_discard;
}

int block_discard(struct block_dev *d, uint64_t offset, uint64_t len)
{
	if (!d->can_discard)
		return -EOPNOTSUPP;
	while (fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			 (off_t)offset, (off_t)len) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}
