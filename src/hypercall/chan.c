/* chan_send, chan_recv: messages between two VMs (hvrun/abi.h). */
#include <errno.h>
#include <stdint.h>

#include "../backend/backend.h"
#include "../backend/chan.h"
#include "../vm.h"
#include "hypercall.h"
#include "ipc.h"

/* One request, on the vCPU's stack while the backend thread runs it. */
struct chan_req {
	struct chan *ch;
	void *buf;
	size_t len;
};

static int64_t do_send(void *arg)
{
	struct chan_req *r = arg;

	return chan_send(r->ch, r->buf, r->len);
}

static int64_t do_recv(void *arg)
{
	struct chan_req *r = arg;

	return chan_recv(r->ch, r->buf, r->len);
}

/* (chan, gpa, len), len at most max: every check, in ABI order, before
 * the backend sees the request. */
static int64_t chan_req_check(struct hc_call *c, uint64_t max,
			      struct chan_req *r)
{
	uint64_t n = c->arg[0], gpa = c->arg[1], len = c->arg[2];

	r->ch = pv_ipc_chan(c->vm, n);
	if (!r->ch)
		return -ENODEV;
	if (len > max)
		return -EMSGSIZE;
	r->buf = mem_ptr(&c->vm->mem, gpa, len);
	if (!r->buf)
		return -EFAULT;
	r->len = len;
	return 0;
}

/* (chan, gpa, len) → len. A message may be empty (len 0). */
int64_t hc_chan_send(struct hc_call *c)
{
	struct chan_req r;
	int64_t err;

	err = chan_req_check(c, HVRUN_CHAN_MSG_MAX, &r);
	if (err)
		return err;
	return backend_call(c->vm->backend, do_send, &r);
}

/* (chan, gpa, len) → message length; -EMSGSIZE leaves it queued. */
int64_t hc_chan_recv(struct hc_call *c)
{
	struct chan_req r;
	int64_t err;

	err = chan_req_check(c, UINT64_MAX, &r);
	if (err)
		return err;
	return backend_call(c->vm->backend, do_recv, &r);
}
