/*
 * Inter-VM state of a PV guest (ABI version 2): channels (--chan) and
 * shared memory (--shm). Owned by the hypercall front-end; struct vm
 * holds only the pointer. Fixed once vCPUs run.
 */
#ifndef HVRUN_HYPERCALL_IPC_H
#define HVRUN_HYPERCALL_IPC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <hvrun/abi.h>

struct vm;
struct chan;

/* One --shm region: the file's pages at gpa in the guest. */
struct pv_shm {
	char *path;
	void *host;			/* MAP_SHARED, size bytes */
	uint64_t gpa, size;
	dev_t dev;			/* which file, for output checks */
	ino_t ino;
};

struct pv_ipc {
	uint32_t abi;				/* the image's ABI version */
	struct chan *chans[HVRUN_CHAN_MAX];
	int nr_chans;
	struct pv_shm shm[HVRUN_SHM_MAX];
	int nr_shm;
};

/* The image's ABI version decides which calls exist. Refuses --chan and
 * --shm for a version 1 image; maps every --shm into vm->mem (after
 * mem_init, before the page tables and KVM's memory slots). 0, or -1
 * (logged). */
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
/* Is (dev, ino) one of the --shm files? Outputs must not clobber it. */
bool pv_ipc_is_shm_file(const struct vm *vm, dev_t dev, ino_t ino);
/* Shared region n, or NULL. */
const struct pv_shm *pv_ipc_shm(const struct vm *vm, int n);

/* shm.c: map every --shm (refusing a file of another size); unmap. */
int pv_shm_map_all(struct vm *vm);
void pv_shm_unmap_all(struct pv_ipc *ipc);

#endif
