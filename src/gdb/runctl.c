/*
 * GDB stub run control: all-stop (every vCPU parks for gdb), resume and
 * single-step, vCont, threads (one per vCPU), and crashes stopping into gdb.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <event2/event.h>

#include "../log.h"
#include "../vcpu/vcpu.h"
#include "gdbstub.h"
#include "gdb_internal.h"

/* Under lock: STOPPING becomes STOPPED once every running thread parked. */
static void check_parked(struct gdbstub *g)
{
	struct vm *vm = g->vm;

	if (g->state != STOPPING)
		return;
	for (int i = 0; i < vm->nr_vcpus; i++)
		if (atomic_load(&vm->vcpus[i].thread_started) && !g->parked[i])
			return;
	g->state = STOPPED;
	event_active(g->stopped_ev, EV_READ, 0);
}

/* Under lock: begin an all-stop reported as vCPU `id`, signal `sig`. */
void gdb_request_stop(struct gdbstub *g, int id, int sig, const char *extra)
{
	struct vm *vm = g->vm;

	if (g->state != RUNNING)
		return;
	g->state = STOPPING;
	g->stop_vcpu = id;
	g->stop_sig = sig;
	snprintf(g->stop_extra, sizeof(g->stop_extra), "%s", extra);
	for (int i = 0; i < vm->nr_vcpus; i++)
		atomic_store(&g->go[i], false);
	/* A thread not started yet meets the closed gate when it starts. */
	for (int i = 0; i < vm->nr_vcpus; i++)
		if (atomic_load(&vm->vcpus[i].thread_started))
			vcpu_kick(&vm->vcpus[i]);
	check_parked(g);
}

/*
 * KVM sets TF for a single-step only at the RIP it saw in
 * KVM_SET_GUEST_DEBUG, and any register write (a hypercall's result)
 * drops it. While stepping, write such registers ourselves and re-arm.
 */
static void rearm_step(struct gdbstub *g, struct vcpu *v)
{
	struct kvm_guest_debug dbg = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP,
	};

	if (vcpu_flush_regs(v) < 0)
		return;		/* KVM_RUN will take them */
	if (g->blockirq)
		dbg.control |= KVM_GUESTDBG_BLOCKIRQ;
	ioctl(v->fd, KVM_SET_GUEST_DEBUG, &dbg);
}

bool gdbstub_before_run(struct gdbstub *g, struct vcpu *v)
{
	if (!atomic_load_explicit(&g->go[v->id], memory_order_acquire))
		return true;
	if (!g->step_armed[v->id])
		return false;
	if (v->run->exit_reason != KVM_EXIT_DEBUG)
		rearm_step(g, v);
	/*
	 * Every PV vCPU takes exceptions on the one TSS stack, where a step's
	 * #DB frame lives until pv_unwind reads it: one stepping vCPU in the
	 * guest at a time. Each step is a single instruction, so this is short.
	 */
	pthread_mutex_lock(&g->step_lock);
	g->step_locked[v->id] = true;
	return false;
}

void gdb_step_unlock(struct gdbstub *g, struct vcpu *v)
{
	if (!g->step_locked[v->id])
		return;
	g->step_locked[v->id] = false;
	pthread_mutex_unlock(&g->step_lock);
}

void gdbstub_after_run(struct gdbstub *g, struct vcpu *v, int ret)
{
	int err = errno;	/* the caller looks at KVM_RUN's */

	/* A step's frame is still on the stub stack: debug_exit unlocks. */
	if (ret == 0 && v->run->exit_reason == KVM_EXIT_DEBUG)
		return;
	gdb_step_unlock(g, v);
	errno = err;
}

