/* block_read, block_write, block_flush: guest sectors to disk images. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "../backend/backend.h"
#include "../backend/block.h"
#include "../backend/host_io.h"
#include "../vm.h"
#include "hypercall.h"
#include "internal.h"

/* One piece, on the vCPU's stack while the backend thread runs it. */
struct block_req {
	struct block_dev *dev;
	bool write;
	uint64_t offset;
	void *buf;
	uint64_t len;
};

static int64_t do_io(void *arg)
{
	struct block_req *r = arg;

	return block_io(r->dev, r->write, r->offset, r->buf, r->len);
}

static int64_t do_flush(void *arg)
{
	return block_flush(arg);
}

/* r's transfer piece by piece: len, the first error, or -EINTR when the
 * VM stops first (the guest never sees it). */
static int64_t run_pieces(struct vm *vm, struct block_req *r)
{
	uint64_t len = r->len, done = 0;
	uint8_t *buf = r->buf;
	int64_t n;

	while (done < len) {
		if (atomic_load(&vm->stopping))
			return -EINTR;
		r->buf = buf + done;
		r->len = len - done < PV_BLOCK_PIECE ? len - done : PV_BLOCK_PIECE;
		n = backend_call(vm->backend, do_io, r);
		if (n < 0)
			return n;
		done += r->len;
		r->offset += r->len;
	}
	return (int64_t)len;
}

/* (dev, sector, gpa, len): every check before any I/O, in ABI order. */
static int64_t block_rw(struct hc_call *c, bool write)
{
	struct vm *vm = c->vm;
	uint64_t dev = c->arg[0], sector = c->arg[1];
	uint64_t gpa = c->arg[2], len = c->arg[3];
	struct block_req r = { .write = write, .len = len };
	int64_t ret;
	uint64_t size;

	r.dev = host_disk(vm->io, dev);
	if (!r.dev)
		return -ENODEV;
	if (len % HVRUN_SECTOR_SIZE)
		return -EINVAL;
	if (sector > UINT64_MAX / HVRUN_SECTOR_SIZE)
		return -EINVAL;
	r.offset = sector * HVRUN_SECTOR_SIZE;
	/* offset + len <= size, written so that nothing can wrap. */
	size = block_size(r.dev);
	if (len > size || r.offset > size - len)
		return -EINVAL;
	if (write && block_read_only(r.dev))
		return -EROFS;
	r.buf = mem_ptr(&vm->mem, gpa, len);
	if (!r.buf)
		return -EFAULT;
	ret = run_pieces(vm, &r);
	/* Cut short by the stop (the loop no longer serves backend_call
	 * either): a snapshot makes the whole call again. */
	c->interrupted = ret < 0 && atomic_load(&vm->stopping);
	return ret;
}

int64_t hc_block_read(struct hc_call *c)
{
	return block_rw(c, false);
}

int64_t hc_block_write(struct hc_call *c)
{
	return block_rw(c, true);
}

int64_t hc_block_flush(struct hc_call *c)
{
	struct vm *vm = c->vm;
	struct block_dev *d = host_disk(vm->io, c->arg[0]);

	int64_t ret;

	if (!d)
		return -ENODEV;
	ret = backend_call(vm->backend, do_flush, d);
	c->interrupted = ret < 0 && atomic_load(&vm->stopping);
	return ret;
}
