/*
 * The way in from the vCPU loop (vcpu_set_hypercall_handler): a PV guest
 * rang the MMIO doorbell, or KVM forwarded its vmcall/vmmcall as a Xen
 * hypercall. Arguments as in include/hvrun/abi.h.
 */
#include <errno.h>
#include <string.h>
#include <linux/kvm.h>

#include "../board.h"
#include "../log.h"
#include "../vcpu/vcpu.h"
#include "../vm.h"
#include "hypercall.h"
#include "internal.h"

/* A call cut short by the stop: pv_restart_interrupted's to undo. */
static void note_interrupted(const struct hc_call *c)
{
	if (c->interrupted && c->vm->pv && c->vcpu->id < BOARD_MAX_CPUS)
		c->vm->pv->interrupted[c->vcpu->id] = (uint32_t)c->nr + 1;
}

/* Number in RAX, arguments in RDI, RSI, RDX, R10, R8, R9; result in RAX.
 * KVM completes the store after we return, without touching RAX. */
static void doorbell(struct vcpu *v)
{
	struct kvm_regs r;
	struct hc_call c = { .vm = v->vm, .vcpu = v };
	int64_t ret;

	if (vcpu_get_regs(v, &r) < 0) {
		vcpu_crash(v, "cannot read registers for a hypercall: %s",
			   strerror(errno));
		return;
	}
	c.nr = r.rax;
	c.arg[0] = r.rdi;
	c.arg[1] = r.rsi;
	c.arg[2] = r.rdx;
	c.arg[3] = r.r10;
	c.arg[4] = r.r8;
	c.arg[5] = r.r9;
	ret = hc_dispatch(&c);
	note_interrupted(&c);
	/* Read again: a handler may have moved the vCPU (gdb on a fault). */
	if (vcpu_get_regs(v, &r) < 0)
		return;
	r.rax = (uint64_t)ret;
	if (vcpu_set_regs(v, &r) < 0)
		vcpu_crash(v, "cannot return a hypercall's result: %s",
			   strerror(errno));
}

static void xen_hypercall(struct vcpu *v)
{
	struct kvm_xen_exit *x = &v->run->xen;
	struct hc_call c = { .vm = v->vm, .vcpu = v };

	if (x->type != KVM_EXIT_XEN_HCALL) {
		vcpu_crash(v, "unexpected Xen exit type %u", x->type);
		return;
	}
	c.nr = x->u.hcall.input;
	for (int i = 0; i < 6; i++)
		c.arg[i] = x->u.hcall.params[i];
	x->u.hcall.result = (uint64_t)hc_dispatch(&c);
	note_interrupted(&c);
}

void hc_vcpu_exit(struct vcpu *v)
{
	if (v->run->exit_reason == KVM_EXIT_XEN)
		xen_hypercall(v);
	else
		doorbell(v);
}

int pv_restart_interrupted(struct vm *vm, struct vcpu *v)
{
	uint32_t nr = vm->pv->interrupted[v->id];
	uint64_t entry = PV_HC_PAGE + (uint64_t)(nr - 1) * HVRUN_HC_STRIDE;
	struct kvm_regs r;

	if (!nr)
		return 0;
	if (vcpu_get_regs(v, &r) < 0)
		return -1;
	/* Only a call made through the page: after its trap, RIP is still
	 * inside the entry (at its ret). */
	if (r.rip < entry || r.rip >= entry + HVRUN_HC_STRIDE)
		return 0;
	r.rip = entry;
	if (vcpu_set_regs(v, &r) < 0 || vcpu_flush_regs(v) < 0) {
		log_err("vCPU %d: cannot restart its interrupted call", v->id);
		return -1;
	}
	return 0;
}
