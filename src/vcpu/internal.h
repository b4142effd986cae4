/* Internal to src/vcpu/: the state the vCPUs of one VM share. */
#ifndef HVRUN_VCPU_INTERNAL_H
#define HVRUN_VCPU_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "vcpu.h"

struct kvm_cpuid2;
struct kvm_msr_list;

struct vcpu_state {
	/* Set up by vcpus_init and the vcpu_set_* calls, before any vCPU
	 * thread starts; read-only afterwards. */
	int run_size;			/* bytes of each vCPU's kvm_run mapping */
	struct kvm_cpuid2 *cpuid;	/* what KVM supports; patched per vCPU */
	bool sync_regs;			/* KVM_CAP_SYNC_REGS offers the GPRs */
	vcpu_exit_fn hypercall;		/* PV guests (src/hypercall/) */
	vcpu_exit_fn irq_before_run;	/* split irqchip, boot vCPU (src/irqchip/) */
	void (*irq_eoi)(struct vm *vm, uint8_t vector);	/* KVM_EXIT_IOAPIC_EOI */
	const struct vcpu_debugger *dbg_ops;	/* --gdb (src/gdb/) */
	struct kvm_msr_list *msr_list;	/* snapshots: KVM's MSRs (state.c) */
	uint32_t xsave_size;		/* 0: KVM_GET_FPU only */
	bool xsave2;			/* KVM_GET_XSAVE2, else KVM_GET_XSAVE */
	atomic_bool quiesce;		/* a stop completes pending I/O exits */
	struct gdbstub *dbg;

	/* Run time. */
	pthread_mutex_t start_lock;	/* vCPU threads start under it */
	pthread_mutex_t report_lock;	/* one crash report at a time */
	_Atomic uint8_t unhandled_pio[65536 / 8];	/* -v names each port once */
};

#endif
