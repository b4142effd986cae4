/* vCPU threads: one per vCPU, each looping on KVM_RUN. */
#ifndef HVRUN_VCPU_H
#define HVRUN_VCPU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../boot.h"
#include "../report.h"

struct vm;
struct kvm_run;
struct kvm_regs;
struct gdbstub;

struct vcpu {
	struct vm *vm;
	int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;		/* for vcpu_join, written by vcpu_start */
	pthread_t self;			/* for kicks, written by the thread */
	atomic_bool claimed;		/* PV: vcpu_start took it */
	atomic_bool thread_started;	/* read by threads that kick */
	atomic_bool running;		/* self is valid: the thread may be in KVM_RUN */
	uint64_t exits[REPORT_EXIT_SLOTS];	/* by KVM exit reason; own thread */
};

/*
 * What the run loop hands to the layers above it. vcpu/ knows neither
 * hypercalls nor gdb: vm.c installs these before any vCPU starts.
 */
typedef void (*vcpu_exit_fn)(struct vcpu *v);

/* --gdb: src/gdb/ implements these; each call is behind a debugger. */
struct vcpu_debugger {
	/* Before each KVM_RUN: true if the vCPU must park. */
	bool (*before_run)(struct gdbstub *g, struct vcpu *v);
	/* After each KVM_RUN that before_run allowed; its result. */
	void (*after_run)(struct gdbstub *g, struct vcpu *v, int ret);
	/* Wait while the debugger holds the guest (or until vm_stop). */
	void (*park)(struct gdbstub *g, struct vcpu *v);
	/* KVM_EXIT_DEBUG. */
	void (*debug_exit)(struct gdbstub *g, struct vcpu *v);
	/* Before a crash report. */
	void (*crash)(struct gdbstub *g, struct vcpu *v);
};

/* The vCPUs' shared state (CPUID, locks), in vm->vcpu_state: after
 * create_vm's KVM objects, before vcpu_create. 0, or -1 (logged). */
int vcpus_init(struct vm *vm);
/* KVM's supported CPUID into that state (slow: any thread, before
 * vcpu_create and vcpu_host_is_amd). 0, or -1 (logged). */
int vcpus_fetch_cpuid(struct vm *vm);
void vcpus_free(struct vm *vm);
/* PV guests: the doorbell MMIO write and KVM_EXIT_XEN go to fn, and the
 * run area carries the GPRs where KVM offers it (KVM_CAP_SYNC_REGS). */
void vcpu_set_hypercall_handler(struct vm *vm, vcpu_exit_fn fn);
void vcpu_set_debugger(struct vm *vm, const struct vcpu_debugger *ops,
		       struct gdbstub *g);
/* Split irqchip: before_run on the boot vCPU's thread before each
 * KVM_RUN (it injects the PIC's ExtINT), eoi on KVM_EXIT_IOAPIC_EOI. */
void vcpu_set_irqchip_hooks(struct vm *vm, vcpu_exit_fn before_run,
			    void (*eoi)(struct vm *vm, uint8_t vector));
/* KVM's CPUID for this VM (after --cpu-features), kvm_cpuid_entry2[]
 * of *len bytes: what a snapshot records of the host. */
const void *vcpus_cpuid(const struct vm *vm, size_t *len);
/* Bytes of each vCPU's kvm_run mapping. */
int vcpu_run_size(const struct vm *vm);

/*
 * The only register path. Reads come from the run area when KVM syncs
 * the GPRs (on the vCPU's thread after an exit, or while it is parked),
 * else KVM_GET_REGS; writes go to the run area for the next KVM_RUN to
 * load, else KVM_SET_REGS. vcpu_flush_regs hands a pending write to KVM
 * now (a single-step must be re-armed after it). 0, or -1 with errno.
 */
int vcpu_get_regs(struct vcpu *v, struct kvm_regs *r);
int vcpu_set_regs(struct vcpu *v, const struct kvm_regs *r);
int vcpu_flush_regs(struct vcpu *v);

/* Create vCPU `id`, its CPUID and (for the boot vCPU, id 0) its entry
 * state, the loader's boot. */
int vcpu_create(struct vm *vm, struct vcpu *v, int id,
		const struct boot_state *boot);
void vcpu_destroy(struct vcpu *v);

