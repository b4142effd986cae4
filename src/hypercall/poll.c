/*
 * poll: block a vCPU until console input or a packet waits, or a deadline.
 *
 * Waking is race-free without checking the sources under poll_lock (which
 * would order poll_lock before the console's and the sockets' own locks):
 * hc_poll_notify bumps a generation counter under poll_lock after the
 * source became ready. A poller reads the generation *before* it checks
 * the sources and sleeps only while the generation is unchanged, checked
 * under poll_lock. A notify that lands between the check and the sleep
 * has already bumped the counter, so the poller does not sleep; one that
 * lands later needs poll_lock, which the poller only releases inside
 * pthread_cond_wait, so the broadcast reaches it.
 *
 * The counter is process-wide: with several VMs in one process a notify
 * for one only costs the others a spurious re-check.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "../backend/net.h"
#include "../vm.h"
#include "hypercall.h"
#include "ipc.h"

static _Atomic uint64_t poll_gen;

void hc_poll_notify(struct vm *vm)
{
	pthread_mutex_lock(&vm->poll_lock);
	atomic_fetch_add(&poll_gen, 1);
	pthread_cond_broadcast(&vm->poll_cond);
	pthread_mutex_unlock(&vm->poll_lock);
}

/* The subset of mask whose sources are ready now. */
static uint64_t ready_mask(struct vm *vm, uint64_t mask)
{
	uint64_t ready = 0;

	if ((mask & HVRUN_POLL_CONSOLE) && pv_console_pending(vm) > 0)
		ready |= HVRUN_POLL_CONSOLE;
	for (int i = 0; i < vm->nr_nets; i++) {
		if ((mask & HVRUN_POLL_NET(i)) && net_rx_ready(vm->nets[i]))
			ready |= HVRUN_POLL_NET(i);
	}
	return ready | pv_ipc_ready(vm, mask);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * Sleep until the generation moves past gen, the VM stops or the deadline
 * passes. false on the deadline. poll_cond runs on CLOCK_MONOTONIC (vm.c).
 */
static bool wait_change(struct vm *vm, uint64_t gen, uint64_t deadline)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline / 1000000000ULL),
		.tv_nsec = (long)(deadline % 1000000000ULL),
	};
	bool woken = true;

	pthread_mutex_lock(&vm->poll_lock);
	while (atomic_load(&poll_gen) == gen && !atomic_load(&vm->stopping)) {
		if (deadline == UINT64_MAX) {
			pthread_cond_wait(&vm->poll_cond, &vm->poll_lock);
		} else if (pthread_cond_timedwait(&vm->poll_cond, &vm->poll_lock,
						  &ts) == ETIMEDOUT) {
			woken = false;
			break;
		}
	}
	pthread_mutex_unlock(&vm->poll_lock);
	return woken;
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
	uint64_t gen, ready;

	for (;;) {
		gen = atomic_load(&poll_gen);
		ready = ready_mask(vm, mask);
		if (ready || deadline == 0 || atomic_load(&vm->stopping))
			return (int64_t)ready;
		if (deadline != UINT64_MAX && now_ns() >= deadline)
			return 0;
		if (!wait_change(vm, gen, deadline))
			return (int64_t)ready_mask(vm, mask);
	}
}
