/*
 * The GDB stub: a remote serial protocol server on the backend loop and
 * all-stop run control of the vCPUs. Exists only with --gdb; every hook
 * below is behind a `vm->gdb != NULL` test.
 */
#ifndef HVRUN_GDBSTUB_H
#define HVRUN_GDBSTUB_H

#include <stdbool.h>

struct vm;
struct vcpu;
struct gdbstub;

/* Exit status when gdb kills the guest ('k'): 128 + SIGKILL. */
#define GDB_KILL_STATUS 137

/* Listen on the configured address; vCPUs, backend must exist. NULL on error. */
struct gdbstub *gdbstub_new(struct vm *vm);
/* After the loop has stopped; tells an attached gdb the guest exited. */
void gdbstub_free(struct gdbstub *g);

/* vCPU thread, before each KVM_RUN: true if it must park (then call
 * gdbstub_park); keeps an emulated single-step armed. */
bool gdbstub_before_run(struct gdbstub *g, struct vcpu *v);
/* vCPU thread, after each KVM_RUN that before_run allowed; its result. */
void gdbstub_after_run(struct gdbstub *g, struct vcpu *v, int ret);
/* vCPU thread: wait while gdb holds the guest (or until vm_stop). */
void gdbstub_park(struct gdbstub *g, struct vcpu *v);
/* vCPU thread: KVM_EXIT_DEBUG (breakpoint, step, watchpoint). */
void gdbstub_debug_exit(struct gdbstub *g, struct vcpu *v);
/* vCPU thread, before its crash report: with gdb attached, stop there
 * (SIGSEGV, or the exception's signal) until gdb resumes, detaches or
 * kills. PV faults are unwound to the faulting instruction. */
void gdbstub_crash(struct gdbstub *g, struct vcpu *v);
/* The hooks above, for vcpu_set_debugger. */
extern const struct vcpu_debugger gdbstub_vcpu_ops;

/* vm_stop, any thread: let parked vCPUs see that the VM is stopping. */
void gdbstub_vm_stopping(struct gdbstub *g);

#endif
