/*
 * Does this KVM hand the guest's debug traps to hvrun? KVM_SET_GUEST_DEBUG
 * succeeding says nothing: pagetable-based KVM (kvm_pvm) accepts it, then
 * delivers a CPL 3 int3 to the guest's own IDT, ignores debug registers
 * and cannot emulate an int3 at CPL 0, so gdb's first `break` would crash
 * the guest. So, once per --gdb run, throwaway VMs run three bytes each:
 * an int3 (a software breakpoint as the stub plants it) and an
 * instruction under a debug-register execute breakpoint, each at CPL 3
 * and at CPL 0, on the PV machine (src/loader/pv.c), whose IDT turns any
 * exception that reaches the guest into a doorbell write naming its
 * vector. Only a debug exit with the right exception counts; a
 * millisecond or so in all.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <hvrun/abi.h>

#include "../loader/loader.h"
#include "gdb_internal.h"

#define PROBE_MEM	(4ULL << 20)
#define PROBE_CODE	PV_IMAGE_MIN
#define PROBE_LIMIT_NS	500000000L	/* per case; KVM answers in µs */
/* The vCPU kick signal: vcpu_signals_init's handler, no SA_RESTART, so
 * a KVM_RUN that never comes back returns EINTR when the timer fires. */
#define PROBE_SIGNAL	SIGUSR1

struct probe {
	struct vm *vm;			/* the real VM: /dev/kvm, CPUID */
	struct mem mem;
	timer_t timer;
	int vm_fd, fd;
	struct kvm_run *run;
};

/* CPL 0 on the PV machine: its kernel selectors instead of the user ones. */
static int enter_cpl0(int fd)
{
	struct kvm_sregs s;

	if (ioctl(fd, KVM_GET_SREGS, &s) < 0)
		return -1;
	s.cs.selector = PV_SEL_KCODE;
	s.cs.dpl = 0;
	s.ss.selector = PV_SEL_KDATA;
	s.ss.dpl = 0;
	s.ds = s.es = s.fs = s.gs = s.ss;
	return ioctl(fd, KVM_SET_SREGS, &s);
}