void gdbstub_park(struct gdbstub *g, struct vcpu *v)
{
	struct vm *vm = v->vm;

	/*
	 * Tell a guest using kvmclock that the host paused it, or a Linux
	 * guest's soft-lockup watchdog fires after a long stop in gdb. Fails
	 * with EINVAL when the guest has not enabled kvmclock (PV and
	 * multiboot guests): nothing to tell, so no message either.
	 */
	(void)ioctl(v->fd, KVM_KVMCLOCK_CTRL, 0);
	pthread_mutex_lock(&g->lock);
	g->parked[v->id] = true;
	check_parked(g);
	while (!atomic_load(&g->go[v->id]) && !atomic_load(&vm->stopping))
		pthread_cond_wait(&g->cond, &g->lock);
	g->parked[v->id] = false;
	pthread_mutex_unlock(&g->lock);
	/*
	 * The kick left immediate_exit set. Clear it, then look at stopping
	 * again: vm_stop sets stopping before it kicks, so either we see it
	 * here or its kick lands after our store.
	 */
	__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	if (atomic_load(&vm->stopping))
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

void gdbstub_vm_stopping(struct gdbstub *g)
{
	pthread_mutex_lock(&g->lock);
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

/* The signal Linux sends a process for an exception, in gdb's numbers. */
static int vector_signal(int vec)
{
	switch (vec) {
	case 0: case 16: case 19:
		return GDB_SIGFPE;	/* #DE, #MF, #XM */
	case 1: case 3:
		return GDB_SIGTRAP;	/* #DB, #BP */
	case 6:
		return GDB_SIGILL;	/* #UD */
	case 17:
		return GDB_SIGBUS;	/* #AC */
	default:
		return GDB_SIGSEGV;
	}
}

void gdbstub_crash(struct gdbstub *g, struct vcpu *v)
{
	struct vm *vm = v->vm;
	bool told = false;
	int vec, sig;

	if (!atomic_load(&g->attached) || atomic_load(&vm->stopping))
		return;
	vec = gdb_pv_unwind_fault(g, v);
	sig = vec < 0 ? GDB_SIGSEGV : vector_signal(vec);
	log_info(1, "gdb: vCPU %d crashed: stopping into gdb (signal %d)",
		 v->id, sig);
	/*
	 * Another vCPU's stop may be under way: park for it, and stop for
	 * the crash on the next resume. Once gdb has seen the crash, any
	 * resume of this vCPU (c, s, D, a lost client) ends the wait.
	 */
	while (!told && atomic_load(&g->attached) &&
	       !atomic_load(&vm->stopping)) {
		pthread_mutex_lock(&g->lock);
		if (g->state == RUNNING) {
			gdb_request_stop(g, v->id, sig, "");
			told = true;
		}
		pthread_mutex_unlock(&g->lock);
		gdbstub_park(g, v);
	}
}

/* Backend, STOPPED: let vCPU `step` single-step, others run if `all`. */
void gdb_resume(struct gdbstub *g, int step, bool all)
{
	struct vm *vm = g->vm;

	gdb_apply_debug(g, step);
	pthread_mutex_lock(&g->lock);
	g->state = RUNNING;
	for (int i = 0; i < vm->nr_vcpus; i++)
		atomic_store(&g->go[i], all || i == step);
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

/* gdb thread id → vCPU index; -1 and 0 mean "any" (the current one). */
static int thread_vcpu(struct gdbstub *g, long tid)
{
	if (tid <= 0)
		return g->cur;
	if (tid > g->vm->nr_vcpus)
		return -1;
	return (int)tid - 1;
}

void gdb_cmd_set_thread(struct gdbstub *g, const char *args)
{
	long tid;
	int id;

	if ((*args != 'g' && *args != 'c') ||
	    gdb_parse_thread(args + 1, &tid, &args) < 0 || *args ||
	    (id = thread_vcpu(g, tid)) < 0) {
		gdb_send_str(g, "E01");
		return;
	}
	/* Hc only matters for the old s/c packets, which step g->cur. */
	g->cur = id;
	gdb_send_str(g, "OK");
}

void gdb_cmd_thread_alive(struct gdbstub *g, const char *args)
{
	long tid;

	if (gdb_parse_thread(args, &tid, &args) < 0 || *args || tid <= 0 ||
	    tid > g->vm->nr_vcpus) {
		gdb_send_str(g, "E01");
		return;
	}
	gdb_send_str(g, "OK");
}

/* Step one vCPU, or continue all; others stay parked while one steps. */
void gdb_do_resume(struct gdbstub *g, int step)
{
	if (step >= 0 && !g->can_debug) {
		gdb_send_str(g, "E01");
		return;
	}
	g->reply_pending = true;
	gdb_resume(g, step, step < 0);
}

/*
 * vCont;ACTION[:TID];... Stepping one thread while the default action
 * continues the others is honoured; a thread left without an action
 * stays stopped, as the protocol says.
 */
void gdb_cmd_vcont(struct gdbstub *g, const char *args)
{
	int step = -1;
	bool all = false;
	long tid;

	while (*args == ';') {
		char act = args[1];

		args += 2;
		if (act == 'C' || act == 'S') {
			uint64_t sig;

			if (gdb_parse_hex(&args, &sig) < 0)
				goto bad;
		} else if (act != 'c' && act != 's' && act != 't') {
			goto bad;
		}
		if (*args == ':') {
			if (gdb_parse_thread(args + 1, &tid, &args) < 0)
				goto bad;
		} else {
			tid = -1;
		}
		if (act == 't')
			continue;	/* every other thread is stopped already */
		if ((act == 's' || act == 'S') && step < 0)
			step = thread_vcpu(g, tid);
		else if (tid == -1)
			all = true;
		/* c for one thread: all-stop resumes everyone anyway. */
		else
			all = true;
	}
	if (*args)
		goto bad;
	if (step >= 0 && !g->can_debug) {
		gdb_send_str(g, "E01");
		return;
	}
	if (step < 0 && !all) {
		gdb_send_str(g, "OK");
		return;
	}
	g->reply_pending = true;
	gdb_resume(g, step, all);
	return;
bad:
	gdb_send_str(g, "E01");
}

const struct vcpu_debugger gdbstub_vcpu_ops = {
	.before_run = gdbstub_before_run,
	.after_run = gdbstub_after_run,
	.park = gdbstub_park,
	.debug_exit = gdbstub_debug_exit,
	.crash = gdbstub_crash,
};
