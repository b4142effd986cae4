/*
 * The GDB stub. The protocol runs on the backend loop (main thread); run
 * control is all-stop: to stop, every vCPU is kicked out of KVM_RUN and
 * parks in gdbstub_park until gdb resumes it. Registers, memory and guest
 * debug state are only touched from the backend thread while every vCPU
 * thread is parked (state STOPPED), so they need no lock of their own.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "../backend/backend.h"
#include "../loader/loader.h"
#include "../log.h"
#include "../vcpu/vcpu.h"
#include "../vm.h"
#include "gdbstub.h"
#include "packet.h"

/* gdb's own signal numbers (include/gdb/signals.def), not the host's. */
#define GDB_SIGINT	2
#define GDB_SIGILL	4
#define GDB_SIGTRAP	5
#define GDB_SIGFPE	8
#define GDB_SIGBUS	10
#define GDB_SIGSEGV	11

#define MAX_SW_BP	64
#define NR_HW_BP	4
#define PAGE_SIZE	4096ULL

/* Our own stop-reply buffer: the largest reply is 'g' or an m read. */
#define REPLY_MAX	(GDB_MAX_PACKET + 64)

enum run_state { RUNNING, STOPPING, STOPPED };

struct sw_bp {
	bool used;
	uint64_t addr;		/* guest virtual */
	uint64_t gpa;
	uint8_t orig;
};

struct hw_bp {
	bool used;
	int type;		/* Z type: 1 exec, 2 write, 3 read, 4 access */
	uint64_t addr;
	uint64_t len;
};

struct gdbstub {
	struct vm *vm;
	struct evconnlistener *listener;
	struct bufferevent *bev;	/* the one client, or NULL */
	struct event *stopped_ev;	/* every vCPU has parked */
	struct gdb_rx rx;

	/* Run control, shared with vCPU threads under lock. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	enum run_state state;
	atomic_bool *go;		/* per vCPU: may enter KVM_RUN */
	bool *parked;
	int stop_vcpu;
	int stop_sig;
	char stop_extra[48];		/* "swbreak:;", "watch:ADDR;" */

	/* Backend thread writes; a crashing vCPU thread reads. */
	atomic_bool attached;

	/* Backend thread only. */
	bool waiting;			/* --gdb-wait: hold until gdb attaches */
	bool reply_pending;		/* gdb waits for a stop reply */
	bool has_deferred;		/* a packet that arrived while running */
	int cur;			/* Hg thread, vCPU index */
	bool can_debug;			/* KVM_SET_GUEST_DEBUG works here */
	bool blockirq;			/* KVM_GUESTDBG_BLOCKIRQ offered */
	/*
	 * kvm_pvm delivers a CPL 3 #BP or #DB straight to the guest's IDT and
	 * honours no debug registers, but traps single-steps at CPL 0. There
	 * every vCPU single-steps while breakpoints exist and the stub checks
	 * each instruction: slow, but gdb works.
	 */
	bool emulate;
	int nr_sw;			/* breakpoints in use, for the fast path */
	int nr_hw;
	uint64_t watch_val[NR_HW_BP];	/* emulated watchpoints: last value */
	bool *stepping;			/* per vCPU: gdb asked for a step */
	bool *step_armed;		/* per vCPU: emulated mode steps it */
	bool *step_locked;		/* per vCPU: holds step_lock in KVM_RUN */
	pthread_mutex_t step_lock;
	struct sw_bp sw[MAX_SW_BP];
	struct hw_bp hw[NR_HW_BP];
	char deferred[GDB_MAX_PACKET + 1];
	size_t deferred_len;
	char reply[REPLY_MAX];
	char frame[2 * REPLY_MAX + 8];
	size_t frame_len;		/* last reply, resent on '-' */
};

static void process_input(struct gdbstub *g);

/* ---- run control ---------------------------------------------------- */

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
static void request_stop(struct gdbstub *g, int id, int sig, const char *extra)
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
	struct kvm_run *run = v->run;
	struct kvm_guest_debug dbg = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP,
	};

	if (run->kvm_dirty_regs & KVM_SYNC_X86_REGS) {
		if (ioctl(v->fd, KVM_SET_REGS, &run->s.regs.regs) < 0)
			return;		/* KVM_RUN will take them */
		run->kvm_dirty_regs &= ~(uint64_t)KVM_SYNC_X86_REGS;
	}
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

static void step_unlock(struct gdbstub *g, struct vcpu *v)
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
	step_unlock(g, v);
	errno = err;
}