/* A fresh VM with one vCPU at PROBE_CODE, at CPL 0 or 3. */
static int probe_vm(struct probe *p, bool cpl0)
{
	struct kvm_userspace_memory_region r = {
		.guest_phys_addr = p->mem.region[0].gpa,
		.memory_size = p->mem.region[0].size,
		.userspace_addr = (uintptr_t)p->mem.region[0].host,
	};
	struct boot_state bs;
	struct vcpu v = { .vm = p->vm };
	char err[LOADER_ERRLEN];

	p->vm_fd = ioctl(p->vm->kvm_fd, KVM_CREATE_VM, 0);
	if (p->vm_fd < 0 ||
	    ioctl(p->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return -1;
	p->fd = v.fd = ioctl(p->vm_fd, KVM_CREATE_VCPU, 0);
	if (p->fd < 0)
		return -1;
	p->run = mmap(NULL, (size_t)vcpu_run_size(p->vm), PROT_READ | PROT_WRITE,
		      MAP_SHARED, p->fd, 0);
	if (p->run == MAP_FAILED) {
		p->run = NULL;
		return -1;
	}
	if (pv_machine_write(&p->mem, HC_INSN_MMIO, PROBE_CODE, &bs, err) < 0 ||
	    vcpu_set_cpuid(&v) < 0 || vcpu_set_boot_state(&v, &bs) < 0)
		return -1;
	return cpl0 ? enter_cpl0(p->fd) : 0;
}

static void probe_vm_free(struct probe *p)
{
	if (p->run)
		munmap(p->run, (size_t)vcpu_run_size(p->vm));
	if (p->fd >= 0)
		close(p->fd);
	if (p->vm_fd >= 0)
		close(p->vm_fd);
	p->run = NULL;
	p->fd = p->vm_fd = -1;
}

/* Run until the first exit that is not an interruption; EINTR if the
 * timer fired first. */
static int run_once(struct probe *p)
{
	struct itimerspec arm = { .it_value.tv_nsec = PROBE_LIMIT_NS };
	struct itimerspec off = { 0 };
	int r;

	timer_settime(p->timer, 0, &arm, NULL);
	do
		r = ioctl(p->fd, KVM_RUN, 0);
	while (r == 0 && p->run->exit_reason == KVM_EXIT_INTR);
	timer_settime(p->timer, 0, &off, NULL);
	return r < 0 ? -errno : 0;
}

/* What became of the trap, when it was not a debug exit. */
static const char *fate(struct probe *p)
{
	struct kvm_regs r;

	switch (p->run->exit_reason) {
	case KVM_EXIT_MMIO:
		/* The PV IDT's stub: fault(vector in RDI) at the doorbell. */
		if (p->run->mmio.phys_addr != HVRUN_HC_DOORBELL ||
		    ioctl(p->fd, KVM_GET_REGS, &r) < 0)
			break;
		if (r.rdi == 1 || r.rdi == 3)
			return "goes to the guest, not to hvrun";
		if (r.rdi == 6)		/* the ud2 after it */
			return "is ignored";
		return "faults in the guest";
	case KVM_EXIT_SHUTDOWN:
		return "triple-faults the guest";
	case KVM_EXIT_INTERNAL_ERROR:
		return "stops the guest with a KVM internal error";
	case KVM_EXIT_DEBUG:
		return "gives the wrong debug exit";
	}
	return "gives an unexpected exit";
}

/*
 * One case: an int3 (or, with hw, a DR0 execute breakpoint) on the second
 * of three instructions, nop / int3-or-nop / ud2. NULL when KVM reported
 * it as gdb needs; else what happened instead (a missed trap runs into
 * the ud2, whose #UD the guest's IDT reports).
 */
static const char *probe_case(struct probe *p, bool cpl0, bool hw)
{
	const uint8_t code[] = { 0x90, hw ? 0x90 : 0xcc, 0x0f, 0x0b };
	struct kvm_guest_debug dbg = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP,
	};
	const struct kvm_debug_exit_arch *d;
	const char *why = NULL;
	int r;

	if (hw) {
		dbg.control |= KVM_GUESTDBG_USE_HW_BP;
		dbg.arch.debugreg[0] = PROBE_CODE + 1;
		dbg.arch.debugreg[7] = 0x600 | 2;	/* G0, execute, 1 byte */
	}
	if (probe_vm(p, cpl0) < 0 ||
	    mem_write(&p->mem, PROBE_CODE, code, sizeof(code)) < 0 ||
	    ioctl(p->fd, KVM_SET_GUEST_DEBUG, &dbg) < 0) {
		why = "cannot be tried (no VM for the probe)";
		goto out;
	}
	r = run_once(p);
	if (r < 0) {
		why = r == -EINTR ? "never comes back" : "fails KVM_RUN";
		goto out;
	}
	d = &p->run->debug.arch;
	if (p->run->exit_reason != KVM_EXIT_DEBUG ||
	    d->exception != (hw ? 1U : 3U) || (hw && !(d->dr6 & 1)))
		why = fate(p);
out:
	probe_vm_free(p);
	return why;
}

int gdb_probe_traps(struct vm *vm, bool *dr_cpl0, char *why, size_t size)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = PROBE_SIGNAL,
	};
	struct probe p = { .vm = vm, .fd = -1, .vm_fd = -1 };
	static const struct { bool cpl0, hw; const char *what; } cases[] = {
		{ false, false, "an int3 at CPL 3" },
		{ false, true, "a debug-register breakpoint at CPL 3" },
		{ true, false, "an int3 at CPL 0" },
		{ true, true, "a debug-register breakpoint at CPL 0" },
	};
	int ret = 0;

	*dr_cpl0 = false;
	/* sigev_notify_thread_id, which glibc's headers do not name. */
	sev._sigev_un._tid = gettid();
	if (mem_init(&p.mem, PROBE_MEM) < 0) {
		snprintf(why, size, "the probe has no memory");
		return -1;
	}
	if (timer_create(CLOCK_MONOTONIC, &sev, &p.timer) < 0) {
		snprintf(why, size, "the probe has no timer (%s)",
			 strerror(errno));
		mem_free(&p.mem);
		return -1;
	}
	/* Every case: where some fail, the CPL 0 debug registers may work. */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *fate = probe_case(&p, cases[i].cpl0, cases[i].hw);

		if (!fate) {
			*dr_cpl0 |= cases[i].cpl0 && cases[i].hw;
		} else if (!ret) {
			snprintf(why, size, "%s %s", cases[i].what, fate);
			ret = -1;
		}
	}
	timer_delete(p.timer);
	mem_free(&p.mem);
	return ret;
}
