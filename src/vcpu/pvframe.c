/*
 * The one decoder of the stack hvrun's PV exception stubs build
 * (src/loader/pv.c writes them; board.h has the layout). An exception in
 * a PV guest enters stub n at CPL 0 on the TSS stack, where the CPU has
 * pushed [error code,] rip, cs, rflags, rsp, ss. Stub n is
 * "[push $0;] push $n; jmp common" (push $0 for vectors without an error
 * code), and the common part makes the fault hypercall with
 * [vector, error, rip, cs, rflags, rsp, ss] at RSP. Crash reports, cores
 * and gdb all read the guest's state from here.
 */
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "../board.h"
#include "../vm.h"
#include "vcpu.h"

#define PUSH_LEN 2	/* push $imm8 */

/* Guest physical address of gva: the stub stack is identity-mapped, so
 * fall back to that where KVM cannot translate. */
static uint64_t frame_gpa(struct vcpu *v, uint64_t gva)
{
	struct kvm_translation t = { .linear_address = gva };

	if (ioctl(v->fd, KVM_TRANSLATE, &t) == 0 && t.valid)
		return t.physical_address;
	return gva;
}

/* Words stub `vec` has pushed when RIP is `pos` bytes into it. */
static unsigned stub_words(unsigned vec, uint64_t pos)
{
	unsigned pushes = pv_vector_has_error_code(vec) ? 1 : 2;
	unsigned done = (unsigned)(pos / PUSH_LEN);

	return done < pushes ? done : pushes;
}

int vcpu_pv_frame(struct vcpu *v, const struct kvm_regs *r,
		  struct pv_frame *f)
{
	uint64_t off = r->rip - PV_STUBS, w[5], vec;
	unsigned above;		/* words between RSP and the CPU's frame */

	if (!v->vm->profile->pv || r->rip < PV_STUBS || r->rip >= PV_STUBS_END)
		return -1;
	f->common = off >= PV_NR_STUBS * PV_STUB_SIZE;
	if (f->common) {
		if (mem_read(&v->vm->mem, &vec, frame_gpa(v, r->rsp), 8) < 0 ||
		    vec >= PV_NR_STUBS)
			return -1;
		above = 2;	/* vector, error */
	} else {
		vec = off / PV_STUB_SIZE;
		above = stub_words((unsigned)vec, off % PV_STUB_SIZE) +
			(pv_vector_has_error_code((unsigned)vec) ? 1 : 0);
	}
	f->vector = (unsigned)vec;
	f->frame_gva = r->rsp + 8ULL * above;
	/* The error code sits just below the frame, once there is one. */
	f->error = 0;
	if (above && mem_read(&v->vm->mem, &f->error,
			      frame_gpa(v, f->frame_gva - 8), 8) < 0)
		return -1;
	if (mem_read(&v->vm->mem, w, frame_gpa(v, f->frame_gva), sizeof(w)) < 0)
		return -1;
	f->rip = w[0];
	f->cs = w[1];
	f->rflags = w[2];
	f->rsp = w[3];
	f->ss = w[4];
	return 0;
}