void gdbstub_park(struct gdbstub *g, struct vcpu *v)
{
	struct vm *vm = v->vm;

	/*
	 * Tell a guest using kvmclock that the host paused it, or a Linux
	 * guest's soft-lockup watchdog fires after a long stop in gdb. Fails
	 * (harmlessly) when the guest has not enabled kvmclock.
	 */
	ioctl(v->fd, KVM_KVMCLOCK_CTRL, 0);
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

static int find_hw_hit(struct gdbstub *g, uint64_t dr6)
{
	for (int i = 0; i < NR_HW_BP; i++)
		if (g->hw[i].used && (dr6 & (1ULL << i)))
			return i;
	return -1;
}

static int get_regs(struct vcpu *v, struct kvm_regs *r);
static int set_regs(struct vcpu *v, const struct kvm_regs *r);
static int translate_on(struct gdbstub *g, struct vcpu *v, uint64_t gva,
			uint64_t *gpa);

/* Segment register state for selector `sel` from the guest's GDT. */
static int load_segment(struct gdbstub *g, const struct kvm_sregs *s,
			uint16_t sel, struct kvm_segment *seg)
{
	uint64_t d, limit;

	if ((sel & ~7u) + 7u > s->gdt.limit ||
	    mem_read(&g->vm->mem, &d, s->gdt.base + (sel & ~7u), 8) < 0)
		return -1;
	limit = (d & 0xffff) | (d >> 32 & 0xf0000);
	*seg = (struct kvm_segment){
		.base = (d >> 16 & 0xffffff) | (d >> 56 & 0xff) << 24,
		.limit = (uint32_t)(d >> 55 & 1 ? limit << 12 | 0xfff : limit),
		.selector = sel,
		.type = d >> 40 & 0xf, .s = d >> 44 & 1, .dpl = d >> 45 & 3,
		.present = d >> 47 & 1, .avl = d >> 52 & 1, .l = d >> 53 & 1,
		.db = d >> 54 & 1, .g = d >> 55 & 1,
	};
	return 0;
}

/* hvrun's PV exception stubs (src/loader/pv.c): 32 of 16 bytes, then the
 * common part that makes the fault hypercall. */
#define PV_STUB_SIZE	16
#define PV_STUBS_END	(PV_STUBS + 32 * PV_STUB_SIZE + 64)

static bool in_pv_stubs(struct gdbstub *g, uint64_t rip)
{
	return g->vm->pv && rip >= PV_STUBS && rip < PV_STUBS_END;
}

/*
 * Put the vCPU back where the CPU was when it took an exception into a PV
 * stub: RIP, CS, RFLAGS, RSP and SS from the interrupt frame at guest
 * virtual `frame_va`. No other register is restored. Clears TF if the
 * stub set it for an emulated step (`our_tf`).
 */
static int pv_restore_frame(struct gdbstub *g, struct vcpu *v,
			    struct kvm_regs *r, uint64_t frame_va, bool our_tf)
{
	struct kvm_sregs s;
	uint64_t frame[5], gpa;

	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0 ||
	    translate_on(g, v, frame_va, &gpa) < 0 ||
	    mem_read(&g->vm->mem, frame, gpa, sizeof(frame)) < 0 ||
	    load_segment(g, &s, (uint16_t)frame[1], &s.cs) < 0 ||
	    load_segment(g, &s, (uint16_t)frame[4], &s.ss) < 0)
		return -1;
	r->rip = frame[0];
	r->rflags = our_tf ? frame[2] & ~0x100ULL : frame[2];
	r->rsp = frame[3];
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0 || set_regs(v, r) < 0) {
		log_warn("gdb: cannot undo an exception on vCPU %d: %s", v->id,
			 strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * kvm_pvm: a #DB (our step) from CPL 3 went to hvrun's PV stubs, and the
 * step trapped after the stub's first instruction (push $0, over the
 * interrupt frame). Undo the delivery, as if the CPU were still at CPL 3:
 * no register but RSP has changed yet. A #BP (the guest's own int3) is
 * left to go on to the stub's report. Returns 0, or -1 if RIP is not there.
 */
static int pv_unwind_step(struct gdbstub *g, struct vcpu *v,
			  struct kvm_regs *r)
{
	struct kvm_guest_debug dbg = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP,
	};

	if (!in_pv_stubs(g, r->rip) || r->rip != PV_STUBS + PV_STUB_SIZE + 2 ||
	    pv_restore_frame(g, v, r, r->rsp + 8, true) < 0)
		return -1;
	/* Moving RIP drops the step's TF: arm it again (see rearm_step). */
	if (ioctl(v->fd, KVM_SET_GUEST_DEBUG, &dbg) < 0) {
		log_warn("gdb: cannot re-arm the step on vCPU %d: %s", v->id,
			 strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * A PV fault: the stub's common part is at the fault hypercall, its stack
 * [vector, error, rip, cs, rflags, rsp, ss]. Unwind it so that gdb sees
 * the faulting instruction. RAX, RDI, RSI, RDX and R10 keep the stub's
 * values (it clobbered them); the rest are the guest's, enough for a
 * backtrace. Returns the vector, or -1 if this is no PV fault.
 */
static int pv_unwind_fault(struct gdbstub *g, struct vcpu *v)
{
	struct kvm_regs r;
	uint64_t vec, gpa;

	if (get_regs(v, &r) < 0 || !in_pv_stubs(g, r.rip) ||
	    r.rip < PV_STUBS + 32 * PV_STUB_SIZE ||
	    translate_on(g, v, r.rsp, &gpa) < 0 ||
	    mem_read(&g->vm->mem, &vec, gpa, sizeof(vec)) < 0 || vec >= 32)
		return -1;
	if (pv_restore_frame(g, v, &r, r.rsp + 16, g->step_armed[v->id]) < 0)
		return -1;
	return (int)vec;
}

static bool watch_hit(struct gdbstub *g, struct vcpu *v, int *slot)
{
	for (int i = 0; i < NR_HW_BP; i++) {
		uint64_t gpa, val = 0;

		if (!g->hw[i].used || g->hw[i].type == 1 ||
		    translate_on(g, v, g->hw[i].addr, &gpa) < 0 ||
		    mem_read(&g->vm->mem, &val, gpa, g->hw[i].len) < 0)
			continue;
		if (val != g->watch_val[i]) {
			g->watch_val[i] = val;
			*slot = i;
			return true;
		}
	}
	return false;
}

/* Stop reply names of watchpoint types (Z2 write, Z3 read, Z4 access);
 * x86 cannot watch reads alone, so a read watchpoint is an access one. */
static const char *const watch_names[] = {
	[2] = "watch", [3] = "awatch", [4] = "awatch",
};

/* Emulated mode: after each single-step, should the guest stop here? */
static bool emulated_stop(struct gdbstub *g, struct vcpu *v, char *extra,
			  size_t size)
{
	struct kvm_regs r;
	int slot;

	if (get_regs(v, &r) < 0)
		return true;
	/* Inside a stub but for our step's #DB: the guest's own int3 or a
	 * fault. Step on to its report, which stops into gdb. */
	if (pv_unwind_step(g, v, &r) < 0 && in_pv_stubs(g, r.rip))
		return false;
	if (g->stepping[v->id])
		return true;
	for (int i = 0; i < MAX_SW_BP && g->nr_sw; i++)
		if (g->sw[i].used && g->sw[i].addr == r.rip) {
			snprintf(extra, size, "swbreak:;");
			return true;
		}
	for (int i = 0; i < NR_HW_BP && g->nr_hw; i++)
		if (g->hw[i].used && g->hw[i].type == 1 &&
		    g->hw[i].addr == r.rip) {
			snprintf(extra, size, "hwbreak:;");
			return true;
		}
	if (g->nr_hw && watch_hit(g, v, &slot)) {
		snprintf(extra, size, "%s:%llx;", watch_names[g->hw[slot].type],
			 (unsigned long long)g->hw[slot].addr);
		return true;
	}
	return false;
}

static struct sw_bp *find_sw(struct gdbstub *g, uint64_t addr);

/*
 * The guest's own int3, not one of gdb's: hand the #BP back to the guest
 * (as QEMU does), so it sees what it would without gdb: its handler, or
 * for a PV guest the stub's report, which stops into gdb as a crash.
 * RIP is still at the int3; KVM kept the instruction length for this.
 */
static int reinject_bp(struct vcpu *v)
{
	struct kvm_vcpu_events ev;

	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
		return -1;
	ev.exception.injected = 1;
	ev.exception.pending = 0;
	ev.exception.nr = 3;
	ev.exception.has_error_code = 0;
	ev.exception.error_code = 0;
	return ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev);
}

/* If the #BP cannot go back: gdb sees SIGTRAP after it, as for a process. */
static void skip_int3(struct vcpu *v)
{
	struct kvm_regs r;

	log_warn("gdb: cannot re-inject vCPU %d's int3 (%s): stopping after it",
		 v->id, strerror(errno));
	if (get_regs(v, &r) == 0) {
		r.rip++;
		set_regs(v, &r);
	}
}

void gdbstub_debug_exit(struct gdbstub *g, struct vcpu *v)
{
	struct kvm_debug_exit_arch *d = &v->run->debug.arch;
	char extra[48] = "";
	int hw;

	log_info(3, "gdb: vCPU %d debug exit, exception %u, pc 0x%llx, dr6 0x%llx",
		 v->id, d->exception, (unsigned long long)d->pc,
		 (unsigned long long)d->dr6);
	/* Breakpoint tables only change while this thread is parked. */
	if (g->emulate) {
		bool stop = emulated_stop(g, v, extra, sizeof(extra));

		step_unlock(g, v);
		if (!stop)
			return;
	} else if (d->exception == 3 && find_sw(g, d->pc)) {
		snprintf(extra, sizeof(extra), "swbreak:;");
	} else if (d->exception == 3) {
		if (reinject_bp(v) == 0)
			return;
		skip_int3(v);
	} else if (d->exception == 1 && (hw = find_hw_hit(g, d->dr6)) >= 0) {
		if (g->hw[hw].type == 1)
			snprintf(extra, sizeof(extra), "hwbreak:;");
		else
			snprintf(extra, sizeof(extra), "%s:%llx;",
				 watch_names[g->hw[hw].type],
				 (unsigned long long)g->hw[hw].addr);
	}
	pthread_mutex_lock(&g->lock);
	/* If another vCPU stopped the guest first, a breakpoint hits again
	 * on resume: RIP still points at the int3. */
	request_stop(g, v->id, GDB_SIGTRAP, extra);
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
	vec = pv_unwind_fault(g, v);
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
			request_stop(g, v->id, sig, "");
			told = true;
		}
		pthread_mutex_unlock(&g->lock);
		gdbstub_park(g, v);
	}
}

