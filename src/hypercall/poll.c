/*
 * poll: block a vCPU until console input, a packet, a channel event or a
 * block completion waits, or a deadline.
 *
 * The sources signal the backend's I/O wake-up (backend_io_wake, wake.h):
 * a packet's arrival, console input the PV console took, a channel's
 * event, a block ring's completion (aio.c), and the stop.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "../backend/backend.h"
#include "../backend/host_io.h"
#include "../backend/net.h"
#include "../vm.h"
#include "../wake.h"
#include "hypercall.h"
#include "internal.h"
#include "ipc.h"

/* The subset of mask whose sources are ready now. */
static uint64_t ready_mask(struct vm *vm, uint64_t mask)
{
	uint64_t ready = 0;

	if ((mask & HVRUN_POLL_CONSOLE) && pv_console_pending(vm) > 0)
		ready |= HVRUN_POLL_CONSOLE;
	for (int i = 0; i < host_nr_nets(vm->io); i++) {
		if ((mask & HVRUN_POLL_NET(i)) &&
		    net_rx_ready(host_net(vm->io, i)))
			ready |= HVRUN_POLL_NET(i);
	}
	return ready | pv_ipc_ready(vm, mask) | pv_aio_ready(vm, mask);
}

/*
 * (deadline_ns, mask) → ready mask. Bits for sources that do not exist
 * (net devices beyond nr_nets, undefined bits) are ignored: they are
 * never ready, so such a poll only ends at its deadline.
 */
int64_t hc_poll(struct hc_call *c)
{
	struct vm *vm = c->vm;
	uint64_t deadline = c->arg[0], mask = c->arg[1];
	struct wake *w = backend_io_wake(vm->backend);
	uint64_t gen, ready;

	for (;;) {
		gen = wake_gen(w);
		ready = ready_mask(vm, mask);
		if (ready || deadline == 0)
			return (int64_t)ready;
		if (atomic_load(&vm->stopping)) {
			c->interrupted = true;	/* neither ready nor due */
			return 0;
		}
		if (deadline != UINT64_MAX && wake_now_ns() >= deadline)
			return 0;
		if (!wake_wait(w, gen, deadline))
			return (int64_t)ready_mask(vm, mask);
	}
}
