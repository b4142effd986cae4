/* The PV hypercall front-end: one table from call number to handler. */
#ifndef HVRUN_HYPERCALL_H
#define HVRUN_HYPERCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hvrun/abi.h>

struct vm;
struct vcpu;

/* What a handler sees: the VM, the calling vCPU (NULL in unit tests),
 * and the six argument registers in ABI order. */
struct hc_call {
	struct vm *vm;
	struct vcpu *vcpu;
	uint64_t nr;
	uint64_t arg[6];	/* RDI, RSI, RDX, R10, R8, R9 */
	/* Set by a handler that gave up because the VM is stopping, before
	 * doing what the call asks: a snapshot makes the call again. */
	bool interrupted;
};

/*
 * A handler validates every argument before it acts, and returns the
 * value for RAX: >= 0 on success, -errno on failure.
 */
typedef int64_t (*hc_fn)(struct hc_call *c);

/* entry.c: the vCPU loop's hypercall exit (vcpu_set_hypercall_handler). */
void hc_vcpu_exit(struct vcpu *v);

/* Run call c->nr; -ENOSYS for unknown numbers. */
int64_t hc_dispatch(struct hc_call *c);

struct symtab;

struct boot_state;

/* console.c: the PV state (vm->pv), which buffers host console input for
 * console_read, keeps the image's symbols (taken, even on failure) and
 * the loader's entry state, which vcpu_start starts other vCPUs from. */
int pv_init(struct vm *vm, struct symtab *symbols, const struct boot_state *boot);
void pv_free(struct vm *vm);
/* Snapshots: the PV state a restored guest needs beyond RAM and its
 * vCPUs (the entry state vcpu_start starts from; buffered console input
 * is the run's, not the guest's). pv_save fills buf and returns its
 * length (at most PV_SAVE_MAX); pv_load: 0, or -1 (logged). */
#define PV_SAVE_MAX 512
size_t pv_save(struct vm *vm, void *buf);
/* How many block rings the guest has attached: their requests and
 * indices are hvrun's state, which a snapshot does not hold. */
int pv_aio_attached(struct vm *vm);
int pv_load(struct vm *vm, const void *buf, size_t len);
/* Before a snapshot reads vCPU v (its thread joined): if a call of v's
 * was interrupted by the stop (a poll, a console write waiting for
 * room, block I/O, a vCPU start), point v back at the call's entry in
 * the hypercall page, so the restored guest makes it again instead of
 * seeing it cut short. 0, or -1 (logged). */
int pv_restart_interrupted(struct vm *vm, struct vcpu *v);
/* Bytes of console input waiting. */
size_t pv_console_pending(struct vm *vm);

/* fdt.c: describe the VM to a PV guest at PV_FDT. 0, or -1 (logged). */
int pv_fdt_write(struct vm *vm, bool vmcall);

/* Handlers, by file. */
int64_t hc_abi_version(struct hc_call *c);	/* misc.c */
int64_t hc_exit(struct hc_call *c);
int64_t hc_clock(struct hc_call *c);
int64_t hc_random(struct hc_call *c);
int64_t hc_snapshot(struct hc_call *c);
int64_t hc_console_write(struct hc_call *c);	/* console.c */
int64_t hc_console_read(struct hc_call *c);
int64_t hc_poll(struct hc_call *c);		/* poll.c */
int64_t hc_block_read(struct hc_call *c);	/* block.c */
int64_t hc_block_write(struct hc_call *c);
int64_t hc_block_flush(struct hc_call *c);
int64_t hc_net_send(struct hc_call *c);		/* net.c */
int64_t hc_net_recv(struct hc_call *c);
int64_t hc_vcpu_start(struct hc_call *c);	/* vcpu.c */
int64_t hc_fault(struct hc_call *c);
int64_t hc_chan_send(struct hc_call *c);	/* chan.c */
int64_t hc_chan_recv(struct hc_call *c);
int64_t hc_chan_call(struct hc_call *c);
int64_t hc_block_ring(struct hc_call *c);	/* aio.c */
int64_t hc_block_kick(struct hc_call *c);

#endif
