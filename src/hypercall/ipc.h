/*
 * Inter-VM state of a PV guest (ABI version 2): channels (--chan) and
 * shared memory (--shm). Owned by the hypercall front-end; struct vm
 * holds only the pointer. Fixed once vCPUs run.
 */
#ifndef HVRUN_HYPERCALL_IPC_H
#define HVRUN_HYPERCALL_IPC_H

#include <stdint.h>

#include <hvrun/abi.h>

struct vm;
struct chan;

struct pv_ipc {
	uint32_t abi;				/* the image's ABI version */
	struct chan *chans[HVRUN_CHAN_MAX];
	int nr_chans;
};

/* The image's ABI version decides which calls exist. Refuses --chan for
 * a version 1 image. 0, or -1 (logged). */
int pv_ipc_new(struct vm *vm, uint32_t abi);
/* Open every --chan; vm->backend must exist. 0, or -1 (logged). */
int pv_ipc_open_chans(struct vm *vm);
/* Close the channels: after the loop stopped, before backend_free. */
void pv_ipc_close_chans(struct vm *vm);
void pv_ipc_free(struct vm *vm);

/* The image's ABI version (HVRUN_ABI_VERSION without PV state). */
uint32_t pv_ipc_abi(const struct vm *vm);
/* Channel n, or NULL when there is none. */
struct chan *pv_ipc_chan(const struct vm *vm, uint64_t n);
/* The HVRUN_POLL_CHAN* bits of mask that are ready. Any thread. */
uint64_t pv_ipc_ready(const struct vm *vm, uint64_t mask);
int pv_ipc_nr_chans(const struct vm *vm);

#endif
