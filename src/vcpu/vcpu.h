/* vCPU threads: one per vCPU, each looping on KVM_RUN. */
#ifndef HVRUN_VCPU_H
#define HVRUN_VCPU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "boot.h"
#include "../report.h"

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
	uint64_t exits[REPORT_EXIT_SLOTS];	/* by KVM exit reason; own thread */
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
