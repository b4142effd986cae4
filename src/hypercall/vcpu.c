/* vcpu_start, and fault: the report of an exception a PV guest did not
 * handle, issued by hvrun's own exception stubs. */
#include <errno.h>
#include <stdio.h>

#include "../loader/symbols.h"
#include "../vcpu/vcpu.h"
#include "../vm.h"
#include "hypercall.h"
#include "internal.h"

int64_t hc_vcpu_start(struct hc_call *c)
{
	struct vm *vm = c->vm;
	uint64_t id = c->arg[0];
	struct boot_state bs;
	struct vcpu *v;

	if (id == 0 || id >= (uint64_t)vm->nr_vcpus || !vm->vcpus || !vm->pv)
		return -EINVAL;
	if (!mem_ptr(&vm->mem, c->arg[1], 1))
		return -EFAULT;
	v = &vm->vcpus[id];
	if (atomic_exchange(&v->claimed, true))
		return -EBUSY;
	bs = vm->pv->boot;	/* the boot vCPU's mode, page tables, GDT, IDT */
	bs.rip = c->arg[1];
	bs.rsp = c->arg[2];
	bs.rdi = c->arg[3];
	if (vcpu_start_secondary(v, &bs) == 0)
		return 0;
	if (atomic_load(&vm->stopping)) {
		/* Not started: a snapshot records it unstarted and makes
		 * the call again. */
		atomic_store(&v->claimed, false);
		c->interrupted = true;
	}
	return -EIO;
}

static const char *const vector_names[32] = {
	"divide error (#DE)", "debug (#DB)", "NMI", "breakpoint (#BP)",
	"overflow (#OF)", "bound range (#BR)", "invalid opcode (#UD)",
	"device not available (#NM)", "double fault (#DF)",
	"coprocessor segment overrun", "invalid TSS (#TS)",
	"segment not present (#NP)", "stack fault (#SS)",
	"general protection fault (#GP)", "page fault (#PF)", "vector 15",
	"x87 floating-point error (#MF)", "alignment check (#AC)",
	"machine check (#MC)", "SIMD floating-point error (#XM)",
	"virtualization exception (#VE)", "control protection (#CP)",
	"vector 22", "vector 23", "vector 24", "vector 25", "vector 26",
	"vector 27", "vector 28", "vector 29", "security exception (#SX)",
	"vector 31",
};

int64_t hc_fault(struct hc_call *c)
{
	uint64_t vec = c->arg[0], rip = c->arg[2], off = 0;
	const char *sym = symtab_lookup(c->vm->pv ? c->vm->pv->symbols : NULL, rip, &off);
	char where[160] = "";

	if (sym)
		snprintf(where, sizeof(where), " <%s+0x%llx>", sym,
			 (unsigned long long)off);
	if (!c->vcpu)
		return -EINVAL;
	vcpu_crash_at(c->vcpu, vec < 32 ? (int)vec : -1, rip,
		      "%s, error code 0x%llx, RIP 0x%llx%s, CR2 0x%llx",
		      vec < 32 ? vector_names[vec] : "unknown vector",
		      (unsigned long long)c->arg[1], (unsigned long long)rip,
		      where, (unsigned long long)c->arg[3]);
	return 0;
}