/* Install the kick signal's handler; once, before any vCPU thread. */
int vcpu_signals_init(void);
int vcpu_start(struct vcpu *v);
/* Make the vCPU leave KVM_RUN (or not enter it) promptly. Any thread. */
void vcpu_kick(struct vcpu *v);
/*
 * Start a vCPU that has not run, at bs (PV vcpu_start): under the start
 * lock, so none starts once vcpus_join has begun. -1 after a stop or on
 * failure.
 */
int vcpu_start_secondary(struct vcpu *v, const struct boot_state *bs);
/* After vm_stop: no vCPU can start any more; join every thread. */
void vcpus_join(struct vm *vm);

/* cpuid.c */
struct kvm_cpuid2;
int cpuid_fetch(struct vm *vm, struct kvm_cpuid2 **out);
/* Clear the --cpu-features bits (vm_config.cpu_drop) in every matching
 * entry of c; leaves c does not have are skipped. */
void cpuid_drop_features(struct kvm_cpuid2 *c, const uint64_t *drop);
int vcpu_set_cpuid(struct vcpu *v);

/*
 * pvframe.c: where the guest was when it took an exception into hvrun's
 * PV stubs (RIP in [PV_STUBS, PV_STUBS_END), CPL 0): the one decoder of
 * their stack. 0, or -1 when RIP is not there or the stack is unreadable.
 */
struct pv_frame {
	unsigned vector;
	bool common;		/* in the common part: the fault call */
	uint64_t error;		/* 0 until one is on the stack */
	uint64_t rip, cs, rflags, rsp, ss;	/* the CPU's frame */
	uint64_t frame_gva;	/* where that frame is */
};
int vcpu_pv_frame(struct vcpu *v, const struct kvm_regs *r,
		  struct pv_frame *f);

/*
 * gva.c: guest virtual addresses through v's page tables. translate: 0
 * and *gpa, or -1 where nothing is mapped. virt_ptr: a host pointer for
 * [gva, gva + len) within one 4 KiB page, or NULL. page_chunk: how much
 * of [gva, gva + len) lies in gva's page. read_virt: bytes copied, short
 * at the first hole.
 */
int vcpu_translate(struct vcpu *v, uint64_t gva, uint64_t *gpa);
void *vcpu_virt_ptr(struct vcpu *v, uint64_t gva, uint64_t len);
uint64_t vcpu_page_chunk(uint64_t gva, uint64_t len);
uint64_t vcpu_read_virt(struct vcpu *v, uint64_t gva, void *dst, uint64_t len);

/*
 * state.c: snapshots. vcpus_snapshot_init reads KVM's MSR list and XSAVE
 * size (set-up, before the sandbox). vcpus_quiesce_on_stop: every vCPU
 * thread leaving its loop completes its pending I/O exit first, so its
 * state is final. vcpu_state_save: the vCPU's whole state as one
 * malloc'd blob (its thread joined); vcpu_state_load puts it back (before
 * the thread starts). 0, or -1 (logged).
 */
int vcpus_snapshot_init(struct vm *vm);
void vcpus_quiesce_on_stop(struct vm *vm);
int vcpu_state_save(struct vcpu *v, void **blob, size_t *len);
int vcpu_state_load(struct vcpu *v, const void *blob, size_t len);

/* mode.c: registers and segments for the loader's entry state. */
int vcpu_set_boot_state(struct vcpu *v, const struct boot_state *bs);

/* dump.c: crash report (exit reason, registers) and status 126. */
void vcpu_crash(struct vcpu *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same for an exception the guest reported itself (a PV guest's
 * stubs): its vector and the guest's RIP, for --report. */
void vcpu_crash_at(struct vcpu *v, int vector, uint64_t rip,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void vcpu_dump_regs(struct vcpu *v, FILE *f);

/*
 * core.c: --core, an ELF core of guest RAM and this vCPU's registers.
 * core_open opens (or creates) the file at start-up and fills *st: one
 * line and -1 if it cannot be a core (not a regular file). Only
 * vcpu_write_core truncates and writes it: 0, or -1 after one warning
 * line; a no-op without --core. core_close removes a file core_open
 * created if no core was written.
 */
struct stat;
int core_open(const char *path, struct stat *st);
int vcpu_write_core(struct vcpu *v);
void core_close(void);

#endif
