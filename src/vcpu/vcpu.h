/* vCPU threads: one per vCPU, each looping on KVM_RUN. */
#ifndef HVRUN_VCPU_H
#define HVRUN_VCPU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "boot.h"

struct vm;
struct kvm_run;

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
};

/* Create vCPU `id`, its CPUID and (for the boot vCPU) its entry state. */
int vcpu_create(struct vm *vm, struct vcpu *v, int id);
void vcpu_destroy(struct vcpu *v);

/* Install the kick signal's handler; once, before any vCPU thread. */
int vcpu_signals_init(void);
int vcpu_start(struct vcpu *v);
/* Make the vCPU leave KVM_RUN (or not enter it) promptly. Any thread. */
void vcpu_kick(struct vcpu *v);
void vcpu_join(struct vcpu *v);

/* cpuid.c */
int cpuid_fetch(struct vm *vm);
struct kvm_cpuid2;
/* Clear the --cpu-features bits (vm_config.cpu_drop) in every matching
 * entry of c; leaves c does not have are skipped. */
void cpuid_drop_features(struct kvm_cpuid2 *c, const uint64_t *drop);
int vcpu_set_cpuid(struct vcpu *v);

/* mode.c: registers and segments for the loader's entry state. */
int vcpu_set_boot_state(struct vcpu *v, const struct boot_state *bs);

/* dump.c: crash report (exit reason, registers) and status 126. */
void vcpu_crash(struct vcpu *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vcpu_dump_regs(struct vcpu *v, FILE *f);

/* core.c: --core, an ELF core of guest RAM and this vCPU's registers.
 * 0, or -1 after one warning line. */
int vcpu_write_core(struct vcpu *v, const char *path);

#endif
