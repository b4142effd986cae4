/* The vCPU run loop: a switch over KVM exit reasons, nothing more. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "../log.h"
#include "../sandbox.h"
#include "../status.h"
#include "../vm.h"
#include "internal.h"
#include "vcpu.h"

/* Interrupts KVM_RUN; the handler only has to exist. */
#define SIG_KICK SIGUSR1

static void kick_handler(int sig)
{
	(void)sig;
}

int vcpu_signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;	/* no SA_RESTART: KVM_RUN returns EINTR */
	sigemptyset(&sa.sa_mask);
	return sigaction(SIG_KICK, &sa, NULL);
}

int vcpu_create(struct vm *vm, struct vcpu *v, int id,
		const struct boot_state *boot)
{
	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->id = id;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (v->fd < 0) {
		log_err("cannot create vCPU %d: %s", id, strerror(errno));
		return -1;
	}
	v->run = mmap(NULL, vm->vcpu_state->run_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		log_err("cannot map vCPU %d's run area: %s", id, strerror(errno));
		v->run = NULL;
		goto fail;
	}
	if (vcpu_set_cpuid(v) < 0)
		goto fail;
	/* PV hypercalls read registers from the run area, not by ioctl. */
	if (vm->vcpu_state->hypercall && vm->vcpu_state->sync_regs)
		v->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	/*
	 * Only the boot vCPU gets an entry state. With either irqchip
	 * KVM keeps the others in the wait-for-SIPI state, so a guest starts
	 * them with INIT/SIPI as on hardware.
	 */
	if (id == 0 && boot && vcpu_set_boot_state(v, boot) < 0)
		goto fail;
	return 0;
fail:
	vcpu_destroy(v);
	return -1;
}

void vcpu_destroy(struct vcpu *v)
{
	if (v->run)
		munmap(v->run, v->vm->vcpu_state->run_size);
	if (v->fd >= 0)
		close(v->fd);
	v->run = NULL;
	v->fd = -1;
}

void vcpu_kick(struct vcpu *v)
{
	if (!v->run)
		return;
	/* immediate_exit covers a kick that lands just before KVM_RUN. */
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	/*
	 * The thread says it runs itself, before it first looks at stopping:
	 * vcpu_start's thread_started comes too late, when the new thread
	 * may already wait in KVM_RUN (an AP waiting for SIPI) and only a
	 * signal gets it out.
	 */
	if (atomic_load(&v->running))
		pthread_kill(v->self, SIG_KICK);
}

static void note_unhandled_pio(struct vm *vm, uint16_t port, bool out)
{
	uint8_t bit = 1u << (port & 7);

	if (atomic_fetch_or(&vm->vcpu_state->unhandled_pio[port >> 3], bit) & bit)
		return;
	log_info(1, "unhandled port 0x%x (%s): reads all-ones, writes ignored",
		 port, out ? "out" : "in");
}

/* Does KVM sync v's GPRs through its run area? (A probe's vCPU has none.) */
static bool synced(const struct vcpu *v)
{
	return v->run && (v->run->kvm_valid_regs & KVM_SYNC_X86_REGS);
}

int vcpu_get_regs(struct vcpu *v, struct kvm_regs *r)
{
	if (synced(v)) {
		*r = v->run->s.regs.regs;
		return 0;
	}
	return ioctl(v->fd, KVM_GET_REGS, r);
}

int vcpu_set_regs(struct vcpu *v, const struct kvm_regs *r)
{
	if (synced(v)) {
		v->run->s.regs.regs = *r;
		v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
		return 0;
	}
	return ioctl(v->fd, KVM_SET_REGS, r);
}

int vcpu_flush_regs(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	if (!run || !(run->kvm_dirty_regs & KVM_SYNC_X86_REGS))
		return 0;
	if (ioctl(v->fd, KVM_SET_REGS, &run->s.regs.regs) < 0)
		return -1;		/* KVM_RUN will take them */
	run->kvm_dirty_regs &= ~(uint64_t)KVM_SYNC_X86_REGS;
	return 0;
}

static void handle_pio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	uint64_t bytes = (uint64_t)run->io.size * run->io.count;
	uint8_t *data;

	/* KVM fills these, but a bad offset would send us outside the page. */
	if (run->io.data_offset > (uint64_t)v->vm->vcpu_state->run_size ||
	    bytes > v->vm->vcpu_state->run_size - run->io.data_offset) {
		vcpu_crash(v, "KVM reported port I/O data outside the run area");
		return;
	}
	data = (uint8_t *)run + run->io.data_offset;
	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size)
		if (!bus_access(&v->vm->pio, run->io.port, data, run->io.size, out))
			note_unhandled_pio(v->vm, run->io.port, out);
}

static void handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint32_t len = run->mmio.len;

	if (len > sizeof(run->mmio.data)) {
		vcpu_crash(v, "KVM reported an MMIO access of %u bytes", len);
		return;
	}
	if (v->vm->vcpu_state->hypercall &&
	    run->mmio.phys_addr == HVRUN_HC_DOORBELL && run->mmio.is_write) {
		v->vm->vcpu_state->hypercall(v);
		return;
	}
	if (!bus_access(&v->vm->mmio, run->mmio.phys_addr, run->mmio.data, len,
			run->mmio.is_write))
		log_info(2, "unhandled MMIO %s at 0x%llx, %u bytes",
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr, len);
}

