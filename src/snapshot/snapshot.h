/*
 * Snapshot and restore (docs/SNAPSHOT.md): --snapshot FILE writes the
 * whole VM when a trigger fires and ends the run; --restore FILE builds
 * the recorded machine and resumes it. The file format is format.c's.
 */
#ifndef HVRUN_SNAPSHOT_H
#define HVRUN_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vm_config;
struct mem;

/* What vm.c knows of the machine beyond struct vm and its config. */
struct snap_info {
	uint32_t image_kind;	/* enum image_kind */
	uint32_t pv_abi;	/* PV: the image's ABI version */
	bool pv_vmcall;		/* PV: vmcall/vmmcall, else the doorbell */
};

/*
 * --snapshot: after the front-end exists, before the vCPUs start and
 * before any sandbox. Refuses (one line, -1) what cannot be snapshotted,
 * creates the temporary file beside FILE and installs --snapshot-at's
 * console watch. Sets vm->snap.
 */
int snapshot_arm(struct vm *vm, const struct snap_info *info);
/* vm_snapshot: 0 if this call stopped the VM for a snapshot, else -1. */
int snapshot_request(struct vm *vm, const char *why);
/* After every vCPU thread is joined: write the file if a snapshot was
 * requested. Returns the run's status: status, 0 on a written snapshot,
 * 125 if writing failed. */
int snapshot_finish(struct vm *vm, int status);
/* Removes the temporary file if no snapshot was written. */
void snapshot_free(struct vm *vm);

/*
 * --restore: open and check FILE and build the configuration of the
 * machine it records (*out: cfg's run options, the snapshot's machine)
 * and *info. NULL after one line on stderr.
 */
struct restore;
struct restore *restore_open(const struct vm_config *cfg,
			     struct vm_config *out, struct snap_info *info);
/* Guest RAM, mapped copy-on-write from the file. 0 or -1 (logged). */
int restore_mem(struct restore *r, struct mem *m);
/* Check the host's CPUID, disks and the front-end against the snapshot:
 * after the vCPUs are created. 0 or -1 (logged). */
int restore_check(struct restore *r, struct vm *vm, const struct snap_info *now);
/* Every vCPU, device, the irqchip, the KVM clock and the PV state: after
 * restore_check, before the vCPUs start. 0 or -1 (logged). */
int restore_state(struct restore *r, struct vm *vm);
void restore_close(struct restore *r);

#endif
