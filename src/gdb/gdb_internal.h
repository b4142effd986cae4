/*
 * Inside the GDB stub: the state its files share. The protocol runs on the
 * backend loop (main thread); run control is all-stop: to stop, every vCPU
 * is kicked out of KVM_RUN and parks in gdbstub_park until gdb resumes it.
 * Registers, memory and guest debug state are only touched from the
 * backend thread while every vCPU thread is parked (state STOPPED), or
 * from a vCPU's own thread while it is out of KVM_RUN, so they need no
 * lock of their own.
 */
#ifndef HVRUN_GDB_INTERNAL_H
#define HVRUN_GDB_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "../vcpu/vcpu.h"
#include "../vm.h"
#include "packet.h"

struct evconnlistener;
struct bufferevent;
struct event;

/* gdb's own signal numbers (include/gdb/signals.def), not the host's. */
#define GDB_SIGINT	2
#define GDB_SIGILL	4
#define GDB_SIGTRAP	5
#define GDB_SIGFPE	8
#define GDB_SIGBUS	10
#define GDB_SIGSEGV	11

#define MAX_SW_BP	64
#define NR_HW_BP	4

/* Our own stop-reply buffer: the largest reply is 'g' or an m read. */
#define REPLY_MAX	(GDB_MAX_PACKET + 64)

enum run_state { RUNNING, STOPPING, STOPPED };

struct sw_bp {
	bool used;
	uint64_t addr;		/* guest virtual */
	uint64_t gpa;
	uint8_t orig;
};

struct hw_bp {
	bool used;
	int type;		/* Z type: 1 exec, 2 write, 3 read, 4 access */
	uint64_t addr;
	uint64_t len;
};

struct gdbstub {
	struct vm *vm;
	struct evconnlistener *listener;
	const char *unix_path;		/* unix:PATH we bound, removed at exit */
	struct bufferevent *bev;	/* the one client, or NULL */
	struct event *stopped_ev;	/* every vCPU has parked */
	struct gdb_rx rx;

	/* Run control, shared with vCPU threads under lock. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* Written under lock; the backend also reads it without (is every
	 * vCPU parked yet?), so it is atomic. */
	_Atomic enum run_state state;
	atomic_bool *go;		/* per vCPU: may enter KVM_RUN */
	bool *parked;
	int stop_vcpu;
	int stop_sig;
	char stop_extra[48];		/* "swbreak:;", "watch:ADDR;" */

	/* Backend thread writes; a crashing vCPU thread reads. */
	atomic_bool attached;

	/* Backend thread only. */
	bool waiting;			/* --gdb-wait: hold until gdb attaches */
	bool reply_pending;		/* gdb waits for a stop reply */
	bool has_deferred;		/* a packet that arrived while running */
	int cur;			/* Hg thread, vCPU index */
	bool can_debug;			/* KVM_SET_GUEST_DEBUG works here */
	bool blockirq;			/* KVM_GUESTDBG_BLOCKIRQ offered */
	/*
	 * kvm_pvm delivers a CPL 3 #BP or #DB straight to the guest's IDT and
	 * honours no debug registers, but traps single-steps. Where the probe
	 * (probe.c) finds that, or --gdb-step-breakpoints asks, every vCPU
	 * single-steps while breakpoints exist and the stub checks each
	 * instruction: slow, but gdb works.
	 */
	bool emulate;
	/*
	 * Emulated mode, where the probe found CPL 0 debug-register
	 * breakpoints reported: an hbreak on kernel code (the upper half,
	 * CPL 0 on every x86-64 OS) uses a debug register, so a kernel runs
	 * at full speed to it; only other breakpoints single-step.
	 */
	bool dr_cpl0;
	int nr_sw;			/* breakpoints in use, for the fast path */
	int nr_hw;
	uint64_t watch_val[NR_HW_BP];	/* emulated watchpoints: last value */
	bool *stepping;			/* per vCPU: gdb asked for a step */
	bool *step_armed;		/* per vCPU: emulated mode steps it */
	bool *step_locked;		/* per vCPU: holds step_lock in KVM_RUN */
	pthread_mutex_t step_lock;
	struct sw_bp sw[MAX_SW_BP];
	struct hw_bp hw[NR_HW_BP];
	char deferred[GDB_MAX_PACKET + 1];
	size_t deferred_len;
	char reply[REPLY_MAX];
	char frame[2 * REPLY_MAX + 8];
	size_t frame_len;		/* last reply, resent on '-' */
};

static inline struct vcpu *cur_vcpu(struct gdbstub *g)
{
	return &g->vm->vcpus[g->cur];
}

/* server.c: replies to gdb. */
void gdb_send_str(struct gdbstub *g, const char *s);
void gdb_send_packet(struct gdbstub *g, const void *payload, size_t len);

/* runctl.c: all-stop run control, threads, vCont. */
void gdb_request_stop(struct gdbstub *g, int id, int sig, const char *extra);
void gdb_resume(struct gdbstub *g, int step, bool all);
void gdb_step_unlock(struct gdbstub *g, struct vcpu *v);
void gdb_cmd_set_thread(struct gdbstub *g, const char *args);
void gdb_cmd_thread_alive(struct gdbstub *g, const char *args);
void gdb_do_resume(struct gdbstub *g, int step);
void gdb_cmd_vcont(struct gdbstub *g, const char *args);

/* regs.c: registers and the target description. */
int gdb_set_regs(struct vcpu *v, const struct kvm_regs *r);
void gdb_cmd_read_regs(struct gdbstub *g);
void gdb_cmd_write_regs(struct gdbstub *g, const char *hex);
void gdb_cmd_read_reg(struct gdbstub *g, const char *args);
void gdb_cmd_write_reg(struct gdbstub *g, const char *args);
void gdb_cmd_xfer(struct gdbstub *g, const char *args);

/* memory.c: guest virtual memory of the current vCPU (src/vcpu/gva.c). */
uint64_t gdb_read_virt(struct gdbstub *g, uint64_t gva, uint8_t *dst,
		       uint64_t len);
void gdb_cmd_read_mem(struct gdbstub *g, const char *args);
void gdb_cmd_write_mem(struct gdbstub *g, char *args, size_t len,
		       bool binary);

/* probe.c: 0 when this KVM reports int3 and debug-register hits at CPL 3
 * and CPL 0 as debug exits; else -1 and why, the first that failed ("an
 * int3 at CPL 3 goes to the guest, not to hvrun"). *dr_cpl0: the CPL 0
 * debug-register case works, either way. Main thread, before the vCPUs
 * run. */
int gdb_probe_traps(struct vm *vm, bool *dr_cpl0, char *why, size_t size);

/* breakpoints.c: software, hardware and emulated breakpoints. */
int gdb_apply_debug(struct gdbstub *g, int step);
void gdb_remove_all_breakpoints(struct gdbstub *g);
void gdb_cmd_break(struct gdbstub *g, const char *args, bool insert);

/* pvframe.c: hvrun's PV exception stubs, undone for gdb. */
bool gdb_in_pv_stubs(struct gdbstub *g, uint64_t rip);
int gdb_pv_unwind_step(struct gdbstub *g, struct vcpu *v,
		       struct kvm_regs *r);
int gdb_pv_unwind_fault(struct gdbstub *g, struct vcpu *v);

#endif