/* Only MSRs KVM does not know reach us: answer as hardware would, #GP. */
static void handle_msr(struct vcpu *v, bool write)
{
	struct kvm_run *run = v->run;

	log_info(1, "vCPU %d: %s of unknown MSR 0x%x injects #GP", v->id,
		 write ? "wrmsr" : "rdmsr", run->msr.index);
	run->msr.error = 1;
}

static void handle_system_event(struct vcpu *v)
{
	switch (v->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		log_info(1, "guest powered off");
		vm_stop(v->vm, 0, STOP_POWEROFF,
			"the guest powered off (KVM shutdown event)");
		break;
	case KVM_SYSTEM_EVENT_RESET:
		vm_reset(v->vm, "KVM_SYSTEM_EVENT_RESET");
		break;
	case KVM_SYSTEM_EVENT_CRASH:
		vcpu_crash(v, "guest reported a crash (KVM_SYSTEM_EVENT_CRASH)");
		break;
	default:
		vcpu_crash(v, "unknown system event %u",
			   v->run->system_event.type);
	}
}

/* Counted per vCPU, by its own thread: no lock, no atomic (--report). */
static void count_exit(struct vcpu *v, uint32_t reason)
{
	v->exits[reason < REPORT_EXIT_SLOTS - 1 ? reason : REPORT_EXIT_SLOTS - 1]++;
}

static void handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	count_exit(v, run->exit_reason);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_pio(v);
		break;
	case KVM_EXIT_MMIO:
		handle_mmio(v);
		break;
	case KVM_EXIT_HLT:
		/* Only with --irqchip off: nothing can wake it. */
		log_info(1, "vCPU %d halted with no interrupt source", v->id);
		vm_stop(v->vm, 0, STOP_HALT,
			"vCPU %d halted with no interrupt source", v->id);
		break;
	case KVM_EXIT_X86_RDMSR:
		handle_msr(v, false);
		break;
	case KVM_EXIT_X86_WRMSR:
		handle_msr(v, true);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		handle_system_event(v);
		break;
	case KVM_EXIT_XEN:
		if (v->vm->vcpu_state->hypercall) {
			v->vm->vcpu_state->hypercall(v);
			break;
		}
		vcpu_crash(v, "unexpected Xen exit");
		break;
	case KVM_EXIT_INTR:
		break;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		/* Split irqchip: the boot vCPU injects the PIC's vector
		 * before it re-enters (irqchip_before_run). */
		break;
	case KVM_EXIT_IOAPIC_EOI:
		if (v->vm->vcpu_state->irq_eoi)
			v->vm->vcpu_state->irq_eoi(v->vm, run->eoi.vector);
		break;
	case KVM_EXIT_SHUTDOWN:
		vcpu_crash(v, "triple fault (KVM_EXIT_SHUTDOWN)");
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		vcpu_crash(v, "KVM internal error, suberror %u%s",
			   run->internal.suberror,
			   run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ?
			   " (instruction emulation failed)" : "");
		break;
	case KVM_EXIT_FAIL_ENTRY:
		vcpu_crash(v, "VM entry failed, hardware reason 0x%llx",
			   (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_DEBUG:
		/* Breakpoints and steps exist only with --gdb. */
		if (v->vm->vcpu_state->dbg) {
			v->vm->vcpu_state->dbg_ops->debug_exit(v->vm->vcpu_state->dbg, v);
			break;
		}
		/* fall through */
	default:
		vcpu_crash(v, "unhandled KVM exit reason %u", run->exit_reason);
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	const struct vcpu_debugger *ops = vm->vcpu_state->dbg_ops;
	struct gdbstub *g = vm->vcpu_state->dbg;
	int r;

	v->self = pthread_self();
	atomic_store(&v->running, true);	/* kicks may signal now */

	if (sandbox_wanted(vm->cfg) && sandbox_enter(SANDBOX_VCPU) < 0) {
		vm_stop(vm, STATUS_CANNOT_RUN, STOP_SETUP_ERROR,
			"vCPU %d cannot enter the sandbox", v->id);
		return NULL;
	}

	while (!atomic_load(&vm->stopping)) {
		if (g && ops->before_run(g, v)) {
			/*
			 * gdb stops the guest. Re-enter once with immediate_exit
			 * so KVM completes a pending I/O exit and the registers
			 * gdb reads are final; a new exit is handled first.
			 */
			__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
			if (ioctl(v->fd, KVM_RUN, 0) == 0) {
				handle_exit(v);
				continue;
			}
			ops->park(g, v);
			continue;
		}
		if (v->id == 0 && vm->vcpu_state->irq_before_run)
			vm->vcpu_state->irq_before_run(v);
		r = ioctl(v->fd, KVM_RUN, 0);
		if (g)
			ops->after_run(g, v, r);
		if (r < 0) {
			/* EINTR: kicked; EAGAIN: an AP left wait-for-SIPI. */
			if (errno == EINTR)
				count_exit(v, KVM_EXIT_INTR);
			if (errno == EINTR || errno == EAGAIN) {
				/*
				 * A kick that is not a stop (the PIC's) must
				 * not keep us out of the guest. vm_stop sets
				 * stopping before it kicks: the loop's test
				 * sees it after this store.
				 */
				__atomic_store_n(&v->run->immediate_exit, 0,
						 __ATOMIC_SEQ_CST);
				continue;
			}
			vcpu_crash(v, "KVM_RUN failed: %s", strerror(errno));
			break;
		}
		handle_exit(v);
	}
	/* A snapshot reads this vCPU next: re-enter once with
	 * immediate_exit so KVM completes the last I/O exit's instruction
	 * (the value an IN reads, a hypercall's result) and returns. */
	if (atomic_load(&vm->vcpu_state->quiesce)) {
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		(void)ioctl(v->fd, KVM_RUN, 0);
	}
	return NULL;
}

void vcpus_quiesce_on_stop(struct vm *vm)
{
	atomic_store(&vm->vcpu_state->quiesce, true);
}

int vcpu_start(struct vcpu *v)
{
	sigset_t set, old;
	int err;

	/* Only the backend thread takes process signals; vCPUs take kicks. */
	sigfillset(&set);
	sigdelset(&set, SIG_KICK);
	sigdelset(&set, SIGSYS);	/* the sandbox names a refused call */
	pthread_sigmask(SIG_SETMASK, &set, &old);
	err = pthread_create(&v->thread, NULL, vcpu_thread, v);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		log_err("cannot start vCPU %d's thread: %s", v->id, strerror(err));
		return -1;
	}
	v->thread_started = true;
	return 0;
}

