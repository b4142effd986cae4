/* chan_send, chan_recv, chan_call: messages between two VMs (hvrun/abi.h). */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>

#include "../backend/backend.h"
#include "../backend/chan.h"
#include "../vm.h"
#include "../wake.h"
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

/* On this vCPU when it can (chan.h), on the loop otherwise. */
static int64_t send_msg(struct vm *vm, struct chan_req *r)
{
	int64_t n = chan_send_fast(r->ch, r->buf, r->len);

	return n != CHAN_TRY_LOOP ? n : backend_call(vm->backend, do_send, r);
}

static int64_t recv_msg(struct vm *vm, struct chan_req *r)
{
	int64_t n = chan_recv_fast(r->ch, r->buf, r->len);

	return n != CHAN_TRY_LOOP ? n : backend_call(vm->backend, do_recv, r);
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
	return send_msg(c->vm, &r);
}

/* (chan, gpa, len) → message length; -EMSGSIZE leaves it queued. */
int64_t hc_chan_recv(struct hc_call *c)
{
	struct chan_req r;
	int64_t err;

	err = chan_req_check(c, UINT64_MAX, &r);
	if (err)
		return err;
	return recv_msg(c->vm, &r);
}

/*
 * Receive on r->ch as chan_recv once a message (or the peer's end) is
 * there, sleeping on the backend's I/O wake-up in between as poll does:
 * only the vCPU waits, and it receives on its own thread when it can.
 */
static int64_t recv_wait(struct vm *vm, struct chan_req *r, uint64_t deadline)
{
	struct wake *w = backend_io_wake(vm->backend);
	uint64_t gen;
	int64_t n;

	for (;;) {
		gen = wake_gen(w);
		n = recv_msg(vm, r);
		if (n != -EAGAIN)
			return n;
		if (atomic_load(&vm->stopping))
			return -EINTR;		/* the guest never sees it */
		if (deadline != UINT64_MAX && wake_now_ns() >= deadline)
			return -ETIMEDOUT;
		wake_wait(w, gen, deadline);
	}
}

/* (chan, out_gpa, out_len, in_gpa, in_len, deadline_ns) → reply length. */
int64_t hc_chan_call(struct hc_call *c)
{
	struct hc_call in_args = { .vm = c->vm,
				   .arg = { c->arg[0], c->arg[3], c->arg[4] } };
	struct chan_req out, in;
	int64_t err;

	err = chan_req_check(c, HVRUN_CHAN_MSG_MAX, &out);
	if (!err)
		err = chan_req_check(&in_args, UINT64_MAX, &in);
	if (err)
		return err;
	err = send_msg(c->vm, &out);
	if (err < 0)
		return err;
	return recv_wait(c->vm, &in, c->arg[5]);
}
