/*
 * GDB stub and hvrun's PV exception stubs (src/loader/pv.c): undo an
 * exception's delivery so that gdb sees the guest where it was.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../board.h"
#include "../log.h"
#include "gdb_internal.h"

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

bool gdb_in_pv_stubs(struct gdbstub *g, uint64_t rip)
{
	return g->vm->profile->pv && rip >= PV_STUBS && rip < PV_STUBS_END;
}

/*
 * Put the vCPU back where the CPU was when it took an exception into a PV
 * stub: RIP, CS, RFLAGS, RSP and SS from the interrupt frame vcpu_pv_frame
 * found. No other register is restored. Clears TF if the stub set it for
 * an emulated step (`our_tf`).
 */
static int pv_restore_frame(struct gdbstub *g, struct vcpu *v,
			    struct kvm_regs *r, const struct pv_frame *f,
			    bool our_tf)
{
	struct kvm_sregs s;

	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0 ||
	    load_segment(g, &s, (uint16_t)f->cs, &s.cs) < 0 ||
	    load_segment(g, &s, (uint16_t)f->ss, &s.ss) < 0)
		return -1;
	r->rip = f->rip;
	r->rflags = our_tf ? f->rflags & ~0x100ULL : f->rflags;
	r->rsp = f->rsp;
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0 || gdb_set_regs(v, r) < 0) {
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
int gdb_pv_unwind_step(struct gdbstub *g, struct vcpu *v,
		       struct kvm_regs *r)
{
	struct kvm_guest_debug dbg = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP,
	};
	struct pv_frame f;

	if (vcpu_pv_frame(v, r, &f) < 0 || f.common || f.vector != 1 ||
	    r->rip != PV_STUBS + PV_STUB_SIZE + 2 ||
	    pv_restore_frame(g, v, r, &f, true) < 0)
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
 * A PV fault: the stub's common part is at the fault hypercall. Unwind it
 * so that gdb sees the faulting instruction. RAX, RDI, RSI, RDX and R10
 * keep the stub's values (it clobbered them); the rest are the guest's,
 * enough for a backtrace. Returns the vector, or -1 if this is no PV fault.
 */
int gdb_pv_unwind_fault(struct gdbstub *g, struct vcpu *v)
{
	struct kvm_regs r;
	struct pv_frame f;

	if (vcpu_get_regs(v, &r) < 0 || vcpu_pv_frame(v, &r, &f) < 0 ||
	    !f.common)
		return -1;
	if (pv_restore_frame(g, v, &r, &f, g->step_armed[v->id]) < 0)
		return -1;
	return (int)f.vector;
}