static void vcpu_join(struct vcpu *v)
{
	if (!v->thread_started)
		return;
	atomic_store(&v->running, false);	/* no kick reaches a joined thread */
	pthread_join(v->thread, NULL);
	v->thread_started = false;
}

int vcpu_start_secondary(struct vcpu *v, const struct boot_state *bs)
{
	struct vcpu_state *st = v->vm->vcpu_state;
	int ret = -1;

	pthread_mutex_lock(&st->start_lock);
	/* After a stop, vcpus_join joins the threads it sees: start no more. */
	if (!atomic_load(&v->vm->stopping) && vcpu_set_boot_state(v, bs) == 0)
		ret = vcpu_start(v);
	pthread_mutex_unlock(&st->start_lock);
	return ret;
}

void vcpus_join(struct vm *vm)
{
	/* No vcpu_start_secondary can start a thread after this. */
	pthread_mutex_lock(&vm->vcpu_state->start_lock);
	pthread_mutex_unlock(&vm->vcpu_state->start_lock);
	for (int i = 0; i < vm->nr_vcpus; i++) {
		vcpu_join(&vm->vcpus[i]);
		report_add_exits(vm->vcpus[i].exits);
	}
}

int vcpus_init(struct vm *vm)
{
	struct vcpu_state *st = calloc(1, sizeof(*st));
	int sync;

	if (!st)
		return -1;
	pthread_mutex_init(&st->start_lock, NULL);
	pthread_mutex_init(&st->report_lock, NULL);
	vm->vcpu_state = st;
	st->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (st->run_size < (int)sizeof(struct kvm_run)) {
		log_err("KVM_GET_VCPU_MMAP_SIZE failed");
		return -1;
	}
	sync = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
	st->sync_regs = sync > 0 && (sync & KVM_SYNC_X86_REGS);
	return 0;
}

int vcpus_fetch_cpuid(struct vm *vm)
{
	return cpuid_fetch(vm, &vm->vcpu_state->cpuid);
}

void vcpus_free(struct vm *vm)
{
	struct vcpu_state *st = vm->vcpu_state;

	if (!st)
		return;
	free(st->cpuid);
	free(st->msr_list);
	pthread_mutex_destroy(&st->start_lock);
	pthread_mutex_destroy(&st->report_lock);
	free(st);
	vm->vcpu_state = NULL;
}

const void *vcpus_cpuid(const struct vm *vm, size_t *len)
{
	const struct kvm_cpuid2 *c = vm->vcpu_state->cpuid;

	*len = c ? c->nent * sizeof(c->entries[0]) : 0;
	return c ? c->entries : NULL;
}

int vcpu_run_size(const struct vm *vm)
{
	return vm->vcpu_state->run_size;
}

void vcpu_set_hypercall_handler(struct vm *vm, vcpu_exit_fn fn)
{
	vm->vcpu_state->hypercall = fn;
}

void vcpu_set_irqchip_hooks(struct vm *vm, vcpu_exit_fn before_run,
			    void (*eoi)(struct vm *vm, uint8_t vector))
{
	vm->vcpu_state->irq_before_run = before_run;
	vm->vcpu_state->irq_eoi = eoi;
}

void vcpu_set_debugger(struct vm *vm, const struct vcpu_debugger *ops,
		       struct gdbstub *g)
{
	vm->vcpu_state->dbg_ops = ops;
	vm->vcpu_state->dbg = g;
}