/* Backend, STOPPED: apply breakpoints and stepping to every vCPU. */
static int apply_debug(struct gdbstub *g, int step)
{
	struct vm *vm = g->vm;
	struct kvm_guest_debug dbg;
	bool step_all = g->emulate && (g->nr_sw || g->nr_hw);
	int ret = 0;

	for (int i = 0; i < vm->nr_vcpus; i++) {
		g->stepping[i] = i == step;
		g->step_armed[i] = false;
		memset(&dbg, 0, sizeof(dbg));
		if (g->attached && g->can_debug && g->emulate) {
			if (i == step || step_all)
				dbg.control = KVM_GUESTDBG_ENABLE |
					      KVM_GUESTDBG_SINGLESTEP;
			g->step_armed[i] = dbg.control != 0;
		} else if (g->attached && g->can_debug) {
			dbg.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP;
			dbg.arch.debugreg[7] = 0x600;
			for (int n = 0; n < NR_HW_BP; n++) {
				static const unsigned rw[] = { 0, 0, 1, 3, 3 };
				const struct hw_bp *h = &g->hw[n];
				unsigned len = h->len == 8 ? 2 : h->len == 4 ? 3 :
					       h->len == 2 ? 1 : 0;

				if (!h->used)
					continue;
				dbg.control |= KVM_GUESTDBG_USE_HW_BP;
				dbg.arch.debugreg[n] = h->addr;
				dbg.arch.debugreg[7] |= (2ULL << (n * 2)) |
					((uint64_t)rw[h->type] << (16 + n * 4)) |
					((uint64_t)(h->type == 1 ? 0 : len) << (18 + n * 4));
			}
			if (i == step) {
				dbg.control |= KVM_GUESTDBG_SINGLESTEP;
				if (g->blockirq)
					dbg.control |= KVM_GUESTDBG_BLOCKIRQ;
			}
		}
		if (ioctl(vm->vcpus[i].fd, KVM_SET_GUEST_DEBUG, &dbg) < 0) {
			log_warn("gdb: KVM_SET_GUEST_DEBUG on vCPU %d: %s", i,
				 strerror(errno));
			ret = -1;
		}
	}
	return ret;
}

