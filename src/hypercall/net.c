/* net_send, net_recv: Ethernet frames between guest memory and net devices. */
#include <errno.h>
#include <stdint.h>

#include "../backend/backend.h"
#include "../backend/host_io.h"
#include "../backend/net.h"
#include "../vm.h"
#include "hypercall.h"

/* One request, on the vCPU's stack while the backend thread runs it. */
struct net_req {
	struct net_dev *dev;
	void *buf;
	size_t len;
};

static int64_t do_send(void *arg)
{
	struct net_req *r = arg;

	return net_send(r->dev, r->buf, r->len);
}

static int64_t do_recv(void *arg)
{
	struct net_req *r = arg;

	return net_recv(r->dev, r->buf, r->len);
}

/* (dev, gpa, len) of either call, checked in the ABI's order: the device,
 * then the length against max (-EMSGSIZE), then the guest range. */
static int64_t net_args(struct hc_call *c, uint64_t max, struct net_req *r)
{
	struct vm *vm = c->vm;
	uint64_t dev = c->arg[0], gpa = c->arg[1], len = c->arg[2];

	struct net_dev *n = host_net(vm->io, dev);

	if (!n)
		return -ENODEV;
	if (len > max)
		return -EMSGSIZE;
	*r = (struct net_req){ .dev = n, .len = len,
			       .buf = mem_ptr(&vm->mem, gpa, len) };
	return r->buf ? 0 : -EFAULT;
}

/* (dev, gpa, len) → len. */
int64_t hc_net_send(struct hc_call *c)
{
	struct net_req r;
	int64_t err = net_args(c, HVRUN_NET_MTU_FRAME, &r);

	if (err)
		return err;
	/* The ABI's "len 0 does nothing": an empty frame is not sent. */
	if (r.len == 0)
		return 0;
	return backend_call(c->vm->backend, do_send, &r);
}

/*
 * (dev, gpa, len) → frame length (at most len), -EAGAIN when none waits.
 * A buffer larger than any frame is fine, so there is no -EMSGSIZE here;
 * len 0 does nothing and leaves the next frame queued (ABI "POINTERS").
 */
int64_t hc_net_recv(struct hc_call *c)
{
	struct net_req r;
	int64_t err = net_args(c, UINT64_MAX, &r);

	if (err)
		return err;
	if (r.len == 0)
		return 0;
	return backend_call(c->vm->backend, do_recv, &r);
}