/* Backend, STOPPED: let vCPU `step` single-step, others run if `all`. */
static void resume(struct gdbstub *g, int step, bool all)
{
	struct vm *vm = g->vm;

	apply_debug(g, step);
	pthread_mutex_lock(&g->lock);
	g->state = RUNNING;
	for (int i = 0; i < vm->nr_vcpus; i++)
		atomic_store(&g->go[i], all || i == step);
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

/* ---- guest state ----------------------------------------------------- */

static struct vcpu *cur_vcpu(struct gdbstub *g)
{
	return &g->vm->vcpus[g->cur];
}

static int get_regs(struct vcpu *v, struct kvm_regs *r)
{
	return ioctl(v->fd, KVM_GET_REGS, r);
}

static int set_regs(struct vcpu *v, const struct kvm_regs *r)
{
	if (ioctl(v->fd, KVM_SET_REGS, r) < 0)
		return -1;
	/* Keep the synced copy the hypercall path reads in step. */
	if (v->run->kvm_valid_regs & KVM_SYNC_X86_REGS) {
		v->run->s.regs.regs = *r;
		v->run->kvm_dirty_regs &= ~(uint64_t)KVM_SYNC_X86_REGS;
	}
	return 0;
}

/* Walk the guest's 4-level page tables when KVM_TRANSLATE is missing. */
static int walk_tables(struct gdbstub *g, struct vcpu *v, uint64_t gva,
		       uint64_t *gpa)
{
	struct kvm_sregs s;
	uint64_t table, e;

	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -1;
	if (!(s.cr0 & (1ULL << 31))) {
		*gpa = gva;
		return 0;
	}
	if (!(s.efer & (1ULL << 10)))
		return -1;	/* 32-bit paging: KVM_TRANSLATE or nothing */
	table = s.cr3 & 0x000ffffffffff000ULL;
	for (int level = 3; level >= 0; level--) {
		unsigned idx = (unsigned)(gva >> (12 + 9 * level)) & 511;

		if (mem_read(&g->vm->mem, &e, table + idx * 8, 8) < 0 ||
		    !(e & 1))
			return -1;
		if (level && level < 3 && (e & 0x80)) {
			uint64_t size = 1ULL << (12 + 9 * level);

			*gpa = (e & 0x000ffffffffff000ULL & ~(size - 1)) |
			       (gva & (size - 1));
			return 0;
		}
		table = e & 0x000ffffffffff000ULL;
	}
	*gpa = table | (gva & 0xfff);
	return 0;
}

static int translate_on(struct gdbstub *g, struct vcpu *v, uint64_t gva,
			uint64_t *gpa)
{
	struct kvm_translation t = { .linear_address = gva };

	if (ioctl(v->fd, KVM_TRANSLATE, &t) == 0) {
		if (!t.valid)
			return -1;
		*gpa = t.physical_address;
		return 0;
	}
	return walk_tables(g, v, gva, gpa);
}

static int translate(struct gdbstub *g, uint64_t gva, uint64_t *gpa)
{
	return translate_on(g, cur_vcpu(g), gva, gpa);
}

/* Host pointer for [gva, gva + len) within one guest page, or NULL. */
static uint8_t *gva_ptr(struct gdbstub *g, uint64_t gva, uint64_t len)
{
	uint64_t gpa;

	if (translate(g, gva, &gpa) < 0)
		return NULL;
	return mem_ptr(&g->vm->mem, gpa, len);
}

static uint64_t page_chunk(uint64_t addr, uint64_t len)
{
	uint64_t left = PAGE_SIZE - (addr & (PAGE_SIZE - 1));

	return len < left ? len : left;
}

/* Copy guest virtual memory out; returns bytes read (short at a hole). */
static uint64_t read_virt(struct gdbstub *g, uint64_t gva, uint8_t *dst,
			  uint64_t len)
{
	uint64_t done = 0;

	while (done < len) {
		uint64_t n = page_chunk(gva + done, len - done);
		uint8_t *p = gva_ptr(g, gva + done, n);

		if (!p)
			break;
		memcpy(dst + done, p, n);
		done += n;
	}
	return done;
}

/* All or nothing: every page is checked before the first byte changes. */
static int write_virt(struct gdbstub *g, uint64_t gva, const uint8_t *src,
		      uint64_t len)
{
	uint64_t done;

	for (done = 0; done < len; done += page_chunk(gva + done, len - done))
		if (!gva_ptr(g, gva + done, page_chunk(gva + done, len - done)))
			return -1;
	for (done = 0; done < len;) {
		uint64_t n = page_chunk(gva + done, len - done);

		memcpy(gva_ptr(g, gva + done, n), src + done, n);
		done += n;
	}
	return 0;
}

/* ---- registers --------------------------------------------------------- */

/*
 * One fixed amd64 description whatever mode the guest is in, so the 'g'
 * packet never changes size. Remote register numbers follow this order.
 */
static const char target_xml[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
	"<target version=\"1.0\">\n"
	"<architecture>i386:x86-64</architecture>\n"
	"<feature name=\"org.gnu.gdb.i386.core\">\n"
	"<flags id=\"i386_eflags\" size=\"4\">\n"
	"<field name=\"CF\" start=\"0\" end=\"0\"/>\n"
	"<field name=\"PF\" start=\"2\" end=\"2\"/>\n"
	"<field name=\"AF\" start=\"4\" end=\"4\"/>\n"
	"<field name=\"ZF\" start=\"6\" end=\"6\"/>\n"
	"<field name=\"SF\" start=\"7\" end=\"7\"/>\n"
	"<field name=\"TF\" start=\"8\" end=\"8\"/>\n"
	"<field name=\"IF\" start=\"9\" end=\"9\"/>\n"
	"<field name=\"DF\" start=\"10\" end=\"10\"/>\n"
	"<field name=\"OF\" start=\"11\" end=\"11\"/>\n"
	"</flags>\n"
	"<reg name=\"rax\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rbx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rcx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rdx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rsi\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rdi\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rbp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
	"<reg name=\"rsp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
	"<reg name=\"r8\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r9\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r10\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r11\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r12\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r13\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r14\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r15\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/>\n"
	"<reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\"/>\n"
	"<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"ss\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"ds\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"es\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"fs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"gs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st1\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st3\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st5\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st7\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"</feature>\n"
	"<feature name=\"org.gnu.gdb.i386.sse\">\n"
	"<reg name=\"xmm0\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm1\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm2\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm3\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm4\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm5\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm6\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm7\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm8\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm9\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm10\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm11\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm12\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm13\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm14\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm15\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"mxcsr\" bitsize=\"32\" type=\"int\" group=\"vector\"/>\n"
	"</feature>\n"
	"<feature name=\"org.gnu.gdb.i386.segments\">\n"
	"<reg name=\"fs_base\" bitsize=\"64\" type=\"int\"/>\n"
	"<reg name=\"gs_base\" bitsize=\"64\" type=\"int\"/>\n"
	"</feature>\n"
	"<feature name=\"org.hvrun.x86.control\">\n"
	"<reg name=\"cr0\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"<reg name=\"cr2\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"<reg name=\"cr3\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"<reg name=\"cr4\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"<reg name=\"efer\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"</feature>\n"
	"</target>\n";

enum {
	GR_RIP = 16, GR_EFLAGS, GR_CS, GR_GS = 23, GR_ST0,
	GR_FCTRL = 32, GR_XMM0 = 40, GR_MXCSR = 56, GR_FS_BASE,
	GR_GS_BASE, GR_CR0, GR_CR2, GR_CR3, GR_CR4, GR_EFER, GR_NR,
};

static unsigned reg_size(int n)
{
	if (n < GR_EFLAGS)
		return 8;
	if (n < GR_ST0)
		return 4;
	if (n < GR_FCTRL)
		return 10;
	if (n < GR_XMM0)
		return 4;
	if (n < GR_MXCSR)
		return 16;
	if (n == GR_MXCSR)
		return 4;
	return 8;
}

struct cpu_state {
	struct kvm_regs r;
	struct kvm_sregs s;
};

static int get_state(struct vcpu *v, struct cpu_state *st)
{
	if (get_regs(v, &st->r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &st->s) < 0)
		return -1;
	return 0;
}

/* Register n as little-endian bytes; x87 and SSE state reads as zero. */
static void reg_value(const struct cpu_state *st, int n, uint8_t *out)
{
	const struct kvm_regs *r = &st->r;
	const struct kvm_sregs *s = &st->s;
	const uint64_t gpr[16] = {
		r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp, r->rsp,
		r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
	};
	const uint16_t seg[6] = {
		s->cs.selector, s->ss.selector, s->ds.selector,
		s->es.selector, s->fs.selector, s->gs.selector,
	};
	uint64_t v = 0;

	memset(out, 0, reg_size(n));
	if (n < 16)
		v = gpr[n];
	else if (n == GR_RIP)
		v = r->rip;
	else if (n == GR_EFLAGS)
		v = r->rflags;
	else if (n >= GR_CS && n <= GR_GS)
		v = seg[n - GR_CS];
	else if (n == GR_FS_BASE)
		v = s->fs.base;
	else if (n == GR_GS_BASE)
		v = s->gs.base;
	else if (n == GR_CR0)
		v = s->cr0;
	else if (n == GR_CR2)
		v = s->cr2;
	else if (n == GR_CR3)
		v = s->cr3;
	else if (n == GR_CR4)
		v = s->cr4;
	else if (n == GR_EFER)
		v = s->efer;
	for (unsigned i = 0; i < 8 && i < reg_size(n); i++)
		out[i] = (uint8_t)(v >> (8 * i));
}

/* Writes reach the GPRs, RIP and RFLAGS; the rest is read-only here. */
static void reg_store(struct cpu_state *st, int n, const uint8_t *in)
{
	struct kvm_regs *r = &st->r;
	__u64 *gpr[16] = {
		&r->rax, &r->rbx, &r->rcx, &r->rdx, &r->rsi, &r->rdi, &r->rbp,
		&r->rsp, &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13,
		&r->r14, &r->r15,
	};
	uint64_t v = 0;

	for (unsigned i = 0; i < 8 && i < reg_size(n); i++)
		v |= (uint64_t)in[i] << (8 * i);
	if (n < 16)
		*gpr[n] = v;
	else if (n == GR_RIP)
		r->rip = v;
	else if (n == GR_EFLAGS)
		r->rflags = (uint32_t)v | 2;	/* bit 1 is always set */
}

/* ---- output ------------------------------------------------------------- */

static void send_raw(struct gdbstub *g, const void *p, size_t len)
{
	if (g->bev)
		bufferevent_write(g->bev, p, len);
}

static void send_packet(struct gdbstub *g, const void *payload, size_t len)
{
	g->frame_len = gdb_frame(g->frame, sizeof(g->frame), payload, len);
	if (!g->frame_len) {
		g->frame_len = gdb_frame(g->frame, sizeof(g->frame), "E01", 3);
		log_warn("gdb: reply too long, sent an error");
	}
	send_raw(g, g->frame, g->frame_len);
}

static void send_str(struct gdbstub *g, const char *s)
{
	send_packet(g, s, strlen(s));
}

static void send_stop_reply(struct gdbstub *g)
{
	char buf[96];

	snprintf(buf, sizeof(buf), "T%02xthread:%02x;%s", g->stop_sig,
		 g->stop_vcpu + 1, g->stop_extra);
	send_str(g, buf);
}

/* ---- packets ------------------------------------------------------------ */

static void cmd_read_regs(struct gdbstub *g)
{
	struct cpu_state st;
	uint8_t val[16];
	char *p = g->reply;

	if (get_state(cur_vcpu(g), &st) < 0) {
		send_str(g, "E01");
		return;
	}
	for (int n = 0; n < GR_NR; n++) {
		reg_value(&st, n, val);
		gdb_hex_encode(p, val, reg_size(n));
		p += 2 * reg_size(n);
	}
	send_packet(g, g->reply, (size_t)(p - g->reply));
}

static void cmd_write_regs(struct gdbstub *g, const char *hex)
{
	struct cpu_state st;
	uint8_t val[16];
	struct vcpu *v = cur_vcpu(g);

	if (get_state(v, &st) < 0) {
		send_str(g, "E01");
		return;
	}
	/* gdb may send fewer registers than it read: take what is there. */
	for (int n = 0; n < GR_NR && strlen(hex) >= 2 * reg_size(n); n++) {
		if (gdb_hex_decode(hex, val, reg_size(n)) < 0) {
			send_str(g, "E01");
			return;
		}
		reg_store(&st, n, val);
		hex += 2 * reg_size(n);
	}
	send_str(g, set_regs(v, &st.r) < 0 ? "E01" : "OK");
}

static void cmd_read_reg(struct gdbstub *g, const char *args)
{
	struct cpu_state st;
	uint64_t n;
	uint8_t val[16];

	if (gdb_parse_hex(&args, &n) < 0 || *args || n >= GR_NR) {
		send_str(g, "E01");
		return;
	}
	if (get_state(cur_vcpu(g), &st) < 0) {
		send_str(g, "E01");
		return;
	}
	reg_value(&st, (int)n, val);
	gdb_hex_encode(g->reply, val, reg_size((int)n));
	send_str(g, g->reply);
}

static void cmd_write_reg(struct gdbstub *g, const char *args)
{
	struct cpu_state st;
	struct vcpu *v = cur_vcpu(g);
	uint64_t n;
	uint8_t val[16];

	if (gdb_parse_hex(&args, &n) < 0 || *args++ != '=' || n >= GR_NR ||
	    strlen(args) != 2 * reg_size((int)n) ||
	    gdb_hex_decode(args, val, reg_size((int)n)) < 0) {
		send_str(g, "E01");
		return;
	}
	if (get_state(v, &st) < 0) {
		send_str(g, "E01");
		return;
	}
	reg_store(&st, (int)n, val);
	send_str(g, set_regs(v, &st.r) < 0 ? "E01" : "OK");
}

static void cmd_read_mem(struct gdbstub *g, const char *args)
{
	static uint8_t buf[GDB_MAX_PACKET / 2];
	uint64_t addr, len, got;

	if (gdb_parse_addr_len(args, '\0', &addr, &len, NULL) < 0) {
		send_str(g, "E01");
		return;
	}
	if (len > sizeof(buf))
		len = sizeof(buf);	/* gdb accepts a short read */
	got = read_virt(g, addr, buf, len);
	if (!got && len) {
		send_str(g, "E14");
		return;
	}
	gdb_hex_encode(g->reply, buf, got);
	send_str(g, g->reply);
}

static void cmd_write_mem(struct gdbstub *g, char *args, size_t len,
			  bool binary)
{
	uint8_t *data;
	uint64_t addr, n;
	const char *rest;
	long have;

	if (gdb_parse_addr_len(args, ':', &addr, &n, &rest) < 0) {
		send_str(g, "E01");
		return;
	}
	data = (uint8_t *)args + (rest - args);
	have = (long)(len - (size_t)(rest - args));
	if (binary)
		have = gdb_unescape(data, (size_t)have);
	else if ((uint64_t)have != 2 * n ||
		 gdb_hex_decode((char *)data, data, n) < 0)
		have = -1;
	else
		have = (long)n;
	if (have < 0 || (uint64_t)have != n) {
		send_str(g, "E01");
		return;
	}
	send_str(g, write_virt(g, addr, data, n) < 0 ? "E14" : "OK");
}

static struct sw_bp *find_sw(struct gdbstub *g, uint64_t addr)
{
	for (int i = 0; i < MAX_SW_BP; i++)
		if (g->sw[i].used && g->sw[i].addr == addr)
			return &g->sw[i];
	return NULL;
}

static const char *insert_sw(struct gdbstub *g, uint64_t addr)
{
	struct sw_bp *b = find_sw(g, addr);
	uint64_t gpa;
	uint8_t *p;

	if (b)
		return "OK";
	for (int i = 0; i < MAX_SW_BP && !b; i++)
		if (!g->sw[i].used)
			b = &g->sw[i];
	if (!b)
		return "E28";	/* ENOSPC */
	if (translate(g, addr, &gpa) < 0 || !(p = mem_ptr(&g->vm->mem, gpa, 1)))
		return "E14";
	b->used = true;
	b->addr = addr;
	b->gpa = gpa;
	b->orig = *p;
	if (!g->emulate)
		*p = 0xcc;
	g->nr_sw++;
	return "OK";
}

static void remove_sw(struct gdbstub *g, struct sw_bp *b)
{
	uint8_t *p = mem_ptr(&g->vm->mem, b->gpa, 1);

	/* Only undo our own int3: the guest may have rewritten the byte. */
	if (p && *p == 0xcc && !g->emulate)
		*p = b->orig;
	b->used = false;
	g->nr_sw--;
}

static uint64_t watch_value(struct gdbstub *g, uint64_t addr, uint64_t len)
{
	uint64_t val = 0;

	read_virt(g, addr, (uint8_t *)&val, len);
	return val;
}

static const char *insert_hw(struct gdbstub *g, int type, uint64_t addr,
			     uint64_t len)
{
	if (type != 1 && len != 1 && len != 2 && len != 4 && len != 8)
		return "E22";
	if (type != 1 && (addr & (len - 1)))
		return "E22";	/* debug registers need aligned ranges */
	for (int i = 0; i < NR_HW_BP; i++) {
		if (g->hw[i].used)
			continue;
		g->hw[i] = (struct hw_bp){ true, type, addr, len };
		g->nr_hw++;
		if (g->emulate && type != 1)
			g->watch_val[i] = watch_value(g, addr, len);
		return "OK";
	}
	return "E28";
}

static const char *remove_hw(struct gdbstub *g, int type, uint64_t addr)
{
	for (int i = 0; i < NR_HW_BP; i++)
		if (g->hw[i].used && g->hw[i].type == type &&
		    g->hw[i].addr == addr) {
			g->hw[i].used = false;
			g->nr_hw--;
			return "OK";
		}
	return "E22";
}

static void cmd_break(struct gdbstub *g, const char *args, bool insert)
{
	int type;
	uint64_t addr, kind;
	struct sw_bp *b;

	if (gdb_parse_break(args, &type, &addr, &kind) < 0) {
		send_str(g, "E01");
		return;
	}
	if (!g->can_debug) {
		send_str(g, "E01");
		return;
	}
	/* Emulated watchpoints compare values: they cannot see reads. */
	if (g->emulate && (type == 3 || type == 4)) {
		send_str(g, "");
		return;
	}
	if (type != 0) {
		send_str(g, insert ? insert_hw(g, type, addr, kind) :
			 remove_hw(g, type, addr));
		return;
	}
	if (insert) {
		send_str(g, insert_sw(g, addr));
		return;
	}
	b = find_sw(g, addr);
	if (b)
		remove_sw(g, b);
	send_str(g, "OK");
}

static void remove_all_breakpoints(struct gdbstub *g)
{
	for (int i = 0; i < MAX_SW_BP; i++)
		if (g->sw[i].used)
			remove_sw(g, &g->sw[i]);
	memset(g->hw, 0, sizeof(g->hw));
	g->nr_hw = 0;
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

static void cmd_set_thread(struct gdbstub *g, const char *args)
{
	long tid;
	int id;

	if ((*args != 'g' && *args != 'c') ||
	    gdb_parse_thread(args + 1, &tid, &args) < 0 || *args ||
	    (id = thread_vcpu(g, tid)) < 0) {
		send_str(g, "E01");
		return;
	}
	/* Hc only matters for the old s/c packets, which step g->cur. */
	g->cur = id;
	send_str(g, "OK");
}

static void cmd_thread_alive(struct gdbstub *g, const char *args)
{
	long tid;

	if (gdb_parse_thread(args, &tid, &args) < 0 || *args || tid <= 0 ||
	    tid > g->vm->nr_vcpus) {
		send_str(g, "E01");
		return;
	}
	send_str(g, "OK");
}

/* Step one vCPU, or continue all; others stay parked while one steps. */
static void do_resume(struct gdbstub *g, int step)
{
	if (step >= 0 && !g->can_debug) {
		send_str(g, "E01");
		return;
	}
	g->reply_pending = true;
	resume(g, step, step < 0);
}

/*
 * vCont;ACTION[:TID];... Stepping one thread while the default action
 * continues the others is honoured; a thread left without an action
 * stays stopped, as the protocol says.
 */
static void cmd_vcont(struct gdbstub *g, const char *args)
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
		send_str(g, "E01");
		return;
	}
	if (step < 0 && !all) {
		send_str(g, "OK");
		return;
	}
	g->reply_pending = true;
	resume(g, step, all);
	return;
bad:
	send_str(g, "E01");
}

static void cmd_xfer(struct gdbstub *g, const char *args)
{
	const char *prefix = "features:read:target.xml:";
	uint64_t off, len, size = sizeof(target_xml) - 1;

	if (strncmp(args, prefix, strlen(prefix)) ||
	    gdb_parse_addr_len(args + strlen(prefix), '\0', &off, &len, NULL) < 0) {
		send_str(g, "E00");
		return;
	}
	if (off >= size) {
		send_str(g, "l");
		return;
	}
	if (len > GDB_MAX_PACKET - 1)
		len = GDB_MAX_PACKET - 1;
	if (len > size - off)
		len = size - off;
	g->reply[0] = off + len < size ? 'm' : 'l';
	memcpy(g->reply + 1, target_xml + off, len);
	send_packet(g, g->reply, len + 1);
}

static void cmd_query(struct gdbstub *g, const char *p)
{
	char buf[128];
	long tid;

	if (!strncmp(p, "qSupported", 10)) {
		snprintf(buf, sizeof(buf),
			 "PacketSize=%x;qXfer:features:read+;vContSupported+;swbreak+;hwbreak+",
			 GDB_MAX_PACKET);
		send_str(g, buf);
	} else if (!strncmp(p, "qXfer:", 6)) {
		cmd_xfer(g, p + 6);
	} else if (!strcmp(p, "qfThreadInfo")) {
		char *o = g->reply;

		*o++ = 'm';
		for (int i = 0; i < g->vm->nr_vcpus; i++)
			o += sprintf(o, "%s%x", i ? "," : "", i + 1);
		send_str(g, g->reply);
	} else if (!strcmp(p, "qsThreadInfo")) {
		send_str(g, "l");
	} else if (!strcmp(p, "qC")) {
		snprintf(buf, sizeof(buf), "QC%x", g->cur + 1);
		send_str(g, buf);
	} else if (!strncmp(p, "qThreadExtraInfo,", 17)) {
		if (gdb_parse_thread(p + 17, &tid, &p) < 0 || *p || tid <= 0 ||
		    tid > g->vm->nr_vcpus) {
			send_str(g, "E01");
			return;
		}
		snprintf(buf, sizeof(buf), "vCPU %ld", tid - 1);
		gdb_hex_encode(g->reply, buf, strlen(buf));
		send_str(g, g->reply);
	} else if (!strncmp(p, "qAttached", 9)) {
		send_str(g, "1");
	} else {
		send_str(g, "");
	}
}

static void detach(struct gdbstub *g)
{
	remove_all_breakpoints(g);
	g->attached = false;
	g->reply_pending = false;
	if (g->state == STOPPED)
		resume(g, -1, true);
}

static void cmd_vpacket(struct gdbstub *g, const char *p)
{
	if (!strcmp(p, "vCont?")) {
		send_str(g, "vCont;c;C;s;S;t");
	} else if (!strncmp(p, "vCont;", 6)) {
		cmd_vcont(g, p + 5);
	} else if (!strncmp(p, "vKill", 5)) {
		send_str(g, "OK");
		vm_stop(g->vm, GDB_KILL_STATUS);
	} else {
		send_str(g, "");
	}
}

/* One verified packet, with every vCPU parked. */
static void handle_packet(struct gdbstub *g, char *p, size_t len)
{
	log_info(2, "gdb: <- %.*s", (int)(len > 80 ? 80 : len), p);
	switch (p[0]) {
	case '?':
		send_stop_reply(g);
		break;
	case 'g':
		cmd_read_regs(g);
		break;
	case 'G':
		cmd_write_regs(g, p + 1);
		break;
	case 'p':
		cmd_read_reg(g, p + 1);
		break;
	case 'P':
		cmd_write_reg(g, p + 1);
		break;
	case 'm':
		cmd_read_mem(g, p + 1);
		break;
	case 'M':
		cmd_write_mem(g, p + 1, len - 1, false);
		break;
	case 'X':
		cmd_write_mem(g, p + 1, len - 1, true);
		break;
	case 'Z':
	case 'z':
		cmd_break(g, p + 1, p[0] == 'Z');
		break;
	case 'c':
	case 'C':
		/* "c ADDR" resumes elsewhere: not supported, ignore ADDR. */
		do_resume(g, -1);
		break;
	case 's':
	case 'S':
		do_resume(g, g->cur);
		break;
	case 'H':
		cmd_set_thread(g, p + 1);
		break;
	case 'T':
		cmd_thread_alive(g, p + 1);
		break;
	case 'q':
		cmd_query(g, p);
		break;
	case 'v':
		cmd_vpacket(g, p);
		break;
	case 'D':
		send_str(g, "OK");
		detach(g);
		break;
	case 'k':
		vm_stop(g->vm, GDB_KILL_STATUS);
		break;
	default:
		send_str(g, "");
	}
}

/* ---- connection ------------------------------------------------------- */

static void drop_client(struct gdbstub *g, const char *why)
{
	log_info(1, "gdb: client %s", why);
	bufferevent_free(g->bev);
	g->bev = NULL;
	g->has_deferred = false;
	detach(g);
}

static void on_stopped(evutil_socket_t fd, short what, void *arg)
{
	struct gdbstub *g = arg;

	if (g->state != STOPPED)
		return;
	g->cur = g->stop_vcpu;
	/* The client left while the guest was stopping: let it run on. */
	if (!g->attached && !g->waiting) {
		resume(g, -1, true);
		return;
	}
	if (g->reply_pending) {
		g->reply_pending = false;
		send_stop_reply(g);
	}
	if (g->has_deferred) {
		g->has_deferred = false;
		handle_packet(g, g->deferred, g->deferred_len);
	}
	if (g->bev)
		process_input(g);
}

/* Returns false when the caller must stop reading (deferred or gone). */
static bool handle_event(struct gdbstub *g, enum gdb_rx_event ev)
{
	switch (ev) {
	case GDB_RX_PACKET:
		send_raw(g, "+", 1);
		if (g->state != STOPPED) {
			memcpy(g->deferred, g->rx.buf, g->rx.len + 1);
			g->deferred_len = g->rx.len;
			g->has_deferred = true;
			return false;
		}
		handle_packet(g, g->rx.buf, g->rx.len);
		return !atomic_load(&g->vm->stopping);
	case GDB_RX_BADSUM:
		send_raw(g, "-", 1);
		break;
	case GDB_RX_NAK:
		send_raw(g, g->frame, g->frame_len);
		break;
	case GDB_RX_INTERRUPT:
		pthread_mutex_lock(&g->lock);
		if (g->state == RUNNING) {
			g->reply_pending = true;
			request_stop(g, g->cur, GDB_SIGINT, "");
		}
		pthread_mutex_unlock(&g->lock);
		break;
	case GDB_RX_OVERFLOW:
		log_warn("gdb: oversized packet, dropping the client");
		drop_client(g, "dropped");
		return false;
	default:
		break;
	}
	return true;
}

static void process_input(struct gdbstub *g)
{
	struct evbuffer *in;
	size_t n, i;
	unsigned char *p;
	bool more = true;

	while (more && g->bev && !g->has_deferred) {
		in = bufferevent_get_input(g->bev);
		n = evbuffer_get_contiguous_space(in);
		if (!n)
			return;
		p = evbuffer_pullup(in, (ssize_t)n);
		for (i = 0; more && i < n; i++)
			more = handle_event(g, gdb_rx_byte(&g->rx, p[i]));
		if (g->bev)
			evbuffer_drain(bufferevent_get_input(g->bev), i);
	}
}

static void on_read(struct bufferevent *bev, void *arg)
{
	process_input(arg);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		drop_client(arg, "disconnected");
}

/* Can this KVM debug guests? Probed on a vCPU that is not running. */
static void probe_debug(struct gdbstub *g)
{
	struct kvm_guest_debug dbg = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP,
	};
	int fd = g->vm->vcpus[0].fd;

	g->can_debug = ioctl(fd, KVM_SET_GUEST_DEBUG, &dbg) == 0;
	if (!g->can_debug) {
		log_warn("gdb: this KVM cannot debug guests (KVM_SET_GUEST_DEBUG: %s): no breakpoints or stepping",
			 strerror(errno));
		return;
	}
	memset(&dbg, 0, sizeof(dbg));
	ioctl(fd, KVM_SET_GUEST_DEBUG, &dbg);
	/* Asked for, not detected: a KVM whose debug traps go to the guest
	 * (pagetable-based KVM delivers a CPL 3 #BP/#DB to its IDT) looks
	 * like one that works until the first breakpoint. */
	g->emulate = g->vm->cfg->gdb_step_bp;
	if (g->emulate)
		log_info(1, "gdb: breakpoints and watchpoints are emulated by single-stepping");
#ifdef KVM_CAP_SET_GUEST_DEBUG2
	g->blockirq = (ioctl(g->vm->kvm_fd, KVM_CHECK_EXTENSION,
			     KVM_CAP_SET_GUEST_DEBUG2) &
		       KVM_GUESTDBG_BLOCKIRQ) != 0;
#endif
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd,
		      struct sockaddr *sa, int socklen, void *arg)
{
	struct gdbstub *g = arg;
	int one = 1;

	if (g->bev) {
		log_info(1, "gdb: refusing a second client");
		evutil_closesocket(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	evutil_make_socket_nonblocking(fd);
	g->bev = bufferevent_socket_new(evconnlistener_get_base(l), fd,
					BEV_OPT_CLOSE_ON_FREE);
	if (!g->bev) {
		evutil_closesocket(fd);
		return;
	}
	bufferevent_setcb(g->bev, on_read, NULL, on_event, g);
	bufferevent_enable(g->bev, EV_READ | EV_WRITE);
	gdb_rx_init(&g->rx);
	g->frame_len = 0;
	g->attached = true;
	g->waiting = false;
	g->reply_pending = false;
	log_info(1, "gdb: client connected");
	/* gdb expects a stopped target: it asks '?' first. */
	pthread_mutex_lock(&g->lock);
	request_stop(g, g->cur, GDB_SIGTRAP, "");
	pthread_mutex_unlock(&g->lock);
}

static struct evconnlistener *listen_on(struct gdbstub *g)
{
	const struct vm_config *cfg = g->vm->cfg;
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(cfg->gdb_port),
	};

	if (inet_pton(AF_INET, cfg->gdb_host, &sin.sin_addr) != 1)
		return NULL;
	return evconnlistener_new_bind(backend_base(g->vm->backend), on_accept,
				       g, LEV_OPT_CLOSE_ON_FREE |
				       LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
				       1, (struct sockaddr *)&sin, sizeof(sin));
}

struct gdbstub *gdbstub_new(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct gdbstub *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->vm = vm;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	g->go = calloc((size_t)vm->nr_vcpus, sizeof(*g->go));
	g->parked = calloc((size_t)vm->nr_vcpus, sizeof(*g->parked));
	g->stepping = calloc((size_t)vm->nr_vcpus, sizeof(*g->stepping));
	g->step_armed = calloc((size_t)vm->nr_vcpus, sizeof(*g->step_armed));
	g->step_locked = calloc((size_t)vm->nr_vcpus, sizeof(*g->step_locked));
	pthread_mutex_init(&g->step_lock, NULL);
	if (!g->go || !g->parked || !g->stepping || !g->step_armed ||
	    !g->step_locked)
		goto fail;
	/* --gdb-wait: vCPU 0 parks before its first instruction. */
	g->state = cfg->gdb_wait ? STOPPING : RUNNING;
	g->waiting = cfg->gdb_wait;
	g->stop_sig = GDB_SIGTRAP;
	for (int i = 0; i < vm->nr_vcpus; i++)
		atomic_init(&g->go[i], !cfg->gdb_wait);
	g->stopped_ev = event_new(backend_base(vm->backend), -1, 0, on_stopped, g);
	if (!g->stopped_ev)
		goto fail;
	probe_debug(g);
	g->listener = listen_on(g);
	if (!g->listener) {
		log_err("cannot listen for gdb on %s:%u: %s", cfg->gdb_host,
			cfg->gdb_port, strerror(errno));
		goto fail;
	}
	if (cfg->gdb_wait)
		log_warn("waiting for gdb on %s:%u", cfg->gdb_host, cfg->gdb_port);
	else
		log_info(1, "gdb: listening on %s:%u", cfg->gdb_host,
			 cfg->gdb_port);
	return g;
fail:
	gdbstub_free(g);
	return NULL;
}

/*
 * The loop has stopped: write what is still queued (a detach's "OK") and,
 * if gdb waits on a continue, tell it the guest exited. Directly, since
 * no loop will flush the bufferevent; the socket buffer has room.
 */
static void flush_client(struct gdbstub *g)
{
	struct evbuffer *out = bufferevent_get_output(g->bev);
	int fd = bufferevent_getfd(g->bev);
	struct evbuffer_iovec vec[4];
	char buf[8];
	int n;

	if (g->reply_pending) {
		snprintf(buf, sizeof(buf), "W%02x",
			 atomic_load(&g->vm->status) & 0xff);
		send_str(g, buf);
	}
	/* evbuffer_copyout refuses a bufferevent's frozen buffer; peek works. */
	n = evbuffer_peek(out, -1, NULL, vec, 4);
	if (n > 4)
		n = 4;
	for (int i = 0; i < n; i++)
		if (send(fd, vec[i].iov_base, vec[i].iov_len,
			 MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			log_info(1, "gdb: cannot send the last reply: %s",
				 strerror(errno));
			break;
		}
}

void gdbstub_free(struct gdbstub *g)
{

	if (!g)
		return;
	if (g->bev)
		flush_client(g);
	if (g->bev)
		bufferevent_free(g->bev);
	if (g->listener)
		evconnlistener_free(g->listener);
	if (g->stopped_ev)
		event_free(g->stopped_ev);
	free(g->go);
	free(g->parked);
	free(g->stepping);
	free(g->step_armed);
	free(g->step_locked);
	pthread_mutex_destroy(&g->step_lock);
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->cond);
	free(g);
}
